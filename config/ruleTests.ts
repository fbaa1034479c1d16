// promtool unit-test files generated from the test cases of config/alertRules.ts. promtool compares the
// annotations exactly, so the expected ones are expanded here from the same templates (a subset of Go
// templates: `{{ $labels.x }}` and `{{ $value | humanize* }}`, nothing else is allowed in annotations).
import YAML from "yaml";
import { runbookUrl, type AlertDefinition, type AlertTestCase, type RuleFile } from "./alertRules";

/** Go's fmt "%.4g": 4 significant digits, trailing zeros removed, exponent form outside 1e-4 .. 1e4. */
export function formatG4(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value === 0) return "0";
  const [mantissa, exponentText] = value.toExponential(3).split("e") as [string, string];
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 4) {
    const m = mantissa.replace(/\.?0+$/, "");
    return `${m}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  return value.toFixed(Math.max(0, 3 - exponent)).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
}

const SMALL_PREFIXES = ["m", "u", "n", "p", "f", "a", "z", "y"];

/** Prometheus's template functions (template/template.go), for the values the tests use. */
const HUMANIZE: Record<string, (v: number) => string> = {
  humanize: (v) => {
    if (v === 0 || !Number.isFinite(v)) return formatG4(v);
    let prefix = "";
    if (Math.abs(v) >= 1) {
      for (const p of ["k", "M", "G", "T", "P", "E", "Z", "Y"]) {
        if (Math.abs(v) < 1000) break;
        prefix = p;
        v /= 1000;
      }
    } else {
      for (const p of SMALL_PREFIXES) {
        if (Math.abs(v) >= 1) break;
        prefix = p;
        v *= 1000;
      }
    }
    return `${formatG4(v)}${prefix}`;
  },
  humanizePercentage: (v) => `${formatG4(v * 100)}%`,
  humanizeDuration: (v) => {
    if (!Number.isFinite(v)) return formatG4(v);
    if (v === 0) return "0s";
    if (Math.abs(v) >= 1) {
      const sign = v < 0 ? "-" : "";
      const total = Math.trunc(Math.abs(v));
      const [d, h, m, s] = [Math.floor(total / 86400), Math.floor(total / 3600) % 24, Math.floor(total / 60) % 60, total % 60];
      if (d !== 0) return `${sign}${d}d ${h}h ${m}m ${s}s`;
      if (h !== 0) return `${sign}${h}h ${m}m ${s}s`;
      if (m !== 0) return `${sign}${m}m ${s}s`;
      return `${sign}${formatG4(Math.abs(v))}s`;
    }
    let prefix = "";
    for (const p of SMALL_PREFIXES) {
      if (Math.abs(v) >= 1) break;
      prefix = p;
      v *= 1000;
    }
    return `${formatG4(v)}${prefix}s`;
  },
};

const ACTION = /\{\{(.*?)\}\}/g;

/** Expands an annotation template; throws on anything outside the supported subset. */
export function expandTemplate(template: string, labels: Record<string, string>, value: number | undefined): string {
  return template.replace(ACTION, (_, inner: string) => {
    const action = inner.trim();
    const label = /^\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)$/.exec(action);
    if (label) return labels[label[1] as string] ?? "";
    const valued = /^\$value\s*\|\s*(\w+)$/.exec(action);
    if (valued) {
      const fn = HUMANIZE[valued[1] as string];
      if (!fn) throw new Error(`unsupported template function in "${template}"`);
      if (value === undefined) throw new Error(`the test case needs the expected value for "${template}"`);
      return fn(value);
    }
    throw new Error(`unsupported template action {{${inner}}} in "${template}"`);
  });
}

function alertRuleTest(alert: AlertDefinition, testCase: AlertTestCase) {
  return {
    eval_time: testCase.evalTime,
    alertname: alert.alert,
    exp_alerts: testCase.firing.map(({ labels, value }) => {
      const all = { ...labels, severity: alert.severity };
      return {
        exp_labels: all,
        exp_annotations: {
          summary: expandTemplate(alert.summary, all, value),
          description: expandTemplate(alert.description, all, value),
          runbook_url: runbookUrl(alert.alert),
        },
      };
    }),
  };
}

/**
 * One promtool test file per rule file with alerts, by file name. Each loads its rule file and the recording
 * rules it reads (the rule files without alerts) from `rulesDir`, relative to the test file.
 */
export function renderRuleTestFiles(ruleFiles: RuleFile[], rulesDir = "../rules"): Record<string, string> {
  const files: Record<string, string> = {};
  const recordingFiles = ruleFiles.filter((f) => f.alerts.length === 0);
  for (const ruleFile of ruleFiles) {
    if (ruleFile.alerts.length === 0) continue;
    const tests = ruleFile.alerts.flatMap((alert) =>
      alert.tests.map((testCase) => ({
        interval: testCase.interval ?? "1m",
        input_series: Object.entries(testCase.series).map(([series, values]) => ({ series, values })),
        alert_rule_test: [alertRuleTest(alert, testCase)],
      })),
    );
    const doc = new YAML.Document({
      rule_files: [...recordingFiles, ruleFile].map((f) => `${rulesDir}/${f.file}`),
      evaluation_interval: "1m",
      tests,
    });
    doc.commentBefore = ` promtool tests of ${ruleFile.file}, generated from config/alertRules.ts.`;
    files[ruleFile.file.replace(/\.yml$/, ".test.yml")] = doc.toString({ lineWidth: 0 });
  }
  return files;
}

// The rendered Prometheus files, checked and unit-tested by the real promtool (Debian's 2.42).
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ALL_ALERTS, RULE_FILES, ruleFilesFor } from "../../config/alertRules";
import { PLACEHOLDER_SECRETS } from "../../config/placeholders";
import { DEPLOYED, PRODUCTION_TIMINGS, type RenderOptions } from "../../config/renderOptions";
import { prometheusSecretFiles, renderPrometheusFiles } from "../../config/renderPrometheus";
import { renderRuleTestFiles } from "../../config/ruleTests";
import { MONITORING_STACKS, monitoringSettings } from "../support/stackSettings";
import { runTool, writeTree } from "../support/tools";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function renderTree(stack: (typeof MONITORING_STACKS)[number], options: RenderOptions): string {
  const settings = monitoringSettings(stack);
  // The secret file exists on the host; it is written here only to mirror the deployed layout.
  const dir = writeTree({ ...renderPrometheusFiles(settings, options), ...prometheusSecretFiles(PLACEHOLDER_SECRETS) }, `prom-${stack}-`);
  dirs.push(dir);
  return join(dir, "prometheus");
}

describe.each(MONITORING_STACKS)("prometheus files of %s", (stack) => {
  it("pass promtool check config (which checks every rule file too)", async () => {
    const dir = renderTree(stack, DEPLOYED);
    const result = await runTool("promtool", ["check", "config", "prometheus.yml"], dir);
    expect(result.stderr + result.stdout).toContain("SUCCESS: prometheus.yml is valid prometheus config file syntax");
    expect(result.code).toBe(0);
    const expected = ruleFilesFor(monitoringSettings(stack)).length;
    expect(result.stdout).toContain(`SUCCESS: ${expected} rule files found`);
  });

  it("pass promtool check rules", async () => {
    const dir = renderTree(stack, DEPLOYED);
    const files = readdirSync(join(dir, "rules")).map((f) => `rules/${f}`);
    const result = await runTool("promtool", ["check", "rules", ...files], dir);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const rules = ruleFilesFor(monitoringSettings(stack)).reduce((n, f) => n + f.records.length + f.alerts.length, 0);
    const found = [...result.stdout.matchAll(/SUCCESS: (\d+) rules found/g)].reduce((n, m) => n + Number(m[1]), 0);
    expect(found).toBe(rules);
  });

  it("stay valid with shortened for: durations and local addresses (the sandbox's options)", async () => {
    const dir = renderTree(stack, {
      addressing: { profile: "local", ports: { prometheus: { monitoring: 19090 }, alertmanager: { monitoring: 19093 }, "roadwave-api": { "api-1": 18080 } } },
      timings: { ...PRODUCTION_TIMINGS, scrapeInterval: "1s", evaluationInterval: "1s", forScale: 0.05 },
    });
    const result = await runTool("promtool", ["check", "config", "prometheus.yml"], dir);
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });
});

describe("promtool unit tests of every alert", () => {
  it("pass for every rule file (staging has them all)", async () => {
    const settings = monitoringSettings("staging");
    expect(ruleFilesFor(settings).map((f) => f.file)).toEqual(RULE_FILES.map((f) => f.file));
    const dir = renderTree("staging", DEPLOYED);
    // Beside the rendered rules: each test file loads them through ../rules.
    const tests = renderRuleTestFiles(ruleFilesFor(settings));
    const files = Object.keys(tests);
    mkdirSync(join(dir, "tests"));
    for (const f of files) writeFileSync(join(dir, "tests", f), tests[f] as string);
    // Files run in parallel: promtool evaluates every rule at every step, the slow part.
    const results = await Promise.all(files.map((f) => runTool("promtool", ["test", "rules", `tests/${f}`], dir)));
    results.forEach((r, i) => expect(r.code, `${files[i]}:\n${r.stdout}${r.stderr}`).toBe(0));
    const cases = ALL_ALERTS.reduce((n, a) => n + a.tests.length, 0);
    // Printed for the report: how many cases promtool ran.
    console.log(`promtool test rules: ${files.length} files, ${cases} alert test cases, all passed`);
  });
});

// Pure checks of the alert definitions, targets and rendered Prometheus files (no tools needed).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { ALL_ALERTS, ALL_RECORDS, RULE_FILES, ruleFilesFor, runbookUrl, SLO_WINDOWS } from "../../config/alertRules";
import { PLACEHOLDER_SECRETS } from "../../config/placeholders";
import { formatDuration, parseDuration, scaleDuration } from "../../config/promDuration";
import { DEPLOYED, JOBS, PRODUCTION_TIMINGS } from "../../config/renderOptions";
import { prometheusFlags, renderPrometheusFiles, renderRuleFile } from "../../config/renderPrometheus";
import { expandTemplate, formatG4 } from "../../config/ruleTests";
import { scrapeTargets, stackHosts } from "../../config/targets";
import { MONITORING_STACKS, monitoringSettings } from "../support/stackSettings";

describe("alert definitions", () => {
  it("have unique names", () => {
    const names = ALL_ALERTS.map((a) => a.alert);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(ALL_ALERTS.map((a) => [a.alert, a] as const))("%s has a severity, annotations, a runbook and tests", (name, alert) => {
    expect(["critical", "warning", "none"]).toContain(alert.severity);
    expect(alert.summary.length).toBeGreaterThan(10);
    expect(alert.description.length).toBeGreaterThan(30);
    expect(runbookUrl(name)).toBe(`https://github.com/roadwave/roadwave-monitoring/blob/main/docs/runbooks/${name}.md`);
    const runbook = `docs/runbooks/${name}.md`;
    expect(existsSync(runbook), `${runbook} is missing`).toBe(true);
    const text = readFileSync(runbook, "utf8");
    expect(text).toContain(`# ${name}`);
    for (const section of ["## Meaning", "## Impact", "## Diagnosis", "## Mitigation", "## Escalation"]) expect(text).toContain(section);
    expect(alert.tests.some((t) => t.firing.length > 0), "a firing case").toBe(true);
    // Watchdog is always firing by design: its "not firing" is the pipeline outage Uptime Kuma detects.
    if (name !== "Watchdog") expect(alert.tests.some((t) => t.firing.length === 0), "a not-firing case").toBe(true);
    // The annotations expand for every firing case (the expected values promtool compares).
    for (const t of alert.tests) for (const f of t.firing) expandTemplate(alert.description, f.labels, f.value);
  });

  it("test the API ratio alerts at zero and at low traffic", () => {
    const ratioAlerts = ALL_ALERTS.filter((a) => /HighErrorRate|HighLatency|Budget.*Burn/.test(a.alert));
    expect(ratioAlerts).toHaveLength(6);
    for (const a of ratioAlerts) {
      const names = a.tests.map((t) => t.name);
      expect(names, a.alert).toContain("zero traffic");
      expect(names.some((n) => n.startsWith("low traffic")), a.alert).toBe(true);
    }
  });

  it("keep the ADR's five names and severities", () => {
    const severity = Object.fromEntries(ALL_ALERTS.map((a) => [a.alert, a.severity]));
    expect(severity).toMatchObject({ APIDown: "critical", HighErrorRate: "critical", DatabaseDown: "critical", HighLatency: "warning", DiskSpaceRunningOut: "warning" });
  });

  it("are all listed in docs/alerting.md", () => {
    const doc = readFileSync("docs/alerting.md", "utf8");
    for (const a of ALL_ALERTS) expect(doc, a.alert).toContain(`[${a.alert}](runbooks/${a.alert}.md)`);
  });

  it("have no runbook without an alert", () => {
    const names = new Set(ALL_ALERTS.map((a) => `${a.alert}.md`));
    const files = readdirSync("docs/runbooks");
    expect(files.filter((f) => f !== "README.md" && !names.has(f))).toEqual([]);
  });
});

describe("recording rules", () => {
  it("include every name the dashboards use (CONTRACT.md)", () => {
    const records = ALL_RECORDS.map((r) => r.record);
    const expected = [
      "roadwave:http_requests:rate5m",
      "roadwave:http_requests_5xx:ratio_rate5m",
      "roadwave:http_requests_4xx:ratio_rate5m",
      ...["p50", "p95", "p99"].flatMap((q) => ["5m", "1h", "24h"].map((w) => `roadwave:http_request_duration_seconds:${q}_${w}`)),
      ...SLO_WINDOWS.flatMap((w) => [`roadwave:slo_availability_errors:ratio_rate${w}`, `roadwave:slo_latency_slow:ratio_rate${w}`]),
    ];
    for (const name of expected) expect(records).toContain(name);
    expect(new Set(records).size).toBe(records.length);
  });

  it("never divide by a bare denominator in the ratios", () => {
    for (const r of ALL_RECORDS.filter((r) => r.record.includes(":ratio_rate"))) {
      expect(r.expr, r.record).toContain("clamp_min(");
      expect(r.expr, r.record).toContain("or vector(0)");
    }
  });
});

describe("expandTemplate (Prometheus's humanize functions)", () => {
  it.each([
    [0.05, "humanizePercentage", "5%"],
    [1 / 6, "humanizePercentage", "16.67%"],
    [0.241, "humanizeDuration", "241ms"],
    [4200, "humanizeDuration", "1h 10m 0s"],
    [90061, "humanizeDuration", "1d 1h 1m 1s"],
    [1.5, "humanizeDuration", "1.5s"],
    [1234567, "humanize", "1.235M"],
    [0.0123, "humanize", "12.3m"],
  ])("%s | %s = %s", (value, fn, expected) => {
    expect(expandTemplate(`{{ $value | ${fn} }}`, {}, value)).toBe(expected);
  });

  it("expands labels and rejects anything else", () => {
    expect(expandTemplate("{{ $labels.instance }} down", { instance: "api-1" }, undefined)).toBe("api-1 down");
    expect(() => expandTemplate("{{ $value }}", {}, 1)).toThrow(/unsupported/);
    expect(() => expandTemplate("{{ $value | humanize }}", {}, undefined)).toThrow(/expected value/);
  });

  it("formats like Go's %.4g", () => {
    expect(formatG4(5.000000000000001)).toBe("5");
    expect(formatG4(123456)).toBe("1.235e+05");
    expect(formatG4(0.00001234)).toBe("1.234e-05");
    expect(formatG4(99.99)).toBe("99.99");
  });
});

describe("durations", () => {
  it("parse, format and scale", () => {
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(formatDuration(5_400_000)).toBe("90m");
    expect(scaleDuration("5m", 0.1)).toBe("30s");
    expect(scaleDuration("1m", 0.01)).toBe("600ms");
    expect(scaleDuration("0s", 0.5)).toBe("0s");
    expect(() => parseDuration("5 minutes")).toThrow();
  });

  it("scale every alert's for: with timings.forScale", () => {
    const api = RULE_FILES.find((f) => f.file === "api.yml")!;
    const rules = (YAML.parse(renderRuleFile(api, { forScale: 0.1 })) as { groups: { rules: { alert: string; for: string }[] }[] }).groups[0]!.rules;
    expect(rules.find((r) => r.alert === "APIDown")?.for).toBe("6s");
    expect(rules.find((r) => r.alert === "HighLatency")?.for).toBe("1m");
  });
});

describe.each(MONITORING_STACKS)("prometheus.yml of %s", (stack) => {
  const settings = monitoringSettings(stack);
  const files = renderPrometheusFiles(settings, DEPLOYED);
  const config = YAML.parse(files["prometheus/prometheus.yml"]!) as {
    global: { external_labels: Record<string, string> };
    alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    rule_files: string[];
    scrape_configs: { job_name: string; metrics_path: string; honor_labels?: boolean; basic_auth?: { username: string; password_file: string }; static_configs: { targets: string[]; labels: { instance: string } }[] }[];
  };
  const job = (name: string) => config.scrape_configs.find((c) => c.job_name === name);

  it("labels every series with the environment and sends alerts to Alertmanager", () => {
    expect(config.global.external_labels).toEqual({ environment: stack });
    expect(config.alerting.alertmanagers[0]!.static_configs[0]!.targets).toEqual([`${settings.hosts.monitoring.privateIp}:9093`]);
    expect(config.rule_files).toEqual(ruleFilesFor(settings).map((f) => `rules/${f.file}`));
    for (const f of config.rule_files) expect(files[`prometheus/${f}`]).toBeDefined();
  });

  it("scrapes every API instance, every host's node_exporter and every service", () => {
    expect(job("roadwave-api")!.static_configs.map((s) => s.targets[0])).toEqual(settings.monitored.api.map((a) => `${a.privateIp}:${a.metricsPort}`));
    expect(job("node")!.static_configs.map((s) => s.labels.instance)).toEqual(stackHosts(settings).map((h) => h.name));
    expect(job("zitadel")!.metrics_path).toBe(settings.monitored.zitadel.metricsPath);
    const expectedJobs = JOBS.filter((j) => j !== "pushgateway" || stack === "staging");
    expect(config.scrape_configs.map((c) => c.job_name)).toEqual(expectedJobs);
  });

  it("reads the Uptime Kuma password from a file, never inline", () => {
    expect(job("uptime-kuma")!.basic_auth).toEqual({ username: settings.uptimeKuma.adminUsername, password_file: "secrets/uptime-kuma-password" });
    for (const content of Object.values(files)) {
      for (const secret of Object.values(PLACEHOLDER_SECRETS)) expect(content).not.toContain(secret);
    }
  });

  it("keeps the pushed series' own labels on the Pushgateway", () => {
    if (stack === "staging") expect(job("pushgateway")!.honor_labels).toBe(true);
    else expect(job("pushgateway")).toBeUndefined();
  });

  it("passes retention and listen address as container flags", () => {
    const flags = prometheusFlags(settings);
    expect(flags).toContain(`--storage.tsdb.retention.time=${settings.retention.prometheusDays}d`);
    expect(flags).toContain("--web.listen-address=0.0.0.0:9090");
    expect(flags.some((f) => f.includes("enable-lifecycle"))).toBe(false);
  });
});

describe("scrapeTargets in the local profile", () => {
  it("puts the targets that have a port on 127.0.0.1 and leaves the others out", () => {
    const settings = monitoringSettings("prod");
    const targets = scrapeTargets(settings, { profile: "local", ports: { "roadwave-api": { "api-1": 18080 }, node: { "db-1": 19100 } } });
    expect(targets).toEqual([
      { job: "roadwave-api", instance: "api-1", address: "127.0.0.1:18080", metricsPath: "/metrics", scheme: "http" },
      { job: "node", instance: "db-1", address: "127.0.0.1:19100", metricsPath: "/metrics", scheme: "http" },
    ]);
  });

  it("gives production timings by default", () => {
    expect(DEPLOYED.timings).toBe(PRODUCTION_TIMINGS);
    expect(PRODUCTION_TIMINGS.forScale).toBe(1);
  });
});

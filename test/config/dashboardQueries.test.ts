// Every PromQL query of the dashboards checked by Prometheus itself (promtool 2.42), and the SLO and ratio
// queries evaluated by `promtool test rules` on synthetic series, including zero traffic.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import type { Dashboard, Panel } from "@grafana/grafana-foundation-sdk/dashboard";
import { dashboards } from "../../config/dashboards";
import { DEPLOYED } from "../../config/renderOptions";
import { renderPrometheusFiles } from "../../config/renderPrometheus";
import { monitoringSettings } from "../support/stackSettings";
import { tempDir } from "../support/processes";

const work = tempDir("dashboard-queries");
afterAll(() => work.remove());

const all = Object.values(dashboards());
const panels = all.flatMap((d: Dashboard) => (d.panels ?? []).filter((p) => p.type !== "row") as Panel[]);
const promPanels = panels.filter((p) => p.datasource?.uid === "prometheus");
const exprsOf = (p: Panel) => ((p.targets ?? []) as unknown as { expr: string }[]).map((t) => t.expr);
const panel = (title: string) => {
  const found = promPanels.filter((p) => p.title === title);
  expect(found, title).toHaveLength(1);
  return exprsOf(found[0]!)[0]!;
};

/** A promtool expression test: the query's single sample equals `value` (to 1e-9) at 60m. */
const close = (expr: string, value: number) => ({
  expr: `abs((${expr}) - ${value}) < bool 1e-9`,
  eval_time: "60m",
  exp_samples: [{ labels: "{}", value: 1 }],
});

function promtool(...args: string[]) {
  const result = spawnSync("promtool", args, { cwd: work.path, encoding: "utf8", timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

describe("dashboard PromQL, checked by promtool", () => {
  it("every query is a valid Prometheus expression", () => {
    const exprs = promPanels.flatMap(exprsOf);
    const rules = { groups: [{ name: "dashboard-queries", rules: exprs.map((expr, i) => ({ record: `dashboard:query_${i}`, expr })) }] };
    writeFileSync(join(work.path, "queries.yml"), stringify(rules));
    const result = promtool("check", "rules", "queries.yml");
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain(`SUCCESS: ${exprs.length} rules found`);
  });

  it("promtool rejects a broken expression (the check is real)", () => {
    writeFileSync(join(work.path, "broken.yml"), stringify({ groups: [{ name: "b", rules: [{ record: "x:y", expr: "sum(rate(x[5m])" }] }] }));
    expect(promtool("check", "rules", "broken.yml").status).not.toBe(0);
  });

  it("error budgets (on top of the real recording rules), the cache hit ratio and the backup age evaluate as intended, also without traffic", () => {
    // The SLO panels read issue-prom's recording rules: evaluate them with the rules loaded.
    const recording = renderPrometheusFiles(monitoringSettings("prod"), DEPLOYED)["prometheus/rules/recording.yml"]!;
    writeFileSync(join(work.path, "recording.yml"), recording);
    const availabilityBudget = panel("Availability error budget left (30 days)");
    const availability = panel("Availability (30 days)");
    const latencyBudget = panel("Latency error budget left (30 days)");
    const cacheHit = panel("Cache hit ratio");
    const backupAge = panel("Time since last full backup");
    const api = 'job="roadwave-api"';
    const tests = {
      rule_files: ["recording.yml"],
      evaluation_interval: "1m",
      tests: [
        {
          // 2,000 requests a minute over two instances, 0.05 % 5xx, 0.5 % slower than 100 ms.
          interval: "1m",
          input_series: [
            { series: `http_requests_total{${api}, instance="api-1", status="200"}`, values: "0+999.5x60" },
            { series: `http_requests_total{${api}, instance="api-1", status="500"}`, values: "0+0.5x60" },
            { series: `http_requests_total{${api}, instance="api-2", status="200"}`, values: "0+999.5x60" },
            { series: `http_requests_total{${api}, instance="api-2", status="503"}`, values: "0+0.5x60" },
            { series: `http_request_duration_seconds_bucket{${api}, instance="api-1", le="0.1"}`, values: "0+995x60" },
            { series: `http_request_duration_seconds_count{${api}, instance="api-1"}`, values: "0+1000x60" },
            { series: `http_request_duration_seconds_bucket{${api}, instance="api-2", le="0.1"}`, values: "0+995x60" },
            { series: `http_request_duration_seconds_count{${api}, instance="api-2"}`, values: "0+1000x60" },
            { series: 'pg_stat_database_blks_hit{job="postgresql", datname="roadwave"}', values: "0+960x60" },
            { series: 'pg_stat_database_blks_read{job="postgresql", datname="roadwave"}', values: "0+40x60" },
            { series: 'roadwave_backup_last_success_timestamp_seconds{type="full"}', values: "600x60" },
          ],
          promql_expr_test: [
            close(availabilityBudget, 0.5),
            close(availability, 0.9995),
            close(latencyBudget, 0.5),
            close(cacheHit, 0.96),
            // time() is 3600 at 60m; the backup finished at 600.
            close(backupAge, 3000),
          ],
        },
        {
          // No traffic at all (counters at 0, or no series): the budgets stay whole, never NaN.
          interval: "1m",
          input_series: [
            { series: `http_requests_total{${api}, instance="api-1", status="200"}`, values: "0x60" },
            { series: 'pg_stat_database_blks_hit{job="postgresql", datname="roadwave"}', values: "0x60" },
            { series: 'pg_stat_database_blks_read{job="postgresql", datname="roadwave"}', values: "0x60" },
          ],
          promql_expr_test: [
            { expr: availabilityBudget, eval_time: "60m", exp_samples: [{ labels: "{}", value: 1 }] },
            { expr: latencyBudget, eval_time: "60m", exp_samples: [{ labels: "{}", value: 1 }] },
            { expr: availability, eval_time: "60m", exp_samples: [{ labels: "{}", value: 1 }] },
            // No reads at all: no ratio (an empty panel), not a misleading 0 % or NaN.
            { expr: cacheHit, eval_time: "60m", exp_samples: [] },
          ],
        },
      ],
    };
    writeFileSync(join(work.path, "tests.yml"), stringify(tests));
    const result = promtool("test", "rules", "tests.yml");
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain("SUCCESS");
  });
});

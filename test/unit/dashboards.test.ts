import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import type { Dashboard, Panel, RowPanel } from "@grafana/grafana-foundation-sdk/dashboard";
import { ALL_RECORDS } from "../../config/alertRules";
import { renderGrafanaFiles } from "../../config/grafana";
import { RAW_METRIC_NAMES } from "../../config/metricCatalog";
import { DEPLOYED } from "../../config/renderOptions";
import { checkLogql, LogqlError } from "../support/logql";
import { promqlErrors, promqlMetricNames } from "../support/promql";
import { monitoringSettings } from "../support/stackSettings";

// The recording rules issue-prom renders (config/alertRules.ts).
const RECORDING_RULES = new Set(ALL_RECORDS.map((r) => r.record));

type AnyPanel = Panel | RowPanel;
interface Target {
  expr?: string;
  datasource?: { type?: string; uid?: string };
}

const settings = monitoringSettings("prod");
const files = renderGrafanaFiles(settings, DEPLOYED);
const dashboardFiles = Object.entries(files).filter(([path]) => path.startsWith("grafana/dashboards/"));
const dashboards = dashboardFiles.map(([path, text]) => [path, JSON.parse(text) as Dashboard] as const);
const panelsOf = (d: Dashboard) => (d.panels ?? []).filter((p: AnyPanel) => p.type !== "row") as Panel[];
const targetsOf = (p: Panel) => (p.targets ?? []) as Target[];
const allPanels = dashboards.flatMap(([path, d]) => panelsOf(d).map((p) => ({ path, panel: p })));

describe("Grafana provisioning", () => {
  const datasources = parse(files["grafana/provisioning/datasources/datasources.yaml"]!) as {
    datasources: { uid: string; type: string; url: string; jsonData?: Record<string, unknown> }[];
  };
  const uids = datasources.datasources.map((d) => d.uid);

  it("provisions Prometheus, Loki and Alertmanager with their fixed uids on the monitoring host", () => {
    expect(uids.sort()).toEqual(["alertmanager", "loki", "prometheus"]);
    const byUid = Object.fromEntries(datasources.datasources.map((d) => [d.uid, d]));
    expect(byUid.prometheus!.url).toBe("http://10.42.0.10:9090");
    expect(byUid.loki!.url).toBe("http://10.42.0.10:3100");
    expect(byUid.alertmanager!.url).toBe("http://10.42.0.10:9093");
    expect(byUid.alertmanager!.jsonData?.implementation).toBe("prometheus");
  });

  it("points the dashboard provider at /var/lib/grafana/dashboards", () => {
    const provider = parse(files["grafana/provisioning/dashboards/dashboards.yaml"]!) as {
      providers: { type: string; options: { path: string } }[];
    };
    expect(provider.providers).toHaveLength(1);
    expect(provider.providers[0]!.type).toBe("file");
    expect(provider.providers[0]!.options.path).toBe("/var/lib/grafana/dashboards");
  });

  it("uses local addresses in the local profile", () => {
    const local = renderGrafanaFiles(settings, {
      ...DEPLOYED,
      addressing: { profile: "local", ports: { prometheus: { monitoring: 19090 }, loki: { monitoring: 13100 } } },
    });
    const doc = parse(local["grafana/provisioning/datasources/datasources.yaml"]!) as { datasources: { uid: string; url: string }[] };
    const urls = Object.fromEntries(doc.datasources.map((d) => [d.uid, d.url]));
    expect(urls).toEqual({ prometheus: "http://127.0.0.1:19090", loki: "http://127.0.0.1:13100", alertmanager: "http://127.0.0.1:9093" });
  });

  it("renders the six dashboards with stable, unique uids", () => {
    expect(dashboards.map(([path, d]) => [path, d.uid])).toEqual([
      ["grafana/dashboards/main.json", "roadwave-main"],
      ["grafana/dashboards/postgresql.json", "roadwave-postgresql"],
      ["grafana/dashboards/redis.json", "roadwave-redis"],
      ["grafana/dashboards/slo.json", "roadwave-slo"],
      ["grafana/dashboards/backups.json", "roadwave-backups"],
      ["grafana/dashboards/logs.json", "roadwave-logs"],
    ]);
    // Rendering twice gives the same bytes (stable ids, no timestamps).
    expect(renderGrafanaFiles(settings, DEPLOYED)).toEqual(files);
  });

  it.each(dashboards)("%s: valid JSON, unique panel ids, panels on the grid without overlap", (_path, dashboard) => {
    const all = dashboard.panels ?? [];
    const ids = all.map((p: AnyPanel) => p.id);
    expect(ids.every((id) => Number.isInteger(id) && id! > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of all) {
      expect(p.gridPos).toBeDefined();
      expect(p.gridPos!.x + p.gridPos!.w).toBeLessThanOrEqual(24);
    }
    expect(panelsOf(dashboard).length).toBeGreaterThan(0);
    // No two panels overlap.
    const boxes = all.map((p: AnyPanel) => p.gridPos!);
    boxes.forEach((a, i) =>
      boxes.slice(i + 1).forEach((b) => {
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        expect(overlap, `${JSON.stringify(a)} overlaps ${JSON.stringify(b)}`).toBe(false);
      }),
    );
  });

  it("every panel and every query references a provisioned datasource by uid", () => {
    for (const { path, panel } of allPanels) {
      const where = `${path} "${panel.title}"`;
      expect(panel.datasource?.uid, where).toBeDefined();
      expect(uids, where).toContain(panel.datasource!.uid);
      expect(targetsOf(panel).length, where).toBeGreaterThan(0);
      for (const target of targetsOf(panel)) {
        expect(target.datasource?.uid, where).toBe(panel.datasource!.uid);
      }
    }
  });

  it("every PromQL query parses and reads only recording rules or documented raw metrics", () => {
    let count = 0;
    for (const { path, panel } of allPanels.filter((p) => p.panel.datasource?.uid === "prometheus")) {
      for (const { expr } of targetsOf(panel)) {
        const where = `${path} "${panel.title}": ${expr}`;
        expect(promqlErrors(expr!), where).toEqual([]);
        const names = promqlMetricNames(expr!);
        expect(names.length, where).toBeGreaterThan(0);
        for (const name of names) expect(RECORDING_RULES.has(name) || RAW_METRIC_NAMES.has(name), `${where}: ${name}`).toBe(true);
        count++;
      }
    }
    expect(count).toBeGreaterThan(40);
  });

  it("stats over a day or more are instant queries (one evaluation, not one per graph step)", () => {
    const long = allPanels.filter(({ panel }) => panel.type === "stat").flatMap(({ panel }) => targetsOf(panel) as (Target & { instant?: boolean })[])
      .filter((t) => /\[(1d|30d)/.test(t.expr ?? ""));
    expect(long.length).toBeGreaterThanOrEqual(8);
    for (const t of long) expect(t.instant, t.expr).toBe(true);
  });

  it("every LogQL query passes the structural check", () => {
    const queries = allPanels
      .filter((p) => p.panel.datasource?.uid === "loki")
      .flatMap(({ panel }) => targetsOf(panel).map((t) => t.expr!));
    expect(queries).toContain('{app="roadwave-api"} |= "error"');
    for (const q of queries) expect(() => checkLogql(q), q).not.toThrow();
  });

  it("covers what ADR-024 asks of the main, PostgreSQL and Redis dashboards", () => {
    const exprs = (file: string) =>
      panelsOf(dashboards.find(([p]) => p.endsWith(file))![1]).flatMap((p) => targetsOf(p).map((t) => t.expr!)).join("\n");
    const main = exprs("main.json");
    for (const q of ["p50", "p95", "p99"]) for (const w of ["5m", "1h", "24h"]) expect(main).toContain(`:${q}_${w}`);
    for (const m of ["5xx:ratio_rate5m", "4xx:ratio_rate5m", "roadwave:http_requests:rate5m", "node_cpu_seconds_total",
      "node_memory_MemAvailable_bytes", "node_disk_io_time_seconds_total", "roadwave_active_users_total",
      "roadwave_hls_streams_active", "roadwave_moderation_reports_total"]) expect(main).toContain(m);
    const errorPanels = panelsOf(dashboards[0]![1]).filter((p) => /error rate/.test(p.title ?? ""));
    for (const p of errorPanels) expect(p.fieldConfig?.defaults?.thresholds?.steps?.[1]?.value).toBe(0.01);
    const pg = exprs("postgresql.json");
    for (const m of ["> 0.1", "pg_settings_max_connections", "blks_hit", "deadlocks"]) expect(pg).toContain(m);
    const redis = exprs("redis.json");
    for (const m of ["redis_memory_used_bytes", "redis_evicted_keys_total", "redis_commands_processed_total", "redis_keyspace_misses_total"]) expect(redis).toContain(m);
    const slo = exprs("slo.json");
    expect(slo).toContain("/ 0.001");
    expect(slo).toContain("/ 0.01");
    expect(slo).toContain("roadwave:slo_latency_slow:ratio_rate5m");
    expect(slo).toContain("roadwave:slo_availability_errors:ratio_rate5m");
    expect(slo).toContain("[30d:5m]");
    const backups = exprs("backups.json");
    for (const m of ['type="full"', "roadwave_backup_last_size_bytes", "roadwave_dr_drill_last_success_timestamp_seconds",
      "roadwave_dr_drill_rto_seconds", "pg_stat_archiver_last_archive_age"]) expect(backups).toContain(m);
  });

  it("reports the dashboard and panel counts", () => {
    const counts = dashboards.map(([path, d]) => `${path.split("/").pop()}: ${panelsOf(d).length}`);
    console.log(`dashboards: ${dashboards.length}, panels: ${allPanels.length} (${counts.join(", ")})`);
    expect(dashboards).toHaveLength(6);
  });
});

describe("the test helpers reject what they should", () => {
  it("promqlErrors finds syntax errors", () => {
    expect(promqlErrors("sum(rate(x[5m])")).not.toEqual([]);
    expect(promqlErrors('sum by (le) (rate(x_bucket{job="a"}[5m]))')).toEqual([]);
    expect(promqlMetricNames('a / on() b{c="d"} + sum(rate(e[1m]))').sort()).toEqual(["a", "b", "e"]);
  });

  it("checkLogql rejects malformed queries", () => {
    expect(checkLogql('{app="x"} |= "error"')).toBe("log");
    expect(checkLogql('sum by (host) (count_over_time({app="x"} |= "e" [1m]))')).toBe("metric");
    for (const bad of ['{app=""}', '{container=~".*"}', '{app="x"', 'app="x"', 'rate({app="x"})', 'sum(rate({app="x"}[5m])',
      'frobnicate({app="x"}[5m])', '{app="x"} |= error']) {
      expect(() => checkLogql(bad), bad).toThrow(LogqlError);
    }
  });
});

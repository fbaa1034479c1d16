// Every Prometheus query of every Grafana dashboard, run against the sandbox Prometheus of the staging stack
// (the one with a Pushgateway, so the DR drill panels have their data too): no query errors, and every query
// returns data except those listed in NO_DATA_HERE with the reason. A "No data" panel because of a wrong metric
// or label name fails here. Grafana itself has no binary on this machine: the queries are sent as Grafana's
// Prometheus datasource sends them (a range query over the last 5 minutes, or an instant query for the panels
// that ask for one; the dashboards use no template variables).
import type { Dashboard, Panel, RowPanel } from "@grafana/grafana-foundation-sdk/dashboard";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dashboards } from "../../config/dashboards";
import { DATASOURCES } from "../../config/grafanaDatasources";
import { Sandbox } from "../../scripts/sandbox/sandbox";
import { monitoringStackSettings } from "../../scripts/sandbox/stackSettings";
import { waitFor } from "../../scripts/sandbox/supervisor";
import { TEST_TIMINGS } from "../../scripts/sandbox/timings";

const STACK = "staging";

/**
 * Panels that rightly show nothing in a healthy sandbox, by title: the reason, and a witness query (the panel's
 * query without its threshold) that must return data, so the metric and label names are still checked.
 */
const NO_DATA_HERE: Record<string, { reason: string; witness: string }> = {
  "Slow queries (mean time > 100 ms)": {
    reason: "no statement of the sandbox's database averages over 100 ms",
    witness: 'sum by (datname, queryid) (rate(pg_stat_statements_top_exec_seconds{job="postgresql"}[5m])) / (sum by (datname, queryid) (rate(pg_stat_statements_top_calls{job="postgresql"}[5m])) > 0)',
  },
};

interface PanelQuery {
  dashboard: string;
  panel: string;
  expr: string;
  /** Grafana evaluates it once (instant query) instead of at every step of the time range. */
  instant: boolean;
}

function prometheusQueries(): PanelQuery[] {
  return Object.entries(dashboards()).flatMap(([file, dashboard]: [string, Dashboard]) => {
    const top = (dashboard.panels ?? []) as (Panel | RowPanel)[];
    const panels = top.flatMap((p) => (p.type === "row" ? ((p as RowPanel).panels ?? []) : [p as Panel]));
    return panels
      .filter((p) => p.datasource?.uid === DATASOURCES.prometheus.ref.uid)
      .flatMap((p) =>
        ((p.targets ?? []) as { expr?: string; instant?: boolean }[]).map((t) => ({
          dashboard: file, panel: p.title ?? "", expr: t.expr ?? "", instant: t.instant === true,
        })),
      );
  });
}

let sandbox: Sandbox;

describe.sequential(`every Grafana dashboard query against the ${STACK} sandbox Prometheus`, () => {
  beforeAll(async () => {
    sandbox = await Sandbox.start({ settings: monitoringStackSettings(STACK), timings: TEST_TIMINGS });
    sandbox.supervisor.installExitHandlers();
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  it("runs without error and returns data (no \"No data\" panel)", async () => {
    const queries = prometheusQueries();
    expect(queries.length).toBeGreaterThan(30);
    const problems = async (): Promise<string[]> => {
      const found: string[] = [];
      for (const q of queries) {
        const where = `${q.dashboard} / ${q.panel}`;
        const result = await (q.instant ? sandbox.query(q.expr) : sandbox.queryRange(q.expr, 300, 15)).catch((error: Error) => error);
        if (result instanceof Error) found.push(`${where}: ${result.message}`);
        else if (result.length === 0 && !(q.panel in NO_DATA_HERE)) found.push(`${where}: no data for ${q.expr}`);
        else if (result.length > 0 && q.panel in NO_DATA_HERE) found.push(`${where}: has data now, remove it from NO_DATA_HERE`);
      }
      return found;
    };
    // Rate windows need a few scrapes; the SLO and quantile panels need traffic in them.
    await waitFor("every dashboard query to return data", async () => ((await problems()).length === 0 ? true : undefined), 60_000, 2_000)
      .catch(() => undefined);
    expect(await problems()).toEqual([]);
    for (const [panel, { witness }] of Object.entries(NO_DATA_HERE)) {
      expect((await sandbox.query(witness)).length, `${panel}: witness query`).toBeGreaterThan(0);
    }
  });
});

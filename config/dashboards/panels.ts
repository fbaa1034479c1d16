// Small helpers over the Grafana Foundation SDK builders, so every dashboard builds its panels the same way:
// every panel and every query names its datasource by the provisioned uid (never by name).
import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import {
  DashboardBuilder,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  type Dashboard,
  type Panel,
  type RowPanel,
} from "@grafana/grafana-foundation-sdk/dashboard";
import {
  BigValueGraphMode,
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  SortOrder,
  TooltipDisplayMode,
  VizLegendOptionsBuilder,
  VizTooltipOptionsBuilder,
} from "@grafana/grafana-foundation-sdk/common";
import { DataqueryBuilder as PrometheusQuery } from "@grafana/grafana-foundation-sdk/prometheus";
import { DataqueryBuilder as LokiQuery } from "@grafana/grafana-foundation-sdk/loki";
import { PanelBuilder as TimeseriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import { PanelBuilder as StatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as LogsPanel } from "@grafana/grafana-foundation-sdk/logs";
import { DATASOURCES } from "../grafanaDatasources";

export interface Query {
  expr: string;
  legend?: string;
  /** Evaluate once at the end of the time range, not at every step (stats over long windows). */
  instant?: boolean;
}

export interface PanelSpec {
  title: string;
  description: string;
  queries: Query[];
  /** Grafana unit id: s, percentunit, reqps, bytes, short... */
  unit: string;
  /** Values at or above it turn red (below it with `lowIsBad`). */
  threshold?: number;
  lowIsBad?: boolean;
  min?: number;
  max?: number;
  /** Grid width (of 24) and height. */
  width?: number;
  height?: number;
}

function thresholds(spec: PanelSpec): ThresholdsConfigBuilder {
  const t = spec.threshold;
  const steps =
    t === undefined
      ? [{ value: null, color: "green" }]
      : spec.lowIsBad
        ? [{ value: null, color: "red" }, { value: t, color: "green" }]
        : [{ value: null, color: "green" }, { value: t, color: "red" }];
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(steps);
}

const legend = () =>
  new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom);
const tooltip = () => new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi).sort(SortOrder.Descending);

/** refIds A, B, C... in query order. */
const refId = (index: number) => String.fromCharCode(65 + index);

function prometheusTargets(queries: Query[]): PrometheusQuery[] {
  return queries.map((q, i) => {
    const query = new PrometheusQuery().datasource(DATASOURCES.prometheus.ref).expr(q.expr).refId(refId(i));
    if (q.instant) query.instant();
    return q.legend ? query.legendFormat(q.legend) : query;
  });
}

export function timeseries(spec: PanelSpec): TimeseriesPanel {
  const panel = new TimeseriesPanel()
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCES.prometheus.ref)
    .unit(spec.unit)
    .thresholds(thresholds(spec))
    .thresholdsStyle(
      new GraphThresholdsStyleConfigBuilder().mode(
        spec.threshold === undefined ? GraphThresholdsStyleMode.Off : GraphThresholdsStyleMode.Dashed,
      ),
    )
    .span(spec.width ?? 12)
    .height(spec.height ?? 8)
    .fillOpacity(10)
    .legend(legend())
    .tooltip(tooltip())
    .targets(prometheusTargets(spec.queries));
  if (spec.min !== undefined) panel.min(spec.min);
  if (spec.max !== undefined) panel.max(spec.max);
  return panel;
}

export function stat(spec: PanelSpec): StatPanel {
  const panel = new StatPanel()
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCES.prometheus.ref)
    .unit(spec.unit)
    .thresholds(thresholds(spec))
    .graphMode(BigValueGraphMode.Area)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false))
    .span(spec.width ?? 6)
    .height(spec.height ?? 5)
    .targets(prometheusTargets(spec.queries));
  if (spec.min !== undefined) panel.min(spec.min);
  if (spec.max !== undefined) panel.max(spec.max);
  return panel;
}

export interface LokiPanelSpec {
  title: string;
  description: string;
  queries: Query[];
  unit?: string;
  width?: number;
  height?: number;
}

function lokiTargets(queries: Query[]): LokiQuery[] {
  return queries.map((q, i) => {
    const query = new LokiQuery().datasource(DATASOURCES.loki.ref).expr(q.expr).refId(refId(i));
    return q.legend ? query.legendFormat(q.legend) : query;
  });
}

/** Log lines (a LogQL log query). */
export function logs(spec: LokiPanelSpec): LogsPanel {
  return new LogsPanel()
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCES.loki.ref)
    .showTime(true)
    .wrapLogMessage(true)
    .enableLogDetails(true)
    .span(spec.width ?? 24)
    .height(spec.height ?? 12)
    .targets(lokiTargets(spec.queries));
}

/** A graph of LogQL metric queries. */
export function lokiTimeseries(spec: LokiPanelSpec): TimeseriesPanel {
  return new TimeseriesPanel()
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCES.loki.ref)
    .unit(spec.unit ?? "short")
    .span(spec.width ?? 12)
    .height(spec.height ?? 8)
    .fillOpacity(10)
    .legend(legend())
    .tooltip(tooltip())
    .targets(lokiTargets(spec.queries));
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  /** Default time range start, e.g. now-6h. */
  from?: string;
  rows: { title: string; panels: cog.Builder<Panel>[] }[];
}

/**
 * Builds a dashboard: rows in order, each followed by its panels (an expanded row holds no panels in
 * Grafana's model), panel ids numbered 1.. in that order so they are stable from one render to the next.
 */
export function buildDashboard(spec: DashboardSpec): Dashboard {
  const builder = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(["roadwave", ...spec.tags])
    .refresh("1m")
    .time({ from: spec.from ?? "now-6h", to: "now" })
    .timezone("browser");
  for (const row of spec.rows) {
    builder.withRow(new RowBuilder(row.title));
    for (const panel of row.panels) builder.withPanel(panel);
  }
  const dashboard = builder.build();
  (dashboard.panels ?? []).forEach((panel: Panel | RowPanel, index: number) => {
    panel.id = index + 1;
  });
  return dashboard;
}

// Logs dashboard (Loki): the API's error lines (ADR-024 runbook query) and log volume per container.
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { buildDashboard, logs, lokiTimeseries } from "./panels";

export const API_ERROR_LOG_QUERY = '{app="roadwave-api"} |= "error"';

export function logsDashboard(): Dashboard {
  return buildDashboard({
    uid: "roadwave-logs",
    title: "RoadWave / Logs",
    description: "Container logs shipped by Alloy to Loki: API errors and log volume per container.",
    tags: ["logs"],
    from: "now-1h",
    rows: [
      {
        title: "API errors",
        panels: [
          lokiTimeseries({
            title: "API error lines per host",
            description: "Lines containing \"error\" in the API's logs, per host and minute.",
            width: 24,
            queries: [{ expr: `sum by (host) (count_over_time(${API_ERROR_LOG_QUERY} [1m]))`, legend: "{{host}}" }],
          }),
          logs({
            title: "API error lines",
            description: `The API's log lines containing "error" (${API_ERROR_LOG_QUERY}).`,
            queries: [{ expr: API_ERROR_LOG_QUERY }],
          }),
        ],
      },
      {
        title: "Log volume",
        panels: [
          lokiTimeseries({
            title: "Log lines per second per container",
            description: "Lines received per second, per container and host.",
            queries: [{ expr: 'sum by (host, container) (rate({container=~".+"} [5m]))', legend: "{{host}} {{container}}" }],
          }),
          lokiTimeseries({
            title: "Log bytes per second per container",
            description: "Log volume per container: a sudden rise is usually a logging loop (and eats the ingestion limit).",
            unit: "Bps",
            queries: [{ expr: 'sum by (host, container) (bytes_rate({container=~".+"} [5m]))', legend: "{{host}} {{container}}" }],
          }),
        ],
      },
    ],
  });
}

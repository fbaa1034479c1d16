// Main dashboard (ADR-024 "Dashboard principal"): API latency, errors, throughput, host resources, business.
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { buildDashboard, stat, timeseries } from "./panels";

const WINDOWS = ["5m", "1h", "24h"] as const;

const latencyPanel = (window: (typeof WINDOWS)[number]) =>
  timeseries({
    title: `API latency p50 / p95 / p99 (${window} window)`,
    description: `Request duration quantiles over a ${window} window, all API instances together (recording rules). The SLO wants p99 under 100 ms (dashed line).`,
    unit: "s",
    threshold: 0.1,
    min: 0,
    width: 8,
    queries: (["p50", "p95", "p99"] as const).map((q) => ({
      expr: `roadwave:http_request_duration_seconds:${q}_${window}`,
      legend: q,
    })),
  });

export function mainDashboard(): Dashboard {
  return buildDashboard({
    uid: "roadwave-main",
    title: "RoadWave / Main",
    description: "API latency, errors and throughput, host resources and business metrics (ADR-024).",
    tags: ["api"],
    rows: [
      { title: "API latency", panels: WINDOWS.map(latencyPanel) },
      {
        title: "API errors and throughput",
        panels: [
          timeseries({
            title: "5xx error rate",
            description: "Share of requests answered 5xx, all instances. HighErrorRate fires above 1 % (dashed line).",
            unit: "percentunit",
            threshold: 0.01,
            min: 0,
            width: 8,
            queries: [{ expr: "roadwave:http_requests_5xx:ratio_rate5m", legend: "5xx" }],
          }),
          timeseries({
            title: "4xx error rate",
            description: "Share of requests answered 4xx (client errors), with the same 1 % mark: a jump usually means a broken client release or an auth problem.",
            unit: "percentunit",
            threshold: 0.01,
            min: 0,
            width: 8,
            queries: [{ expr: "roadwave:http_requests_4xx:ratio_rate5m", legend: "4xx" }],
          }),
          timeseries({
            title: "Throughput",
            description: "Requests per second, all API instances together.",
            unit: "reqps",
            min: 0,
            width: 8,
            queries: [{ expr: "roadwave:http_requests:rate5m", legend: "requests/s" }],
          }),
        ],
      },
      {
        title: "Hosts",
        panels: [
          timeseries({
            title: "CPU usage per host",
            description: "Busy share of all CPUs per host (node_exporter). The CPU alert fires above 80 %.",
            unit: "percentunit",
            threshold: 0.8,
            min: 0,
            max: 1,
            width: 8,
            queries: [
              {
                expr: '1 - avg by (instance) (rate(node_cpu_seconds_total{job="node", mode="idle"}[5m]))',
                legend: "{{instance}}",
              },
            ],
          }),
          timeseries({
            title: "Memory usage per host",
            description: "Share of RAM not available to new processes (1 - MemAvailable / MemTotal).",
            unit: "percentunit",
            threshold: 0.9,
            min: 0,
            max: 1,
            width: 8,
            queries: [
              {
                expr: '1 - node_memory_MemAvailable_bytes{job="node"} / node_memory_MemTotal_bytes{job="node"}',
                legend: "{{instance}}",
              },
            ],
          }),
          timeseries({
            title: "Disk I/O utilisation per host",
            description: "Share of time the busiest disk of each host was doing I/O (close to 100 % = saturated).",
            unit: "percentunit",
            min: 0,
            max: 1,
            width: 8,
            queries: [
              {
                expr: 'max by (instance) (rate(node_disk_io_time_seconds_total{job="node"}[5m]))',
                legend: "{{instance}}",
              },
            ],
          }),
        ],
      },
      {
        title: "Business",
        panels: [
          stat({
            title: "Daily active users",
            description: "Users active over the last 24 h: increase of the API counter roadwave_active_users_total, which counts a user once per day at their first request.",
            unit: "short",
            width: 8,
            queries: [{ expr: 'sum(increase(roadwave_active_users_total{job="roadwave-api"}[1d]))', instant: true, legend: "DAU" }],
          }),
          stat({
            title: "Active HLS streams",
            description: "Audio streams being served right now, all API instances together.",
            unit: "short",
            width: 8,
            queries: [{ expr: 'sum(roadwave_hls_streams_active{job="roadwave-api"})', legend: "streams" }],
          }),
          stat({
            title: "Moderation reports (24 h)",
            description: "Content reports filed over the last 24 h.",
            unit: "short",
            width: 8,
            queries: [{ expr: 'sum(increase(roadwave_moderation_reports_total{job="roadwave-api"}[1d]))', instant: true, legend: "reports" }],
          }),
          timeseries({
            title: "Active HLS streams over time",
            description: "Audio streams being served, per API instance.",
            unit: "short",
            min: 0,
            queries: [{ expr: 'sum by (instance) (roadwave_hls_streams_active{job="roadwave-api"})', legend: "{{instance}}" }],
          }),
          timeseries({
            title: "Moderation reports per hour",
            description: "Rate of content reports, per hour.",
            unit: "short",
            min: 0,
            queries: [{ expr: 'sum(increase(roadwave_moderation_reports_total{job="roadwave-api"}[1h]))', legend: "reports/h" }],
          }),
        ],
      },
    ],
  });
}

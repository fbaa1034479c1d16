// Redis dashboard (ADR-024): memory, evictions, commands per second, keyspace hit ratio.
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { buildDashboard, stat, timeseries } from "./panels";

const REDIS = 'job="redis"';

export function redisDashboard(): Dashboard {
  return buildDashboard({
    uid: "roadwave-redis",
    title: "RoadWave / Redis",
    description: "Redis health from redis_exporter: memory, evictions, commands per second, keyspace hit ratio, clients.",
    tags: ["redis"],
    rows: [
      {
        title: "Overview",
        panels: [
          stat({
            title: "Redis up",
            description: "1 when redis_exporter can reach Redis.",
            unit: "short",
            threshold: 1,
            lowIsBad: true,
            queries: [{ expr: `min(redis_up{${REDIS}})`, legend: "up" }],
          }),
          stat({
            title: "Memory used of maxmemory",
            description: "Used memory as a share of maxmemory (no value when maxmemory is 0, i.e. unlimited).",
            unit: "percentunit",
            threshold: 0.9,
            queries: [{ expr: `max(redis_memory_used_bytes{${REDIS}} / (redis_memory_max_bytes{${REDIS}} > 0))`, legend: "used" }],
          }),
          stat({
            title: "Keyspace hit ratio",
            description: "Share of key lookups that found their key, over 5 minutes.",
            unit: "percentunit",
            queries: [
              {
                expr: `sum(rate(redis_keyspace_hits_total{${REDIS}}[5m])) / (sum(rate(redis_keyspace_hits_total{${REDIS}}[5m])) + sum(rate(redis_keyspace_misses_total{${REDIS}}[5m])) > 0)`,
                legend: "hit ratio",
              },
            ],
          }),
          stat({
            title: "Evicted keys (24 h)",
            description: "Keys evicted because of maxmemory over the last 24 h.",
            unit: "short",
            threshold: 1,
            queries: [{ expr: `sum(increase(redis_evicted_keys_total{${REDIS}}[1d]))`, instant: true, legend: "evicted" }],
          }),
        ],
      },
      {
        title: "Details",
        panels: [
          timeseries({
            title: "Memory usage",
            description: "Used memory and the maxmemory limit.",
            unit: "bytes",
            min: 0,
            queries: [
              { expr: `sum(redis_memory_used_bytes{${REDIS}})`, legend: "used" },
              { expr: `max(redis_memory_max_bytes{${REDIS}} > 0)`, legend: "maxmemory" },
            ],
          }),
          timeseries({
            title: "Evictions",
            description: "Keys evicted per second.",
            unit: "short",
            min: 0,
            queries: [{ expr: `sum(rate(redis_evicted_keys_total{${REDIS}}[5m]))`, legend: "evicted/s" }],
          }),
          timeseries({
            title: "Commands per second",
            description: "Commands processed per second.",
            unit: "ops",
            min: 0,
            queries: [{ expr: `sum(rate(redis_commands_processed_total{${REDIS}}[5m]))`, legend: "commands/s" }],
          }),
          timeseries({
            title: "Keyspace hit ratio",
            description: "Share of key lookups that found their key.",
            unit: "percentunit",
            max: 1,
            queries: [
              {
                expr: `sum(rate(redis_keyspace_hits_total{${REDIS}}[5m])) / (sum(rate(redis_keyspace_hits_total{${REDIS}}[5m])) + sum(rate(redis_keyspace_misses_total{${REDIS}}[5m])) > 0)`,
                legend: "hit ratio",
              },
            ],
          }),
          timeseries({
            title: "Clients",
            description: "Connected clients, and connections rejected per second (maxclients reached).",
            unit: "short",
            min: 0,
            queries: [
              { expr: `sum(redis_connected_clients{${REDIS}})`, legend: "connected" },
              { expr: `sum(rate(redis_rejected_connections_total{${REDIS}}[5m]))`, legend: "rejected/s" },
            ],
          }),
        ],
      },
    ],
  });
}

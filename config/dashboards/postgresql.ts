// PostgreSQL dashboard (ADR-024): slow queries, connections vs max, cache hit ratio, deadlocks.
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { buildDashboard, stat, timeseries } from "./panels";

const PG = 'job="postgresql"';

export function postgresqlDashboard(): Dashboard {
  return buildDashboard({
    uid: "roadwave-postgresql",
    title: "RoadWave / PostgreSQL",
    description: "PostgreSQL health from postgres_exporter: slow queries, connections, cache hit ratio, deadlocks, throughput.",
    tags: ["postgresql"],
    rows: [
      {
        title: "Overview",
        panels: [
          stat({
            title: "PostgreSQL up",
            description: "1 when postgres_exporter can query the server (DatabaseDown fires otherwise).",
            unit: "short",
            threshold: 1,
            lowIsBad: true,
            queries: [{ expr: `min(pg_up{${PG}})`, legend: "up" }],
          }),
          stat({
            title: "Connections used",
            description: "Client connections in use as a share of max_connections.",
            unit: "percentunit",
            threshold: 0.8,
            queries: [
              { expr: `sum(pg_stat_database_numbackends{${PG}}) / max(pg_settings_max_connections{${PG}})`, legend: "used" },
            ],
          }),
          stat({
            title: "Cache hit ratio",
            description: "Share of block reads served from shared buffers over 5 minutes; the target is above 95 %.",
            unit: "percentunit",
            threshold: 0.95,
            lowIsBad: true,
            queries: [
              {
                expr: `sum(rate(pg_stat_database_blks_hit{${PG}}[5m])) / (sum(rate(pg_stat_database_blks_hit{${PG}}[5m])) + sum(rate(pg_stat_database_blks_read{${PG}}[5m])) > 0)`,
                legend: "hit ratio",
              },
            ],
          }),
          stat({
            title: "Deadlocks (24 h)",
            description: "Deadlocks detected over the last 24 h, all databases.",
            unit: "short",
            threshold: 1,
            queries: [{ expr: `sum(increase(pg_stat_database_deadlocks{${PG}}[1d]))`, instant: true, legend: "deadlocks" }],
          }),
        ],
      },
      {
        title: "Queries",
        panels: [
          timeseries({
            title: "Slow queries (mean time > 100 ms)",
            description:
              "Statements whose mean execution time over 5 minutes is above 100 ms, from pg_stat_statements (the 20 statements with the most total time, read by postgres_exporter's custom query pg_stat_statements_top). Find the query text by its queryid in pg_stat_statements. PostgreSQLSlowQueries alerts on the same figure.",
            unit: "s",
            threshold: 0.1,
            min: 0,
            queries: [
              {
                expr: `topk(10, sum by (datname, queryid) (rate(pg_stat_statements_top_exec_seconds{${PG}}[5m])) / (sum by (datname, queryid) (rate(pg_stat_statements_top_calls{${PG}}[5m])) > 0) > 0.1)`,
                legend: "{{datname}} {{queryid}}",
              },
            ],
          }),
          timeseries({
            title: "Longest running transaction",
            description: "Age of the oldest open transaction per database and state; above 100 ms for an active one means a slow query right now.",
            unit: "s",
            threshold: 0.1,
            min: 0,
            queries: [
              { expr: `max by (datname, state) (pg_stat_activity_max_tx_duration{${PG}})`, legend: "{{datname}} {{state}}" },
            ],
          }),
          timeseries({
            title: "Transactions per second",
            description: "Commits and rollbacks per second, all databases.",
            unit: "ops",
            min: 0,
            queries: [
              { expr: `sum(rate(pg_stat_database_xact_commit{${PG}}[5m]))`, legend: "commits" },
              { expr: `sum(rate(pg_stat_database_xact_rollback{${PG}}[5m]))`, legend: "rollbacks" },
            ],
          }),
          timeseries({
            title: "Deadlocks",
            description: "Deadlocks per database over 5-minute windows.",
            unit: "short",
            min: 0,
            queries: [{ expr: `sum by (datname) (increase(pg_stat_database_deadlocks{${PG}}[5m]))`, legend: "{{datname}}" }],
          }),
        ],
      },
      {
        title: "Connections and cache",
        panels: [
          timeseries({
            title: "Connections vs max_connections",
            description: "Connections per database, and the server's max_connections.",
            unit: "short",
            min: 0,
            queries: [
              { expr: `sum by (datname) (pg_stat_database_numbackends{${PG}})`, legend: "{{datname}}" },
              { expr: `max(pg_settings_max_connections{${PG}})`, legend: "max_connections" },
            ],
          }),
          timeseries({
            title: "Cache hit ratio per database",
            description: "Share of block reads served from shared buffers; the target is above 95 % (dashed line).",
            unit: "percentunit",
            threshold: 0.95,
            lowIsBad: true,
            max: 1,
            queries: [
              {
                expr: `sum by (datname) (rate(pg_stat_database_blks_hit{${PG}}[5m])) / (sum by (datname) (rate(pg_stat_database_blks_hit{${PG}}[5m])) + sum by (datname) (rate(pg_stat_database_blks_read{${PG}}[5m])) > 0)`,
                legend: "{{datname}}",
              },
            ],
          }),
        ],
      },
    ],
  });
}

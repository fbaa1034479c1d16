// The raw metric names the dashboards read, by who exposes them. Everything else a dashboard uses is a
// recording rule (config/rules*, CONTRACT.md). A test checks every dashboard query against both lists, so a
// renamed exporter metric or a typo fails before deployment.
export const RAW_METRICS = {
  /** The RoadWave API (DESIGN.md "Alert and metric names"). */
  "roadwave-api": [
    "http_requests_total",
    "http_request_duration_seconds_bucket",
    "http_request_duration_seconds_count",
    "roadwave_active_users_total",
    "roadwave_hls_streams_active",
    "roadwave_moderation_reports_total",
  ],
  /** node_exporter on every host. */
  node: ["node_cpu_seconds_total", "node_memory_MemAvailable_bytes", "node_memory_MemTotal_bytes", "node_disk_io_time_seconds_total"],
  /**
   * postgres_exporter: built-in metrics, plus pg_stat_statements_top_* from its custom query
   * (config/postgresExporterQueries.ts; needs the pg_stat_statements extension).
   */
  postgresql: [
    "pg_up",
    "pg_stat_database_numbackends",
    "pg_stat_activity_max_tx_duration",
    "pg_settings_max_connections",
    "pg_stat_database_blks_hit",
    "pg_stat_database_blks_read",
    "pg_stat_database_deadlocks",
    "pg_stat_database_xact_commit",
    "pg_stat_database_xact_rollback",
    "pg_stat_archiver_archived_count",
    "pg_stat_archiver_failed_count",
    "pg_stat_archiver_last_archive_age",
    "pg_stat_statements_top_calls",
    "pg_stat_statements_top_exec_seconds",
  ],
  /** redis_exporter. */
  redis: [
    "redis_up",
    "redis_memory_used_bytes",
    "redis_memory_max_bytes",
    "redis_evicted_keys_total",
    "redis_commands_processed_total",
    "redis_keyspace_hits_total",
    "redis_keyspace_misses_total",
    "redis_connected_clients",
    "redis_rejected_connections_total",
  ],
  /** pgBackRest runs, through node_exporter's textfile collector on the PostgreSQL host. */
  backup: ["roadwave_backup_last_success_timestamp_seconds", "roadwave_backup_last_size_bytes"],
  /** The DR drill, pushed by the restore host to the staging Pushgateway. */
  "dr-drill": ["roadwave_dr_drill_last_success_timestamp_seconds", "roadwave_dr_drill_rto_seconds"],
} as const;

export const RAW_METRIC_NAMES: ReadonlySet<string> = new Set(Object.values(RAW_METRICS).flat());

// Custom queries for postgres_exporter (--extend.query-path): the metrics the alerts need that the exporter's
// built-in collectors do not give under the same name on the Debian package (0.11) and on newer images.
// - pg_stat_statements_top_{calls,exec_seconds}: the 20 statements with the most total execution time, from the
//   pg_stat_statements extension (needs shared_preload_libraries = 'pg_stat_statements' and
//   CREATE EXTENSION pg_stat_statements in the database the exporter connects to). 20 keeps the series count low.
// - pg_postmaster_start_time_seconds: newer exporters have it only in the optional `postmaster` collector; do not
//   enable that collector as well (the exporter would report the metric twice).
import YAML from "yaml";

export const POSTGRES_EXPORTER_QUERIES_PATH = "postgres-exporter/queries.yaml";

const queries = {
  pg_stat_statements_top: {
    query:
      "SELECT d.datname, s.queryid::text AS queryid, s.calls, s.total_exec_time / 1000 AS exec_seconds " +
      "FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid ORDER BY s.total_exec_time DESC LIMIT 20",
    metrics: [
      { datname: { usage: "LABEL", description: "Database of the statement" } },
      { queryid: { usage: "LABEL", description: "pg_stat_statements query id" } },
      { calls: { usage: "COUNTER", description: "Times the statement was executed" } },
      { exec_seconds: { usage: "COUNTER", description: "Total execution time of the statement, in seconds" } },
    ],
  },
  pg_postmaster: {
    query: "SELECT extract(epoch FROM pg_postmaster_start_time()) AS start_time_seconds",
    master: true,
    metrics: [{ start_time_seconds: { usage: "GAUGE", description: "Time at which the postmaster started" } }],
  },
};

export function renderPostgresExporterQueries(): string {
  return YAML.stringify(queries, { lineWidth: 0 });
}

// Backups and disaster recovery: pgBackRest runs (node_exporter textfile metrics on the PostgreSQL host),
// WAL archiving (pg_stat_archiver through postgres_exporter) and the monthly DR drill (pushed by the restore
// host to the staging Pushgateway, so the drill panels have data on the staging stack only).
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { buildDashboard, stat, timeseries } from "./panels";

const HOUR = 3600;
const DAY = 24 * HOUR;

export function backupsDashboard(): Dashboard {
  return buildDashboard({
    uid: "roadwave-backups",
    title: "RoadWave / Backups and DR",
    description: "pgBackRest backups, WAL archiving (RPO 15 min) and the monthly DR drill (RTO 1 h).",
    tags: ["backup", "dr"],
    from: "now-7d",
    rows: [
      {
        title: "Backups",
        panels: [
          stat({
            title: "Time since last full backup",
            description: "Age of the last successful full backup (weekly, Sunday); an alert fires after 8 days.",
            unit: "s",
            threshold: 8 * DAY,
            queries: [{ expr: 'time() - max(roadwave_backup_last_success_timestamp_seconds{type="full"})', legend: "full" }],
          }),
          stat({
            title: "Time since last differential backup",
            description: "Age of the last successful differential backup.",
            unit: "s",
            threshold: 26 * HOUR,
            queries: [{ expr: 'time() - max(roadwave_backup_last_success_timestamp_seconds{type="diff"})', legend: "diff" }],
          }),
          stat({
            title: "Last backup size",
            description: "Size of the last backup in the repository.",
            unit: "bytes",
            queries: [{ expr: "max(roadwave_backup_last_size_bytes)", legend: "size" }],
          }),
          stat({
            title: "Time since last archived WAL",
            description: "Age of the last WAL segment archived to the bucket: this bounds the data a restore loses (RPO 15 min).",
            unit: "s",
            threshold: 15 * 60,
            queries: [{ expr: 'max(pg_stat_archiver_last_archive_age{job="postgresql"})', legend: "age" }],
          }),
          timeseries({
            title: "Backup age",
            description: "Age of the last successful backup of each type.",
            unit: "s",
            threshold: 26 * HOUR,
            min: 0,
            queries: [
              { expr: "time() - max by (type) (roadwave_backup_last_success_timestamp_seconds)", legend: "{{type}}" },
            ],
          }),
          timeseries({
            title: "WAL archiving",
            description: "WAL segments archived and archive failures per 5 minutes (pg_stat_archiver).",
            unit: "short",
            min: 0,
            queries: [
              { expr: 'sum(increase(pg_stat_archiver_archived_count{job="postgresql"}[5m]))', legend: "archived" },
              { expr: 'sum(increase(pg_stat_archiver_failed_count{job="postgresql"}[5m]))', legend: "failed" },
            ],
          }),
        ],
      },
      {
        title: "Disaster recovery drill",
        panels: [
          stat({
            title: "Time since last successful DR drill",
            description: "Age of the last drill that restored prod's backup and passed its checks; an alert fires after 35 days.",
            unit: "s",
            threshold: 35 * DAY,
            width: 12,
            queries: [{ expr: "time() - max(roadwave_dr_drill_last_success_timestamp_seconds)", legend: "age" }],
          }),
          stat({
            title: "Measured RTO of the last drill",
            description: "Time the last drill took from start to a verified database; the target is under 1 h.",
            unit: "s",
            threshold: HOUR,
            width: 12,
            queries: [{ expr: "max(roadwave_dr_drill_rto_seconds)", legend: "RTO" }],
          }),
        ],
      },
    ],
  });
}

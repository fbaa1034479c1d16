// pgBackRest configuration, PostgreSQL archive settings and the backup timers: pure functions, no Pulumi.
// The same renderers feed the prod backup agent, the staging-dr restore host and the tests (test/dr), so what
// is proven locally is what is deployed.
import { s3Endpoint } from "./backupBucket";
import { PLACEHOLDER_MARK, PLACEHOLDER_SECRETS } from "./placeholders";
import type { MonitoringStackSettings } from "./settings";

export const PGBACKREST_STANZA = "roadwave";
export const PGBACKREST_CONF_PATH = "/etc/pgbackrest/pgbackrest.conf";
export const TEXTFILE_COLLECTOR_DIR = "/var/lib/node_exporter/textfile_collector";
export const BACKUP_SCRIPT_PATH = "/usr/local/sbin/roadwave-pgbackrest-backup";
/** The textfile collector file holding the backup metrics (both types, rewritten atomically after each run). */
export const BACKUP_METRICS_FILE = "roadwave_backup.prom";
/** WAL is switched (and so archived) at least this often: the RPO bound. */
export const ARCHIVE_TIMEOUT_SECONDS = 60;

export type BackupType = "full" | "diff";
export const BACKUP_TYPES: readonly BackupType[] = ["full", "diff"];

export interface S3Repository {
  /** https://host[:port] (OVH: https://s3.<region>.io.cloud.ovh.net). */
  endpointUrl: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Repository encryption passphrase (aes-256-cbc). */
  cipherPass: string;
  /** Path inside the bucket. */
  path?: string;
  /** CA bundle to verify the endpoint with (tests: a throwaway CA); the system store when omitted. */
  caFile?: string;
}

export interface PgbackrestConfOptions {
  repo: S3Repository;
  /** Full backups (and the WAL they need) are kept this many days. */
  retentionDays: number;
  pgDataPath: string;
  pgPort?: number;
  /** Directory of PostgreSQL's Unix socket (Debian: /var/run/postgresql). */
  pgSocketPath?: string;
  spoolPath?: string;
  logPath?: string;
  lockPath?: string;
  /** Parallel compression/transfer processes for backup, restore and async archiving. */
  processMax?: number;
  stanza?: string;
}

/** pgBackRest wants the endpoint host and port apart; a path-style (OVH) S3 URL has no path of its own. */
export function parseS3Endpoint(endpointUrl: string): { host: string; port: number } {
  let url: URL;
  try {
    url = new URL(endpointUrl);
  } catch {
    throw new Error(`S3 endpoint ${JSON.stringify(endpointUrl)} is not a URL like https://s3.gra.io.cloud.ovh.net`);
  }
  if (url.protocol !== "https:") throw new Error(`S3 endpoint ${endpointUrl} must use https (pgBackRest only speaks TLS to S3)`);
  if (url.pathname !== "/" || url.search !== "") throw new Error(`S3 endpoint ${endpointUrl} must have no path or query`);
  return { host: url.hostname, port: url.port === "" ? 443 : Number(url.port) };
}

function iniSection(name: string, entries: [string, string | number | undefined][]): string {
  const lines = entries.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${String(v)}`);
  return `[${name}]\n${lines.join("\n")}\n`;
}

function assertIniValue(name: string, value: string): void {
  if (/[\r\n]/.test(value) || value !== value.trim() || value === "") {
    throw new Error(`pgBackRest option ${name} must be one non-empty line without surrounding spaces`);
  }
}

export function renderPgbackrestConf(o: PgbackrestConfOptions): string {
  const { host, port } = parseS3Endpoint(o.repo.endpointUrl);
  const stanza = o.stanza ?? PGBACKREST_STANZA;
  const secretsAndNames: [string, string][] = [
    ["repo1-s3-key", o.repo.accessKeyId],
    ["repo1-s3-key-secret", o.repo.secretAccessKey],
    ["repo1-cipher-pass", o.repo.cipherPass],
    ["repo1-s3-bucket", o.repo.bucket],
    ["repo1-s3-region", o.repo.region],
    ["pg1-path", o.pgDataPath],
  ];
  for (const [name, value] of secretsAndNames) assertIniValue(name, value);
  if (!Number.isInteger(o.retentionDays) || o.retentionDays < 1) throw new Error("retentionDays must be a positive integer");

  const global = iniSection("global", [
    ["repo1-type", "s3"],
    ["repo1-s3-endpoint", host],
    ["repo1-storage-port", port === 443 ? undefined : port],
    // OVH serves buckets path-style (https://s3.gra.io.cloud.ovh.net/<bucket>/...).
    ["repo1-s3-uri-style", "path"],
    ["repo1-s3-region", o.repo.region.toLowerCase()],
    ["repo1-s3-bucket", o.repo.bucket],
    ["repo1-s3-key", o.repo.accessKeyId],
    ["repo1-s3-key-secret", o.repo.secretAccessKey],
    ["repo1-path", o.repo.path ?? "/pgbackrest"],
    ["repo1-storage-verify-tls", "y"],
    ["repo1-storage-ca-file", o.repo.caFile],
    ["repo1-cipher-type", "aes-256-cbc"],
    ["repo1-cipher-pass", o.repo.cipherPass],
    // Time-based retention: every full backup younger than retentionDays is kept, plus the one before (so a
    // point in time anywhere in the window can be restored), and the WAL they need.
    ["repo1-retention-full-type", "time"],
    ["repo1-retention-full", o.retentionDays],
    // pgBackRest names Zstandard "zst".
    ["compress-type", "zst"],
    ["compress-level", 3],
    ["process-max", o.processMax ?? 2],
    // Async archiving pushes WAL in parallel and in batches, so archiving keeps up under write bursts.
    ["archive-async", "y"],
    ["spool-path", o.spoolPath ?? "/var/spool/pgbackrest"],
    ["log-path", o.logPath ?? "/var/log/pgbackrest"],
    ["lock-path", o.lockPath],
    ["log-level-console", "warn"],
    ["log-level-file", "info"],
    // Backups start with an immediate checkpoint instead of waiting for the next scheduled one.
    ["start-fast", "y"],
  ]);
  const stanzaSection = iniSection(stanza, [
    ["pg1-path", o.pgDataPath],
    ["pg1-port", o.pgPort],
    ["pg1-socket-path", o.pgSocketPath],
  ]);
  return `${global}\n${stanzaSection}`;
}

export interface ArchiveSettingsOptions {
  stanza?: string;
  archiveTimeoutSeconds?: number;
  /** Only when the config is not at the default path (tests). */
  configPath?: string;
}

/** The PostgreSQL settings continuous archiving needs, as name -> value (ALTER SYSTEM or postgresql.conf). */
export function renderPostgresArchiveSettings(o: ArchiveSettingsOptions = {}): Record<string, string> {
  const stanza = o.stanza ?? PGBACKREST_STANZA;
  const config = o.configPath === undefined ? "" : ` --config=${o.configPath}`;
  return {
    archive_mode: "on",
    archive_command: `pgbackrest${config} --stanza=${stanza} archive-push %p`,
    archive_timeout: `${o.archiveTimeoutSeconds ?? ARCHIVE_TIMEOUT_SECONDS}s`,
    wal_level: "replica",
  };
}

function sqlLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** postgresql.conf lines for the archive settings. */
export function archiveSettingsConfLines(settings: Record<string, string>): string {
  return Object.entries(settings).map(([k, v]) => `${k} = ${sqlLiteral(v)}`).join("\n") + "\n";
}

/** ALTER SYSTEM statements followed by a reload (archive_mode itself only changes at the next restart). */
export function archiveSettingsSql(settings: Record<string, string>): string {
  const statements = Object.entries(settings).map(([k, v]) => `ALTER SYSTEM SET ${k} = ${sqlLiteral(v)};`);
  return [...statements, "SELECT pg_reload_conf();"].join("\n") + "\n";
}

/** One line: the settings that only take effect after a restart, comma-separated (empty when none). */
export const PENDING_RESTART_SQL =
  "SELECT coalesce(string_agg(name, ',' ORDER BY name), '') FROM pg_settings WHERE pending_restart";

export interface BackupJobOptions {
  stanza?: string;
  /** Only when the config is not at the default path (tests). */
  configPath?: string;
  textfileDir?: string;
}

/**
 * The script the backup units run: one backup of the given type, then the metrics of DESIGN.md written to
 * the textfile collector. The file is rewritten through a temporary file and a rename so node_exporter never
 * reads half a file; the other type's lines are carried over.
 */
export function renderBackupScript(o: BackupJobOptions = {}): string {
  const stanza = o.stanza ?? PGBACKREST_STANZA;
  const configFlag = o.configPath === undefined ? "" : ` --config=${o.configPath}`;
  const dir = o.textfileDir ?? TEXTFILE_COLLECTOR_DIR;
  return `#!/usr/bin/env bash
# Runs one pgBackRest backup (full or diff) of stanza ${stanza}, then records it for Prometheus.
# Runs as root so it can write the textfile collector directory; pgBackRest itself runs as postgres.
set -euo pipefail
type="\${1:?usage: $0 full|diff}"
case "$type" in full|diff) ;; *) echo "$0: type must be full or diff, got $type" >&2; exit 2 ;; esac
as_postgres_pgbackrest() { runuser -u postgres -- pgbackrest${configFlag} --stanza=${stanza} "$@"; }
as_postgres_pgbackrest --type="$type" backup
info="$(as_postgres_pgbackrest --output=json info)"
size="$(jq -r --arg t "$type" '[.[0].backup[] | select(.type == $t)] | last | .info.repository.delta' <<<"$info")"
stop="$(jq -r --arg t "$type" '[.[0].backup[] | select(.type == $t)] | last | .timestamp.stop' <<<"$info")"
dir=${dir}
file="$dir/${BACKUP_METRICS_FILE}"
tmp="$(mktemp "$dir/.${BACKUP_METRICS_FILE}.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
{
  echo "# HELP roadwave_backup_last_success_timestamp_seconds End time of the last successful pgBackRest backup."
  echo "# TYPE roadwave_backup_last_success_timestamp_seconds gauge"
  grep -h '^roadwave_backup_last_success_timestamp_seconds{' "$file" 2>/dev/null | grep -v "type=\\"$type\\"" || true
  echo "roadwave_backup_last_success_timestamp_seconds{type=\\"$type\\"} $stop"
  echo "# HELP roadwave_backup_last_size_bytes Size in the repository (compressed) of the last successful backup."
  echo "# TYPE roadwave_backup_last_size_bytes gauge"
  grep -h '^roadwave_backup_last_size_bytes{' "$file" 2>/dev/null | grep -v "type=\\"$type\\"" || true
  echo "roadwave_backup_last_size_bytes{type=\\"$type\\"} $size"
} >"$tmp"
chmod 0644 "$tmp"
mv -f "$tmp" "$file"
trap - EXIT
`;
}

/** When each backup type runs: weekly full, daily differential on the other days (UTC). */
export const BACKUP_SCHEDULE: Record<BackupType, string> = {
  full: "Sun *-*-* 01:00:00 UTC",
  diff: "Mon..Sat *-*-* 01:00:00 UTC",
};

export function backupUnitName(type: BackupType): string {
  return `roadwave-pgbackrest-${type}`;
}

/** systemd service and timer units, as file name -> content (under /etc/systemd/system). */
export function renderBackupUnits(scriptPath = BACKUP_SCRIPT_PATH): Record<string, string> {
  const units: Record<string, string> = {};
  for (const type of BACKUP_TYPES) {
    const name = backupUnitName(type);
    units[`${name}.service`] = `[Unit]
Description=pgBackRest ${type} backup of PostgreSQL to the OVH bucket
After=postgresql.service network-online.target
Wants=network-online.target

[Service]
Type=oneshot
ExecStart=${scriptPath} ${type}
Nice=10
IOSchedulingClass=best-effort
IOSchedulingPriority=7
`;
    units[`${name}.timer`] = `[Unit]
Description=Schedule of the pgBackRest ${type} backup

[Timer]
OnCalendar=${BACKUP_SCHEDULE[type]}
RandomizedDelaySec=15min
# A run missed while the host was down happens at the next boot.
Persistent=true

[Install]
WantedBy=timers.target
`;
  }
  return units;
}

export interface RepositoryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  cipherPass: string;
}

/** For the offline render command (files under build/): never the real credentials. */
export const PLACEHOLDER_REPOSITORY_CREDENTIALS: RepositoryCredentials = {
  accessKeyId: `${PLACEHOLDER_MARK}-s3-access-key`,
  secretAccessKey: `${PLACEHOLDER_MARK}-s3-secret-key`,
  cipherPass: PLACEHOLDER_SECRETS.pgbackrestPassphrase,
};

/** The OVH S3 endpoint of an object storage region (GRA -> https://s3.gra.io.cloud.ovh.net). */

/** Every file the backup agent puts on the PostgreSQL host, as path -> content (the archive settings go in
 * with ALTER SYSTEM: archiveSettingsSql(renderPostgresArchiveSettings())). */
export function renderBackupHostFiles(
  settings: MonitoringStackSettings,
  credentials: RepositoryCredentials = PLACEHOLDER_REPOSITORY_CREDENTIALS,
): Record<string, string> {
  if (!settings.backup) return {};
  const files: Record<string, string> = {
    [PGBACKREST_CONF_PATH]: renderPgbackrestConf({
      repo: { endpointUrl: s3Endpoint(settings.backup.region), region: settings.backup.region, bucket: settings.backup.bucketName, ...credentials },
      retentionDays: settings.retention.backupDays,
      pgDataPath: "/var/lib/postgresql/15/main",
      pgPort: settings.monitored.postgresql.port,
    }),
    [BACKUP_SCRIPT_PATH]: renderBackupScript(),
  };
  for (const [file, content] of Object.entries(renderBackupUnits())) files[`/etc/systemd/system/${file}`] = content;
  return files;
}

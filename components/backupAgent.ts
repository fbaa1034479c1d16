// Continuous PostgreSQL backups on the prod database host: pgBackRest with its S3 repository on the OVH bucket,
// WAL archiving switched on with ALTER SYSTEM, the stanza, and systemd timers for weekly full and daily
// differential backups that report to node_exporter's textfile collector. Nothing here restarts or stops
// PostgreSQL: when archive_mode has to change, the component says so and the operator schedules the restart.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { sha256 } from "../config/drDrill";
import { renderFileInstaller } from "../config/fileInstaller";
import {
  archiveSettingsSql,
  BACKUP_SCRIPT_PATH,
  BACKUP_TYPES,
  backupUnitName,
  PGBACKREST_CONF_PATH,
  PGBACKREST_STANZA,
  PENDING_RESTART_SQL,
  renderBackupScript,
  renderBackupUnits,
  renderPgbackrestConf,
  renderPostgresArchiveSettings,
  TEXTFILE_COLLECTOR_DIR,
} from "../config/pgbackrest";

export interface SshProxy {
  host: pulumi.Input<string>;
  user: pulumi.Input<string>;
  privateKey: pulumi.Input<string>;
}

/** SSH access to a database host and the pgBackRest repository on the backup bucket. */
export interface RepositoryHostArgs {
  /** Address Pulumi reaches the host on over SSH. */
  host: pulumi.Input<string>;
  sshUser: pulumi.Input<string>;
  sshPrivateKey: pulumi.Input<string>;
  /** A jump host when the host has no address Pulumi can reach directly (e.g. the monitoring host). */
  sshProxy?: SshProxy;
  /** The backup bucket (components/backupBucket.ts). */
  bucketName: pulumi.Input<string>;
  /** https://s3.<region>.io.cloud.ovh.net */
  s3Endpoint: pulumi.Input<string>;
  s3Region: pulumi.Input<string>;
  /** The bucket credential: read-write for the backup agent, read-only for the DR restore. */
  accessKeyId: pulumi.Input<string>;
  secretAccessKey: pulumi.Input<string>;
  /** Repository encryption passphrase (secret pgbackrestPassphrase). */
  repoPassphrase: pulumi.Input<string>;
}

export interface BackupAgentArgs extends RepositoryHostArgs {
  /** settings.retention.backupDays */
  retentionDays: number;
  pgPort?: number;
  /** Debian's data directory of the 15/main cluster by default. */
  pgDataPath?: string;
}

const PENDING_RESTART_PREFIX = "pending_restart=";

export class BackupAgent extends pulumi.ComponentResource {
  /** PostgreSQL settings that only take effect after a restart (archive_mode when archiving was off). */
  readonly pendingRestart: pulumi.Output<string[]>;
  readonly restartRequired: pulumi.Output<boolean>;
  readonly stanza: string;
  readonly configFile: command.remote.Command;
  readonly archiveSettings: command.remote.Command;
  readonly timers: command.remote.Command;

  constructor(name: string, args: BackupAgentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("roadwave:backup:BackupAgent", name, {}, opts);
    const pgPort = args.pgPort ?? 5432;
    this.stanza = PGBACKREST_STANZA;
    const connection = { host: args.host, user: args.sshUser, privateKey: args.sshPrivateKey, proxy: args.sshProxy };
    const asPostgres = `sudo -u postgres`;

    const packages = new command.remote.Command(`${name}-packages`, {
      connection,
      create: [
        "set -e",
        "export DEBIAN_FRONTEND=noninteractive",
        "sudo -E apt-get install -y -q pgbackrest jq >/dev/null 2>&1 || { sudo apt-get update -q && sudo -E apt-get install -y -q pgbackrest jq; }",
        "sudo install -d -o postgres -g postgres -m 0750 /var/spool/pgbackrest /var/log/pgbackrest",
        `sudo install -d -m 0755 ${TEXTFILE_COLLECTOR_DIR}`,
      ].join("\n"),
    }, { parent: this });

    const conf = pulumi
      .all([args.s3Endpoint, args.s3Region, args.bucketName, args.accessKeyId, args.secretAccessKey, args.repoPassphrase])
      .apply(([endpointUrl, region, bucket, accessKeyId, secretAccessKey, cipherPass]) =>
        renderPgbackrestConf({
          repo: { endpointUrl, region, bucket, accessKeyId, secretAccessKey, cipherPass },
          retentionDays: args.retentionDays,
          pgDataPath: args.pgDataPath ?? "/var/lib/postgresql/15/main",
          pgPort,
        }),
      );
    const confInstaller = pulumi.secret(
      conf.apply((content) => renderFileInstaller([{ path: PGBACKREST_CONF_PATH, content, mode: "0640", owner: "postgres", group: "postgres" }])),
    );
    // The hash is secret too: it is a function of the credentials.
    const confHash = pulumi.secret(conf.apply(sha256));
    this.configFile = new command.remote.Command(`${name}-config`, {
      connection,
      create: "sudo bash -s",
      stdin: confInstaller,
      triggers: [confHash],
    }, { parent: this, dependsOn: [packages] });

    const sql = archiveSettingsSql(renderPostgresArchiveSettings());
    this.archiveSettings = new command.remote.Command(`${name}-archive-settings`, {
      connection,
      create: [
        "set -euo pipefail",
        `${asPostgres} psql -X -q -v ON_ERROR_STOP=1 -p ${pgPort} <<'ROADWAVE_SQL'\n${sql}ROADWAVE_SQL`,
        "sleep 1",
        `pending="$(${asPostgres} psql -X -At -p ${pgPort} -c "${PENDING_RESTART_SQL}")"`,
        `echo "${PENDING_RESTART_PREFIX}$pending"`,
      ].join("\n"),
      triggers: [sha256(sql)],
    }, { parent: this, dependsOn: [this.configFile] });

    // stanza-create is a no-op on an existing, matching stanza; check then proves archiving reaches the bucket
    // (only once archive_mode is on, i.e. after the restart).
    const stanza = new command.remote.Command(`${name}-stanza`, {
      connection,
      create: [
        "set -euo pipefail",
        `${asPostgres} pgbackrest --stanza=${this.stanza} stanza-create`,
        `if [ "$(${asPostgres} psql -X -At -p ${pgPort} -c 'SHOW archive_mode')" = on ]; then ${asPostgres} pgbackrest --stanza=${this.stanza} check; fi`,
      ].join("\n"),
      triggers: [confHash, sha256(sql)],
    }, { parent: this, dependsOn: [this.configFile, this.archiveSettings] });

    const units = renderBackupUnits();
    const unitFiles = Object.entries(units).map(([file, content]) => ({ path: `/etc/systemd/system/${file}`, content, mode: "0644" }));
    const timersScript = [
      renderFileInstaller([{ path: BACKUP_SCRIPT_PATH, content: renderBackupScript(), mode: "0755" }, ...unitFiles]),
      "systemctl daemon-reload",
      `systemctl enable --now ${BACKUP_TYPES.map((t) => `${backupUnitName(t)}.timer`).join(" ")}`,
    ].join("\n") + "\n";
    this.timers = new command.remote.Command(`${name}-timers`, {
      connection,
      create: "sudo bash -s",
      stdin: timersScript,
      triggers: [sha256(timersScript)],
    }, { parent: this, dependsOn: [stanza] });

    this.pendingRestart = this.archiveSettings.stdout.apply((stdout) => {
      const line = stdout.split("\n").find((l) => l.startsWith(PENDING_RESTART_PREFIX)) ?? PENDING_RESTART_PREFIX;
      const pending = line.slice(PENDING_RESTART_PREFIX.length).split(",").filter((s) => s !== "");
      if (pending.length > 0) {
        pulumi.log.warn(
          `PostgreSQL must be restarted for ${pending.join(", ")} to take effect: WAL archiving (and so point-in-time ` +
            `recovery) is OFF until then. Schedule it: sudo systemctl restart postgresql@15-main, then run pulumi up again ` +
            `to check archiving.`,
          this,
        );
      }
      return pending;
    });
    this.restartRequired = this.pendingRestart.apply((p) => p.length > 0);
    this.registerOutputs({ pendingRestart: this.pendingRestart, restartRequired: this.restartRequired, stanza: this.stanza });
  }
}

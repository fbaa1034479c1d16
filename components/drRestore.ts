// The staging-dr restore drill: on the restore host, install PostgreSQL 15 and pgBackRest, point pgBackRest at
// the prod bucket with the READ-ONLY credential, run scripts/dr-drill.sh (the same script the tests run) and
// expose what it measured. A failed drill fails `pulumi up` with the drill's one-line error.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { resolve } from "node:path";
import {
  DRILL_CHECKS_PATH,
  DRILL_PORT,
  DRILL_SCRIPT_REMOTE_PATH,
  DRILL_WORK_DIR,
  drillCommandLine,
  parseDrillResult,
  renderDrillChecks,
  sha256,
  type DrillCheckResult,
  type DrillResult,
  type VerificationQuery,
} from "../config/drDrill";
import { renderFileInstaller } from "../config/fileInstaller";
import { PGBACKREST_CONF_PATH, renderPgbackrestConf } from "../config/pgbackrest";
import type { RepositoryHostArgs } from "./backupAgent";

export const DRILL_SCRIPT_LOCAL_PATH = resolve(__dirname, "../scripts/dr-drill.sh");
const DRILL_SCRIPT_UPLOAD_PATH = "/tmp/roadwave-dr-drill.sh";

/** The repository is prod's bucket, read with its READ-ONLY credential through the prod stack's outputs. */
export interface DrRestoreArgs extends RepositoryHostArgs {
  /** settings.dr.verificationQueries */
  verificationQueries: readonly VerificationQuery[];
  /** settings.dr.targetTime: restore to this point in time instead of the latest. */
  targetTime?: string;
  /** The staging Pushgateway (staging stack output pushgatewayUrl). */
  pushgatewayUrl?: pulumi.Input<string>;
  /** Where the restored cluster lives: put it on the host's data volume. */
  workDir?: string;
}

export class DrRestore extends pulumi.ComponentResource {
  /** The last transaction the restore replayed (ISO 8601, UTC). */
  readonly restoredTo: pulumi.Output<string>;
  /** Seconds from the start of the restore to a running, verified server. */
  readonly rtoSeconds: pulumi.Output<number>;
  readonly verification: pulumi.Output<DrillCheckResult[]>;
  /** The pgBackRest backup label the restore started from. */
  readonly backupLabel: pulumi.Output<string>;
  readonly files: command.remote.Command;
  readonly drill: command.remote.Command;

  constructor(name: string, args: DrRestoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("roadwave:dr:DrRestore", name, {}, opts);
    const connection = { host: args.host, user: args.sshUser, privateKey: args.sshPrivateKey, proxy: args.sshProxy };
    const workDir = args.workDir ?? DRILL_WORK_DIR;

    const packages = new command.remote.Command(`${name}-packages`, {
      connection,
      create: [
        "set -e",
        "export DEBIAN_FRONTEND=noninteractive",
        "sudo apt-get update -q",
        "sudo -E apt-get install -y -q postgresql-15 pgbackrest jq curl",
        // The drill runs its own server; the packaged cluster would only take memory.
        "sudo systemctl disable --now postgresql",
        `sudo install -d -o postgres -g postgres -m 0750 /var/spool/pgbackrest /var/log/pgbackrest ${workDir}`,
      ].join("\n"),
    }, { parent: this });

    const script = new command.remote.CopyToRemote(`${name}-drill-script`, {
      connection,
      source: new pulumi.asset.FileAsset(DRILL_SCRIPT_LOCAL_PATH),
      remotePath: DRILL_SCRIPT_UPLOAD_PATH,
    }, { parent: this, dependsOn: [packages] });

    const conf = pulumi
      .all([args.s3Endpoint, args.s3Region, args.bucketName, args.accessKeyId, args.secretAccessKey, args.repoPassphrase])
      .apply(([endpointUrl, region, bucket, accessKeyId, secretAccessKey, cipherPass]) =>
        renderPgbackrestConf({
          repo: { endpointUrl, region, bucket, accessKeyId, secretAccessKey, cipherPass },
          // Never used here (expire only runs with backups), but the config is shared with prod.
          retentionDays: 7,
          pgDataPath: `${workDir}/data`,
        }),
      );
    const checks = renderDrillChecks(args.verificationQueries);
    const installer = pulumi.secret(
      conf.apply((content) =>
        renderFileInstaller([
          { path: PGBACKREST_CONF_PATH, content, mode: "0640", owner: "postgres", group: "postgres" },
          { path: DRILL_CHECKS_PATH, content: checks, mode: "0644" },
        ]) + `install -m 0755 ${DRILL_SCRIPT_UPLOAD_PATH} ${DRILL_SCRIPT_REMOTE_PATH}\n`,
      ),
    );
    const filesHash = pulumi.secret(installer.apply(sha256));
    this.files = new command.remote.Command(`${name}-files`, {
      connection,
      create: "sudo bash -s",
      stdin: installer,
      triggers: [filesHash, script.id],
    }, { parent: this, dependsOn: [script] });

    const drillCommand = pulumi.output(args.pushgatewayUrl).apply((pushgatewayUrl) =>
      `sudo ${drillCommandLine(DRILL_SCRIPT_REMOTE_PATH, {
        config: PGBACKREST_CONF_PATH,
        workDir,
        port: DRILL_PORT,
        checks: DRILL_CHECKS_PATH,
        targetTime: args.targetTime,
        pushgatewayUrl,
      })}`,
    );
    this.drill = new command.remote.Command(`${name}-drill`, {
      connection,
      create: drillCommand,
      triggers: [filesHash, args.targetTime ?? "latest"],
    }, { parent: this, dependsOn: [this.files] });

    // A drill that ran always prints its result (or fails the command); only the offline preview's mocks
    // give an empty stdout.
    const result = this.drill.stdout.apply((stdout): DrillResult => (stdout.trim() === "" ? { status: "ok" } : parseDrillResult(stdout)));
    this.restoredTo = result.apply((r) => r.restoredTo ?? "");
    this.rtoSeconds = result.apply((r) => r.rtoSeconds ?? 0);
    this.verification = result.apply((r) => r.checks ?? []);
    this.backupLabel = result.apply((r) => r.backup ?? "");
    this.registerOutputs({
      restoredTo: this.restoredTo,
      rtoSeconds: this.rtoSeconds,
      verification: this.verification,
      backupLabel: this.backupLabel,
    });
  }
}

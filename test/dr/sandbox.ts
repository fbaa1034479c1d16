// A throwaway backup world on 127.0.0.1 for the DR tests and the benchmark: a TLS S3 server (s3rver, with a
// CA made here), a PostgreSQL 15 primary archiving to it through pgBackRest, and the drill script. Everything
// is configured by the same renderers as prod (config/pgbackrest.ts), lives under one temporary directory and
// is stopped by PID in stop(), also when a test fails.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { drillArgs, parseDrillResult, renderDrillChecks, type DrillOptions, type DrillResult, type VerificationQuery } from "../../config/drDrill";
import {
  archiveSettingsSql,
  PENDING_RESTART_SQL,
  renderBackupScript,
  renderPgbackrestConf,
  renderPostgresArchiveSettings,
  type BackupType,
  type S3Repository,
} from "../../config/pgbackrest";

export const PG_BIN = "/usr/lib/postgresql/15/bin";
export const DRILL_SCRIPT = resolve(__dirname, "../../scripts/dr-drill.sh");
const S3_SERVER = resolve(__dirname, "s3Server.cjs");
export const TEST_BUCKET = "roadwave-test";
export const EMPTY_BUCKET = "roadwave-empty";
/** A test passphrase (the real one is the prod secret pgbackrestPassphrase). */
export const TEST_PASSPHRASE = "test-only-passphrase-0123456789abcdef";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((done) => {
    const child = execFile(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, env: options.env ?? process.env, timeout: options.timeoutMs ?? 0 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      done({ code, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

export async function runOk(cmd: string, args: string[], options: { input?: string } = {}): Promise<string> {
  const r = await run(cmd, args, options);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.code}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

export function asPostgres(cmd: string, args: string[], options: { input?: string } = {}): Promise<string> {
  return runOk("runuser", ["-u", "postgres", "--", cmd, ...args], options);
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? done(address.port) : fail(new Error("no port"))));
    });
  });
}

function postgresIds(): { uid: number; gid: number } {
  const line = readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith("postgres:"));
  if (!line) throw new Error("no postgres user: install postgresql-15 (scripts/install-tools.sh)");
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Throwaway CA and a server certificate for 127.0.0.1. pgBackRest 2.45 matches the host only against DNS
 * names and the common name, so the address is also a DNS-type subject alternative name. */
async function makeCertificates(dir: string): Promise<{ caFile: string; keyFile: string; certFile: string }> {
  mkdirSync(dir, { recursive: true });
  const caKey = join(dir, "ca.key"), caFile = join(dir, "ca.crt"), keyFile = join(dir, "server.key");
  const csr = join(dir, "server.csr"), certFile = join(dir, "server.crt"), ext = join(dir, "server.ext");
  await runOk("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey, "-out", caFile, "-days", "2", "-subj", "/CN=roadwave dr test CA"]);
  await runOk("openssl", ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile, "-out", csr, "-subj", "/CN=127.0.0.1"]);
  writeFileSync(ext, "subjectAltName=DNS:127.0.0.1,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n");
  await runOk("openssl", ["x509", "-req", "-in", csr, "-CA", caFile, "-CAkey", caKey, "-CAcreateserial", "-out", certFile, "-days", "2", "-extfile", ext]);
  chmodSync(caFile, 0o644);
  return { caFile, keyFile, certFile };
}

export interface SandboxOptions {
  /** PostgreSQL's archive_timeout for the primary (prod: 60). */
  archiveTimeoutSeconds: number;
  processMax?: number;
}

export class DrSandbox {
  private s3Process?: ChildProcess;
  readonly primaryData: string;
  readonly primaryConf: string;
  readonly restoreConf: string;
  readonly textfileDir: string;
  readonly backupScript: string;
  readonly drillWorkDir: string;
  /** The sandbox's copy of scripts/dr-drill.sh. */
  readonly drillScript: string;

  private constructor(
    readonly dir: string,
    readonly s3Port: number,
    readonly pgPort: number,
    readonly drillPort: number,
    readonly caFile: string,
    readonly options: SandboxOptions,
  ) {
    this.primaryData = join(dir, "primary");
    this.primaryConf = join(dir, "primary-pgbackrest.conf");
    this.restoreConf = join(dir, "restore-pgbackrest.conf");
    this.textfileDir = join(dir, "textfile_collector");
    this.backupScript = join(dir, "roadwave-pgbackrest-backup");
    this.drillWorkDir = join(dir, "drill");
    this.drillScript = join(dir, "dr-drill.sh");
  }

  /** Creates everything up to a running primary with archiving on (archive settings applied the way the
   * backup agent does: ALTER SYSTEM, then the restart the operator schedules). No stanza yet. */
  static async start(options: SandboxOptions): Promise<DrSandbox> {
    const dir = mkdtempSync(join(tmpdir(), "roadwave-dr-"));
    chmodSync(dir, 0o755);
    // PostgreSQL (run as postgres) puts its socket and logs here.
    chownSync(dir, postgresIds().uid, postgresIds().gid);
    // The drill re-executes itself as postgres, which may not read the checkout (a clone in a 0700 directory):
    // run a copy from the sandbox directory, as the host runs its installed copy.
    copyFileSync(DRILL_SCRIPT, join(dir, "dr-drill.sh"));
    chmodSync(join(dir, "dr-drill.sh"), 0o755);
    const tls = await makeCertificates(join(dir, "tls"));
    const sandbox = new DrSandbox(dir, await freePort(), await freePort(), await freePort(), tls.caFile, options);
    try {
      await sandbox.startS3(tls.keyFile, tls.certFile);
      await sandbox.initPrimary();
    } catch (error) {
      await sandbox.stop();
      throw error;
    }
    return sandbox;
  }

  repo(overrides: Partial<S3Repository> = {}): S3Repository {
    return {
      endpointUrl: `https://127.0.0.1:${this.s3Port}`,
      region: "GRA",
      bucket: TEST_BUCKET,
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER",
      cipherPass: TEST_PASSPHRASE,
      caFile: this.caFile,
      ...overrides,
    };
  }

  /** A pgBackRest config for the restore side (the staging-dr host's role), written under the sandbox. */
  writeRestoreConf(file: string, repo: S3Repository): string {
    const tag = file.replace(/[^a-z0-9]/gi, "_");
    const conf = renderPgbackrestConf({
      repo,
      retentionDays: 7,
      pgDataPath: join(this.drillWorkDir, "data"),
      spoolPath: this.ownedDir(`restore-spool-${tag}`),
      logPath: this.ownedDir("restore-log"),
      lockPath: this.ownedDir(`restore-lock-${tag}`),
      processMax: this.options.processMax ?? 2,
    });
    const path = join(this.dir, file);
    writeFileSync(path, conf, { mode: 0o640 });
    chownSync(path, postgresIds().uid, postgresIds().gid);
    return path;
  }

  private ownedDir(name: string): string {
    const path = join(this.dir, name);
    mkdirSync(path, { recursive: true });
    chownSync(path, postgresIds().uid, postgresIds().gid);
    return path;
  }

  private async startS3(keyFile: string, certFile: string): Promise<void> {
    const dataDir = join(this.dir, "s3");
    mkdirSync(dataDir);
    const child = spawn(process.execPath, [S3_SERVER, String(this.s3Port), dataDir, keyFile, certFile, TEST_BUCKET, EMPTY_BUCKET], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.s3Process = child;
    await new Promise<void>((ready, fail) => {
      let stderr = "";
      child.stderr?.on("data", (d) => (stderr += String(d)));
      child.stdout?.on("data", (d) => String(d).includes("ready") && ready());
      child.once("exit", (code) => fail(new Error(`s3rver exited (${code}): ${stderr}`)));
    });
  }

  private async initPrimary(): Promise<void> {
    const ids = postgresIds();
    chmodSync(this.ownedDir("primary"), 0o700);
    await asPostgres(`${PG_BIN}/initdb`, ["-D", this.primaryData, "-A", "trust", "-U", "postgres", "--no-sync"]);
    writeFileSync(
      join(this.primaryData, "postgresql.conf"),
      `listen_addresses = '127.0.0.1'\nport = ${this.pgPort}\nunix_socket_directories = '${this.dir}'\nfsync = on\n`,
      { flag: "a" },
    );
    const primaryConf = renderPgbackrestConf({
      repo: this.repo(),
      retentionDays: 7,
      pgDataPath: this.primaryData,
      pgPort: this.pgPort,
      pgSocketPath: this.dir,
      spoolPath: this.ownedDir("primary-spool"),
      logPath: this.ownedDir("primary-log"),
      lockPath: this.ownedDir("primary-lock"),
      processMax: this.options.processMax ?? 2,
    });
    writeFileSync(this.primaryConf, primaryConf, { mode: 0o640 });
    chownSync(this.primaryConf, ids.uid, ids.gid);
    this.writeRestoreConf("restore-pgbackrest.conf", this.repo());
    mkdirSync(this.textfileDir);
    writeFileSync(this.backupScript, renderBackupScript({ configPath: this.primaryConf, textfileDir: this.textfileDir }), { mode: 0o755 });
    await this.pgCtl("start");
  }

  async pgCtl(action: "start" | "restart"): Promise<void> {
    await asPostgres(`${PG_BIN}/pg_ctl`, ["-D", this.primaryData, "-l", join(this.dir, "primary.log"), "-w", "-t", "60", action]);
  }

  /** What the backup agent does on the prod host; returns the settings PostgreSQL says need a restart. */
  async applyArchiveSettings(): Promise<string[]> {
    const settings = renderPostgresArchiveSettings({ configPath: this.primaryConf, archiveTimeoutSeconds: this.options.archiveTimeoutSeconds });
    await this.psql(archiveSettingsSql(settings));
    await sleep(300);
    const pending = await this.psql(PENDING_RESTART_SQL);
    return pending.trim().split(",").filter((l) => l !== "");
  }

  psql(sql: string, database = "postgres"): Promise<string> {
    return runOk(`${PG_BIN}/psql`, ["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(this.pgPort), "-U", "postgres", "-d", database, "-f", "-"], { input: sql });
  }

  pgbackrest(args: string[], config = this.primaryConf): Promise<string> {
    return asPostgres("pgbackrest", [`--config=${config}`, "--stanza=roadwave", ...args]);
  }

  /** One backup through the script the systemd units run (writes the textfile metrics). */
  backup(type: BackupType): Promise<RunResult> {
    return run(this.backupScript, [type]);
  }

  writeChecks(name: string, queries: VerificationQuery[]): string {
    const path = join(this.dir, `${name}.tsv`);
    writeFileSync(path, renderDrillChecks(queries), { mode: 0o644 });
    return path;
  }

  async drill(options: Partial<DrillOptions> = {}): Promise<RunResult & { result?: DrillResult }> {
    const args = drillArgs({ config: this.restoreConf, workDir: this.drillWorkDir, port: this.drillPort, pgBin: PG_BIN, timeoutSeconds: 600, ...options });
    const r = await run("bash", [this.drillScript, ...args]);
    let result: DrillResult | undefined;
    try {
      result = parseDrillResult(r.stdout);
    } catch {
      result = undefined;
    }
    return { ...r, result };
  }

  primaryPid(): number {
    return Number(readFileSync(join(this.primaryData, "postmaster.pid"), "utf8").split("\n")[0]);
  }

  /** The crash: SIGKILL to the postmaster; its children exit when they notice. */
  async killPrimary(): Promise<number> {
    const pid = this.primaryPid();
    process.kill(pid, "SIGKILL");
    const killedAt = Date.now();
    for (let i = 0; i < 100 && alive(pid); i++) await sleep(50);
    return killedAt;
  }

  /** Stops every process this sandbox started, by PID, and removes the directory. */
  async stop(): Promise<void> {
    for (const data of [this.primaryData, join(this.drillWorkDir, "data")]) {
      const pidFile = join(data, "postmaster.pid");
      if (!existsSync(pidFile)) continue;
      const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
      if (pid > 0 && alive(pid)) {
        process.kill(pid, "SIGQUIT");
        for (let i = 0; i < 100 && alive(pid); i++) await sleep(50);
        if (alive(pid)) process.kill(pid, "SIGKILL");
      }
    }
    // pgBackRest's async archive-push/archive-get workers detach from PostgreSQL; ours name our config.
    for (const pid of processesMentioning(this.dir)) {
      try { process.kill(pid, "SIGKILL"); } catch { /* already gone */ }
    }
    if (this.s3Process?.pid !== undefined && this.s3Process.exitCode === null) {
      this.s3Process.kill("SIGTERM");
      await new Promise((r) => this.s3Process?.once("exit", r));
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(text)) pids.push(Number(entry));
    } catch { /* exited meanwhile */ }
  }
  return pids;
}

export { sleep };

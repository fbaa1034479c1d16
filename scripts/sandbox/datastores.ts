// The monitored datastores of the sandbox: a PostgreSQL 15 cluster (run as the `postgres` user: we are root)
// with the pg_monitor login role postgres_exporter uses, and a Redis server with a password. Both listen on
// 127.0.0.1 only and keep their data in the supervisor's temp dirs.
import { execFile } from "node:child_process";
import { chownSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { waitFor, type ManagedProcess, type Supervisor } from "./supervisor";

const run = promisify(execFile);

export const POSTGRES_BIN = "/usr/lib/postgresql/15/bin";
/** The login role of postgres_exporter (member of pg_monitor, nothing more). */
export const POSTGRES_EXPORTER_ROLE = "postgres_exporter";

function postgresIds(): Promise<{ uid: number; gid: number }> {
  return Promise.all([run("id", ["-u", "postgres"]), run("id", ["-g", "postgres"])]).then(([u, g]) => ({
    uid: Number(u.stdout.trim()),
    gid: Number(g.stdout.trim()),
  }));
}

/** Resolves when something accepts TCP connections on 127.0.0.1:port. */
export function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export class PostgresCluster {
  process?: ManagedProcess;
  private dataDir = "";
  private archiveDir = "";

  constructor(
    private readonly supervisor: Supervisor,
    readonly port: number,
    private readonly exporterPassword: string,
  ) {}

  /** initdb (first time), start, wait until it accepts queries, create the exporter's role. */
  async start(): Promise<void> {
    if (!existsSync(join(POSTGRES_BIN, "postgres"))) {
      throw new Error(`PostgreSQL 15 is not installed (${POSTGRES_BIN}): run sudo bash scripts/install-tools.sh`);
    }
    const firstStart = this.dataDir === "";
    if (firstStart) {
      const root = this.supervisor.tempDir("postgresql");
      const { uid, gid } = await postgresIds();
      chownSync(root, uid, gid);
      this.dataDir = join(root, "data");
      this.archiveDir = join(root, "wal-archive");
      mkdirSync(this.archiveDir);
      chownSync(this.archiveDir, uid, gid);
      const pwFile = join(root, "superuser-password");
      // The superuser logs in over the local socket only (peer/trust); TCP logins need a password.
      writeFileSync(pwFile, "unused\n", { mode: 0o600 });
      chownSync(pwFile, uid, gid);
      await run("runuser", ["-u", "postgres", "--", join(POSTGRES_BIN, "initdb"), "-D", this.dataDir,
        "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", `--pwfile=${pwFile}`, "-E", "UTF8"]);
    }
    this.process = this.supervisor.start(
      "postgresql",
      "runuser",
      ["-u", "postgres", "--", join(POSTGRES_BIN, "postgres"), "-D", this.dataDir,
        "-c", "listen_addresses=127.0.0.1", "-c", `port=${this.port}`,
        "-c", `unix_socket_directories=${this.dataDir}`, "-c", "fsync=off", "-c", "shared_buffers=32MB",
        // As on the database host: pg_stat_statements for the slow-query panels and alerts, and WAL archiving
        // every minute (a local copy stands in for pgBackRest's repository) so the RPO alerts see it working.
        "-c", "shared_preload_libraries=pg_stat_statements",
        "-c", "archive_mode=on", "-c", "archive_timeout=60",
        "-c", `archive_command=test ! -f ${this.archiveDir}/%f && cp %p ${this.archiveDir}/%f`],
      { stopSignal: "SIGINT" },
    );
    const proc = this.process;
    await waitFor("PostgreSQL to accept queries", async () => {
      if (proc.hasExited()) throw new Error(`PostgreSQL exited:\n${this.supervisor.logTail(proc)}`);
      return (await this.psql("SELECT 1").then(() => true, () => false)) || undefined;
    }, 30_000);
    if (firstStart) {
      const password = this.exporterPassword.replace(/'/g, "''");
      await this.psql(`CREATE ROLE ${POSTGRES_EXPORTER_ROLE} LOGIN PASSWORD '${password}' IN ROLE pg_monitor`);
      await this.psql("CREATE EXTENSION pg_stat_statements");
      // A little activity, so the database dashboards and rules have rows and rates to show, then a WAL
      // switch so that a segment is archived right away.
      await this.psql("CREATE TABLE tracks (id serial PRIMARY KEY, title text); INSERT INTO tracks (title) SELECT 'track ' || g FROM generate_series(1, 1000) g;");
      await this.psql("SELECT pg_switch_wal()");
    }
  }

  /** Fast shutdown (the fault "PostgreSQL stopped"); `start()` brings the same cluster back. */
  async stop(): Promise<void> {
    if (this.process) await this.supervisor.stop(this.process, 15_000);
    this.process = undefined;
  }

  /** A URL for postgres_exporter (DATA_SOURCE_NAME): the pg_monitor role over TCP with its password. */
  exporterDsn(): string {
    return `postgresql://${POSTGRES_EXPORTER_ROLE}:${encodeURIComponent(this.exporterPassword)}@127.0.0.1:${this.port}/postgres?sslmode=disable`;
  }

  async psql(sql: string): Promise<string> {
    const { stdout } = await run("runuser", ["-u", "postgres", "--", join(POSTGRES_BIN, "psql"), "-h", this.dataDir,
      "-p", String(this.port), "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-Atqc", sql]);
    return stdout;
  }
}

export class RedisServer {
  process?: ManagedProcess;
  private workload?: NodeJS.Timeout;
  private client?: Socket;

  constructor(
    private readonly supervisor: Supervisor,
    readonly port: number,
    readonly password: string,
  ) {}

  async start(): Promise<void> {
    const dir = this.supervisor.tempDir("redis");
    this.process = this.supervisor.start("redis", "redis-server", ["--bind", "127.0.0.1", "--port", String(this.port),
      "--save", "", "--appendonly", "no", "--dir", dir, "--requirepass", this.password, "--protected-mode", "yes",
      // A cache, as RoadWave uses it: bounded memory, least recently used keys evicted.
      "--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru"]);
    const proc = this.process;
    await waitFor("Redis to listen", async () => {
      if (proc.hasExited()) throw new Error(`redis-server exited:\n${this.supervisor.logTail(proc)}`);
      return (await tcpOpen(this.port)) || undefined;
    }, 15_000);
    this.startWorkload();
  }

  /** The fault "Redis stopped"; `start()` brings a new, empty Redis back on the same port. */
  async stop(): Promise<void> {
    this.stopWorkload();
    if (this.process) await this.supervisor.stop(this.process);
    this.process = undefined;
  }

  /**
   * Cache traffic like the API's, 50 reads a second over 200 keys: three in four are written just before and
   * hit, one in four misses (inline commands of the Redis protocol; the replies are not needed).
   */
  private startWorkload(): void {
    const client = connect({ host: "127.0.0.1", port: this.port });
    client.on("error", () => undefined);
    client.on("data", () => undefined);
    client.write(`AUTH ${this.password}\r\n`);
    this.client = client;
    this.workload = setInterval(() => {
      for (let i = 0; i < 5; i++) {
        const key = `track:${Math.floor(Math.random() * 200)}`;
        client.write(Math.random() < 0.75 ? `SET ${key} cached\r\nGET ${key}\r\n` : `GET ${key}:missing\r\n`);
      }
    }, 100);
  }

  stopWorkload(): void {
    if (this.workload) clearInterval(this.workload);
    this.workload = undefined;
    this.client?.destroy();
    this.client = undefined;
  }
}

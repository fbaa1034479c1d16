// The alert rules against the real Debian exporters: PostgreSQL 15 (with pg_stat_statements) behind
// postgres_exporter and the rendered custom queries, Redis behind redis_exporter, and node_exporter, all
// scraped by the real Prometheus with the rendered prometheus.yml and rule files (local profile), alerting
// through the real Alertmanager with the rendered alertmanager.yml. Proves that every exporter metric an
// alert reads exists under that name, that every rule evaluates without error on real series, and that the
// Watchdog heartbeat reaches the (stand-in) Uptime Kuma push URL.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_ALERTS } from "../../config/alertRules";
import { PLACEHOLDER_SECRETS } from "../../config/placeholders";
import { POSTGRES_EXPORTER_QUERIES_PATH } from "../../config/postgresExporterQueries";
import { alertmanagerFlags, alertmanagerSecretFiles, renderAlertmanagerFiles } from "../../config/renderAlertmanager";
import { PRODUCTION_TIMINGS, type Timings } from "../../config/renderOptions";
import { prometheusFlags, prometheusSecretFiles, renderPrometheusFiles } from "../../config/renderPrometheus";
import { monitoringSettings } from "../support/stackSettings";

const PG_BIN = "/usr/lib/postgresql/15/bin";
const processes: ChildProcess[] = [];
let root = "";
let pgData = "";
let prometheusUrl = "";
let heartbeatServer: Server | undefined;
/** Requests received by the stand-in Uptime Kuma push endpoint. */
const heartbeats: { method: string; url: string; body: string }[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function start(command: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  child.on("exit", (code) => {
    if (code !== null && code !== 0) console.error(`${command} exited with ${code}:\n${stderr}`);
  });
  processes.push(child);
  return child;
}

function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: "utf8" });
  if (result.error) throw new Error(`${command} could not run (${result.error.message}): run scripts/install-tools.sh`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

async function query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await response.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  if (body.status !== "success") throw new Error(`query ${expr} failed`);
  return body.data.result;
}

/** Exporter metric names the alerts read (a `__name__=~"prefix(a|b)"` selector counts as its names). */
function exporterMetricNames(): string[] {
  const names = new Set<string>();
  for (const { expr } of ALL_ALERTS) {
    for (const [, prefix, alternatives] of expr.matchAll(/__name__=~"([a-z_]+)\(([a-z_|]+)\)"/g)) {
      for (const alt of (alternatives as string).split("|")) names.add(`${prefix}${alt}`);
    }
    const withoutRegex = expr.replace(/__name__=~"[^"]*"/g, "");
    for (const [, name] of withoutRegex.matchAll(/\b((?:pg|redis|node)_[a-z0-9_]*[a-z0-9])\b/g)) names.add(name as string);
  }
  return [...names].sort();
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "exporter-metrics-"));
  const [pgPort, pgExporterPort, redisPort, redisExporterPort, nodePort, prometheusPort, alertmanagerPort] = (await Promise.all(
    Array.from({ length: 7 }, () => freePort()),
  )) as [number, number, number, number, number, number, number];

  // Stand-in for Uptime Kuma's push endpoint.
  heartbeatServer = createHttpServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      heartbeats.push({ method: req.method ?? "", url: req.url ?? "", body });
      res.end('{"ok":true}');
    });
  });
  const heartbeatPort = await new Promise<number>((resolve) =>
    heartbeatServer!.listen(0, "127.0.0.1", () => resolve((heartbeatServer!.address() as { port: number }).port)),
  );

  // PostgreSQL with pg_stat_statements and WAL archiving, as the DB host runs it.
  pgData = join(root, "pgdata");
  mkdirSync(pgData);
  const pgUid = Number(run("id", ["-u", "postgres"]).trim());
  const pgGid = Number(run("id", ["-g", "postgres"]).trim());
  chownSync(root, pgUid, pgGid);
  chownSync(pgData, pgUid, pgGid);
  run("runuser", ["-u", "postgres", "--", `${PG_BIN}/initdb`, "-D", pgData, "-A", "trust", "-U", "postgres"]);
  run("runuser", [
    "-u", "postgres", "--", `${PG_BIN}/pg_ctl`, "-D", pgData, "-l", join(pgData, "log"), "-w", "start", "-o",
    `-p ${pgPort} -k ${root} -c listen_addresses=127.0.0.1 -c shared_preload_libraries=pg_stat_statements -c archive_mode=on -c archive_command=/bin/true`,
  ]);
  const psql = (sql: string) => run("runuser", ["-u", "postgres", "--", `${PG_BIN}/psql`, "-h", "127.0.0.1", "-p", String(pgPort), "-d", "postgres", "-c", sql]);
  psql("CREATE EXTENSION pg_stat_statements");
  psql("CREATE TABLE t AS SELECT generate_series(1, 1000) AS id");
  psql("SELECT pg_switch_wal()");

  // The rendered tree, local profile: Prometheus scrapes these exporters on 127.0.0.1.
  const settings = monitoringSettings("staging");
  const filesDir = join(root, "files");
  const timings: Timings = { ...PRODUCTION_TIMINGS, scrapeInterval: "1s", evaluationInterval: "1s", groupWait: "1s", watchdogRepeatInterval: "2s" };
  const options = {
    addressing: {
      profile: "local" as const,
      ports: {
        postgresql: { "db-1": pgExporterPort },
        redis: { "redis-1": redisExporterPort },
        node: { "db-1": nodePort },
        prometheus: { monitoring: prometheusPort },
        alertmanager: { monitoring: alertmanagerPort },
      },
      filesDir,
    },
    timings,
  };
  const secrets = { ...PLACEHOLDER_SECRETS, watchdogPushUrl: `http://127.0.0.1:${heartbeatPort}/api/push/test-token` };
  const files = {
    ...renderPrometheusFiles(settings, options),
    ...prometheusSecretFiles(PLACEHOLDER_SECRETS),
    ...renderAlertmanagerFiles(settings, secrets, options),
    ...alertmanagerSecretFiles(secrets),
  };
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(filesDir, path)), { recursive: true });
    writeFileSync(join(filesDir, path), content);
  }

  start("prometheus-postgres-exporter", [`--web.listen-address=127.0.0.1:${pgExporterPort}`, `--extend.query-path=${join(filesDir, POSTGRES_EXPORTER_QUERIES_PATH)}`], {
    DATA_SOURCE_NAME: `postgresql://postgres@127.0.0.1:${pgPort}/postgres?sslmode=disable`,
  });
  start("redis-server", ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--maxmemory", "10mb"]);
  start("prometheus-redis-exporter", [`-redis.addr=redis://127.0.0.1:${redisPort}`, `-web.listen-address=127.0.0.1:${redisExporterPort}`]);
  start("prometheus-node-exporter", [`--web.listen-address=127.0.0.1:${nodePort}`]);
  start("prometheus-alertmanager", alertmanagerFlags({
    configFile: join(filesDir, "alertmanager", "alertmanager.yml"),
    storagePath: join(root, "alertmanager-data"),
    listenAddress: `127.0.0.1:${alertmanagerPort}`,
  }));
  await waitFor("Alertmanager", async () => ((await fetch(`http://127.0.0.1:${alertmanagerPort}/-/ready`)).ok ? true : undefined));
  // Prometheus sends its first alerts before its Alertmanager discovery settles (about 5 s) and drops them,
  // then resends after --rules.alert.resend-delay (1 m): shortened here so the heartbeat comes within seconds.
  const flags = prometheusFlags(settings, {
    configFile: join(filesDir, "prometheus", "prometheus.yml"),
    storagePath: join(root, "prometheus-data"),
    listenAddress: `127.0.0.1:${prometheusPort}`,
  });
  start("prometheus", [...flags, "--rules.alert.resend-delay=1s"]);
  prometheusUrl = `http://127.0.0.1:${prometheusPort}`;

  // Every scrape target up and a few rule evaluations done.
  await waitFor("the targets to be up", async () => {
    const up = await query("up == 1");
    return up.length >= 5 ? up : undefined;
  });
  await waitFor("pg_stat_statements_top metrics", async () => ((await query("pg_stat_statements_top_calls")).length > 0 ? true : undefined));
  await new Promise((r) => setTimeout(r, 3000));
}, 120_000);

afterAll(() => {
  heartbeatServer?.close();
  for (const child of processes) if (child.exitCode === null) child.kill("SIGTERM");
  if (pgData) spawnSync("runuser", ["-u", "postgres", "--", `${PG_BIN}/pg_ctl`, "-D", pgData, "-m", "immediate", "stop"]);
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("alert rules on the real exporters", () => {
  it("scrape postgresql, redis, node and prometheus with the rendered prometheus.yml", async () => {
    const up = await query("up");
    const byJob = Object.fromEntries(up.map((s) => [`${s.metric.job}/${s.metric.instance}`, s.value[1]]));
    expect(byJob).toEqual({
      "postgresql/db-1": "1",
      "redis/redis-1": "1",
      "node/db-1": "1",
      "prometheus/monitoring": "1",
      "alertmanager/monitoring": "1",
    });
    expect((await query("pg_up"))[0]?.value[1]).toBe("1");
    expect((await query("redis_up"))[0]?.value[1]).toBe("1");
  });

  it("find every exporter metric an alert reads", async () => {
    const names = exporterMetricNames();
    expect(names.length).toBeGreaterThan(20);
    const present = new Set((await query('count by (__name__) ({__name__=~"(pg|redis|node)_.+"})')).map((s) => s.metric.__name__));
    expect(names.filter((n) => !present.has(n))).toEqual([]);
  });

  it("evaluate every rule without error", async () => {
    const response = await fetch(`${prometheusUrl}/api/v1/rules`);
    const body = (await response.json()) as { data: { groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] } };
    const rules = body.data.groups.flatMap((g) => g.rules.map((r) => ({ group: g.name, ...r })));
    expect(rules.length).toBeGreaterThan(60);
    expect(rules.filter((r) => r.health !== "ok")).toEqual([]);
    const failures = await query("sum(prometheus_rule_evaluation_failures_total)");
    expect(failures[0]?.value[1]).toBe("0");
  });

  it("send the Watchdog through Alertmanager to the push URL, reporting up", async () => {
    const beat = await waitFor("a Watchdog heartbeat", async () => heartbeats.find((h) => h.body.includes("Watchdog")));
    expect(beat.method).toBe("POST");
    expect(beat.url).toBe("/api/push/test-token?status=up&msg=Watchdog");
    // Repeated, not sent once: the push monitor needs a beat every interval.
    await waitFor("a second heartbeat", async () => (heartbeats.filter((h) => h.body.includes("Watchdog")).length >= 2 ? true : undefined));
  });

  it("fire nothing but the Watchdog on a healthy, idle stack", async () => {
    // Alerts with a for: duration (e.g. FullBackupMissing: no backup here) are at most pending this early.
    const firing = (await query('ALERTS{alertstate="firing"}')).map((a) => a.metric.alertname);
    expect(firing).toEqual(["Watchdog"]);
  });
});

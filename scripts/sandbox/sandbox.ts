// The rendered monitoring stack running on 127.0.0.1: the stack's own Prometheus and Alertmanager
// configuration (rendered with the local addressing profile and the given timings), the exporters against a
// PostgreSQL cluster and a Redis server started here, synthetic RoadWave API instances with switchable
// faults, and sinks that record every notification. Used by `npm run sandbox`, the live tests and the MTTD
// benchmark. Loki, Grafana, Alloy and Uptime Kuma have no binaries here: their targets are left out.
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { PLACEHOLDER_SECRETS } from "../../config/placeholders";
import { POSTGRES_EXPORTER_QUERIES_PATH } from "../../config/postgresExporterQueries";
import { alertmanagerFlags, alertmanagerSecretFiles } from "../../config/renderAlertmanager";
import { prometheusFlags, prometheusSecretFiles } from "../../config/renderPrometheus";
import type { LocalPorts, RenderOptions, Timings } from "../../config/renderOptions";
import type { MonitoringStackSettings } from "../../config/settings";
import { hasPushgateway, scrapeTargets, type ScrapeTarget } from "../../config/targets";
import { PostgresCluster, RedisServer, tcpOpen } from "./datastores";
import { renderLocalStack, type SandboxSecrets } from "./render";
import { SmtpSink } from "./smtpSink";
import { freePort, Supervisor, waitFor, type ManagedProcess } from "./supervisor";
import { MetricsStub, SyntheticApi, type Faults } from "./syntheticApi";
import { allNotifications, type Notification } from "./notifications";
import { SINK_PATHS, WebhookSink } from "./webhookSink";

const run = promisify(execFile);

/** Services of the stack that have no binary on this machine (Debian has no package for them). */
export const NOT_AVAILABLE = ["Loki", "Grafana", "Alloy", "Uptime Kuma"] as const;

export interface SandboxOptions {
  settings: MonitoringStackSettings;
  /** Pass one to install its exit handlers before anything starts. */
  supervisor?: Supervisor;
  timings: Timings;
  /**
   * Prometheus's --rules.alert.resend-delay (default 1m): how soon Prometheus re-sends firing alerts, e.g. to
   * an Alertmanager that restarted. The live tests shorten it with the other timings.
   */
  alertResendDelay?: string;
  /** Progress messages. */
  log?: (message: string) => void;
}

export interface SandboxUrls {
  prometheus: string;
  alertmanager: string;
  control: string;
  webhookSink: string;
  smtpSink: string;
}

/** Sends a query to an HTTP JSON API on 127.0.0.1 and returns the parsed body. */
export async function httpJson<T = unknown>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${url}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return (text === "" ? undefined : JSON.parse(text)) as T;
}

export class Sandbox {
  readonly supervisor: Supervisor;
  readonly webhooks = new WebhookSink();
  smtp!: SmtpSink;
  readonly apis: SyntheticApi[] = [];
  postgres!: PostgresCluster;
  redis!: RedisServer;
  alertmanager?: ManagedProcess;
  prometheus?: ManagedProcess;
  /** The rendered files (relative path -> content), as written under `configDir`. */
  files: Record<string, string> = {};
  targets: ScrapeTarget[] = [];
  configDir = "";
  alertmanagerStorage = "";
  urls!: SandboxUrls;
  private readonly stubs: MetricsStub[] = [];
  private control?: Server;
  private ports = { prometheus: 0, alertmanager: 0, control: 0 };
  private caFile = "";
  private readonly log: (message: string) => void;
  readonly secrets: SandboxSecrets;

  private constructor(readonly options: SandboxOptions) {
    this.log = options.log ?? (() => undefined);
    this.supervisor = options.supervisor ?? new Supervisor();
    this.secrets = { ...PLACEHOLDER_SECRETS, watchdogPushUrl: "" };
  }

  /** Starts everything; on any failure, stops what it had started and rethrows. */
  static async start(options: SandboxOptions): Promise<Sandbox> {
    const sandbox = new Sandbox(options);
    try {
      await sandbox.startAll();
      return sandbox;
    } catch (error) {
      await sandbox.stop();
      throw error;
    }
  }

  private async startAll(): Promise<void> {
    const { settings, timings } = this.options;
    const sup = this.supervisor;

    // Ports first: the rendered configuration names them.
    const apiPorts = new Map<string, number>();
    for (const api of settings.monitored.api) apiPorts.set(api.name, await freePort());
    const port = {
      postgres: await freePort(), postgresExporter: await freePort(), redis: await freePort(),
      redisExporter: await freePort(), nodeExporter: await freePort(), zitadel: await freePort(),
      prometheus: await freePort(), alertmanager: await freePort(), pushgateway: await freePort(),
      webhooks: await freePort(), smtp: await freePort(), control: await freePort(),
    };
    this.ports = { prometheus: port.prometheus, alertmanager: port.alertmanager, control: port.control };

    // Every host's node target points at the one node_exporter (this machine): one process stands in for
    // all hosts, each keeps its own `instance` label.
    const deployed = scrapeTargets(settings, { profile: "deployed" });
    const nodeHosts = deployed.filter((t) => t.job === "node").map((t) => t.instance);
    const monitoringInstance = deployed.find((t) => t.job === "prometheus")?.instance ?? "monitoring";
    const single = (job: string) => deployed.find((t) => t.job === job)?.instance ?? job;
    const ports: LocalPorts = {
      "roadwave-api": Object.fromEntries(apiPorts),
      postgresql: { [single("postgresql")]: port.postgresExporter },
      redis: { [single("redis")]: port.redisExporter },
      zitadel: { [single("zitadel")]: port.zitadel },
      node: Object.fromEntries(nodeHosts.map((h) => [h, port.nodeExporter])),
      prometheus: { [monitoringInstance]: port.prometheus },
      alertmanager: { [monitoringInstance]: port.alertmanager },
      ...(hasPushgateway(settings) ? { pushgateway: { [single("pushgateway")]: port.pushgateway } } : {}),
    };
    this.configDir = sup.tempDir("config");
    const renderOptions: RenderOptions = { addressing: { profile: "local", ports, filesDir: this.configDir }, timings };
    this.targets = scrapeTargets(settings, renderOptions.addressing);

    // Sinks: the chat webhooks and the Uptime Kuma push URL are secrets, so they reach the renderer as secret
    // values; the SMTP relay is a setting. STARTTLS with a certificate Alertmanager trusts (SSL_CERT_FILE), so
    // require_tls and AUTH run exactly as against Brevo.
    this.smtp = new SmtpSink({
      username: settings.alerting.smtp.username,
      password: this.secrets.smtpPassword,
      tls: await this.makeCertificate(),
    });
    await this.webhooks.start(port.webhooks);
    await this.smtp.start(port.smtp);
    this.secrets.slackWebhookUrl = this.webhooks.url(SINK_PATHS.slack);
    this.secrets.discordWebhookUrl = this.webhooks.url(SINK_PATHS.discord);
    this.secrets.watchdogPushUrl = this.webhooks.url(SINK_PATHS.watchdog);
    const localSettings: MonitoringStackSettings = {
      ...settings,
      alerting: { ...settings.alerting, smtp: { ...settings.alerting.smtp, host: "127.0.0.1", port: port.smtp } },
    };
    this.files = renderLocalStack(localSettings, this.secrets, renderOptions);
    const secretFiles = { ...alertmanagerSecretFiles(this.secrets), ...prometheusSecretFiles(this.secrets) };
    for (const [path, content] of Object.entries({ ...this.files, ...secretFiles })) {
      const full = join(this.configDir, path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content, { mode: 0o600 });
    }

    // Monitored services.
    this.log("starting PostgreSQL 15, Redis and the exporters");
    this.postgres = new PostgresCluster(sup, port.postgres, PLACEHOLDER_SECRETS.postgresExporterPassword);
    this.redis = new RedisServer(sup, port.redis, PLACEHOLDER_SECRETS.redisPassword);
    await Promise.all([this.postgres.start(), this.redis.start()]);
    const textfileDir = sup.tempDir("textfile");
    this.writeBackupMetrics(textfileDir);
    const exporters = [
      sup.start("node-exporter", "prometheus-node-exporter", [`--web.listen-address=127.0.0.1:${port.nodeExporter}`,
        `--collector.textfile.directory=${textfileDir}`]),
      sup.start("postgres-exporter", "prometheus-postgres-exporter", [`--web.listen-address=127.0.0.1:${port.postgresExporter}`,
        `--extend.query-path=${join(this.configDir, POSTGRES_EXPORTER_QUERIES_PATH)}`], {
        env: { ...process.env, DATA_SOURCE_NAME: this.postgres.exporterDsn() },
      }),
      sup.start("redis-exporter", "prometheus-redis-exporter", [`-web.listen-address=127.0.0.1:${port.redisExporter}`,
        `-redis.addr=redis://127.0.0.1:${port.redis}`], {
        env: { ...process.env, REDIS_PASSWORD: this.redis.password },
      }),
    ];
    if (hasPushgateway(settings)) {
      const pushgateway = sup.start("pushgateway", "prometheus-pushgateway", [`--web.listen-address=127.0.0.1:${port.pushgateway}`]);
      exporters.push(pushgateway);
      await this.pushDrillResult(pushgateway, port.pushgateway);
    }

    this.log(`starting ${settings.monitored.api.length} synthetic API instance(s) and the Zitadel metrics stub`);
    for (const [instance, p] of apiPorts) {
      const api = new SyntheticApi(instance);
      await api.start(p);
      this.apis.push(api);
    }
    const zitadel = new MetricsStub(settings.monitored.zitadel.metricsPath);
    await zitadel.start(port.zitadel);
    this.stubs.push(zitadel);

    this.log("starting Alertmanager and Prometheus");
    this.alertmanagerStorage = sup.tempDir("alertmanager");
    await this.startAlertmanager();
    // The deployed container's flags, with local paths.
    this.prometheus = sup.start("prometheus", "prometheus", [
      ...prometheusFlags(settings, {
        configFile: join(this.configDir, "prometheus/prometheus.yml"),
        storagePath: sup.tempDir("prometheus"),
        listenAddress: `127.0.0.1:${port.prometheus}`,
      }),
      ...(this.options.alertResendDelay ? [`--rules.alert.resend-delay=${this.options.alertResendDelay}`] : []),
    ], { cwd: join(this.configDir, "prometheus") });
    await this.waitReady(this.prometheus, port.prometheus);
    for (const p of exporters) {
      if (p.hasExited()) throw new Error(`${p.name} exited:\n${sup.logTail(p)}`);
    }

    await this.startControl(port.control);
    this.urls = {
      prometheus: `http://127.0.0.1:${port.prometheus}`,
      alertmanager: `http://127.0.0.1:${port.alertmanager}`,
      control: `http://127.0.0.1:${port.control}`,
      webhookSink: `http://127.0.0.1:${port.webhooks}`,
      smtpSink: `smtp://127.0.0.1:${port.smtp}`,
    };
  }

  /** Starts Alertmanager on its port with its storage dir (kept across restarts: silences, notification log). */
  async startAlertmanager(): Promise<void> {
    // The deployed container's flags (no gossip cluster), with local paths.
    this.alertmanager = this.supervisor.start("alertmanager", "prometheus-alertmanager", alertmanagerFlags({
      configFile: join(this.configDir, "alertmanager/alertmanager.yml"),
      storagePath: this.alertmanagerStorage,
      listenAddress: `127.0.0.1:${this.ports.alertmanager}`,
    }), { cwd: join(this.configDir, "alertmanager"), env: { ...process.env, SSL_CERT_FILE: this.caFile } });
    await this.waitReady(this.alertmanager, this.ports.alertmanager);
  }

  async stopAlertmanager(): Promise<void> {
    if (this.alertmanager) await this.supervisor.stop(this.alertmanager);
    this.alertmanager = undefined;
  }

  /** Restart with the same storage (`fresh`: with a new, empty storage dir). */
  async restartAlertmanager(fresh = false): Promise<void> {
    await this.stopAlertmanager();
    if (fresh) this.alertmanagerStorage = this.supervisor.tempDir("alertmanager");
    await this.startAlertmanager();
  }

  /** Sets faults on every API instance, or on the named ones. */
  async setApiFaults(faults: Partial<Faults>, instances?: string[]): Promise<void> {
    await Promise.all(this.apis.filter((a) => !instances || instances.includes(a.instance)).map((a) => a.setFaults(faults)));
  }

  async stop(): Promise<void> {
    this.redis?.stopWorkload();
    await Promise.allSettled([
      ...this.apis.map((a) => a.stop()),
      ...this.stubs.map((s) => s.stop()),
      this.webhooks.stop(),
      this.smtp?.stop(),
      new Promise<void>((resolve) => (this.control ? this.control.close(() => resolve()) : resolve())),
    ]);
    await this.supervisor.stopAll();
  }

  /** Everything the sinks received so far, oldest first. */
  notifications(): Notification[] {
    return allNotifications(this.webhooks.received, this.smtp.received);
  }

  /** Prometheus instant query; returns the result vector. */
  async query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const body = await httpJson<{ status: string; data: { resultType: string; result: unknown }; error?: string }>(
      `${this.urls.prometheus}/api/v1/query?query=${encodeURIComponent(expr)}`,
    );
    if (body.data.resultType === "scalar") {
      return [{ metric: {}, value: body.data.result as [number, string] }];
    }
    return body.data.result as { metric: Record<string, string>; value: [number, string] }[];
  }

  /** Prometheus range query over the last `seconds`, one point every `step` seconds; returns the series. */
  async queryRange(expr: string, seconds: number, step: number): Promise<{ metric: Record<string, string>; values: [number, string][] }[]> {
    const end = Date.now() / 1000;
    const params = new URLSearchParams({ query: expr, start: String(end - seconds), end: String(end), step: String(step) });
    const body = await httpJson<{ data: { result: { metric: Record<string, string>; values: [number, string][] }[] } }>(
      `${this.urls.prometheus}/api/v1/query_range?${params}`,
    );
    return body.data.result;
  }

  private async waitReady(proc: ManagedProcess, port: number): Promise<void> {
    await waitFor(`${proc.name} to be ready`, async () => {
      if (proc.hasExited()) throw new Error(`${proc.name} exited:\n${this.supervisor.logTail(proc)}`);
      if (!(await tcpOpen(port))) return undefined;
      const res = await fetch(`http://127.0.0.1:${port}/-/ready`);
      return res.ok || undefined;
    }, 30_000);
  }

  /** A self-signed certificate for 127.0.0.1, also the only CA Alertmanager trusts. */
  private async makeCertificate(): Promise<{ key: string; cert: string }> {
    const dir = this.supervisor.tempDir("tls");
    const keyFile = join(dir, "key.pem");
    this.caFile = join(dir, "cert.pem");
    await run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile, "-out", this.caFile,
      "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]);
    return { key: readFileSync(keyFile, "utf8"), cert: readFileSync(this.caFile, "utf8") };
  }

  /** What the backup job writes after each run (node_exporter textfile collector), so backup panels have data. */
  private writeBackupMetrics(dir: string): void {
    const now = Math.floor(Date.now() / 1000);
    writeFileSync(join(dir, "roadwave_backup.prom"), [
      "# HELP roadwave_backup_last_success_timestamp_seconds Time of the last successful pgBackRest backup.",
      "# TYPE roadwave_backup_last_success_timestamp_seconds gauge",
      `roadwave_backup_last_success_timestamp_seconds{type="full"} ${now - 3600}`,
      `roadwave_backup_last_success_timestamp_seconds{type="diff"} ${now - 600}`,
      "# HELP roadwave_backup_last_size_bytes Size of the last successful backup.",
      "# TYPE roadwave_backup_last_size_bytes gauge",
      "roadwave_backup_last_size_bytes 52428800",
      "",
    ].join("\n"));
  }

  /** What the monthly DR drill pushes when it succeeds (scripts/dr-drill.sh): a drill a week ago, 25 min RTO. */
  private async pushDrillResult(pushgateway: ManagedProcess, port: number): Promise<void> {
    await this.waitReady(pushgateway, port);
    const finished = Math.floor(Date.now() / 1000) - 7 * 86_400;
    const body = [
      "# TYPE roadwave_dr_drill_last_success_timestamp_seconds gauge",
      `roadwave_dr_drill_last_success_timestamp_seconds ${finished}`,
      "# TYPE roadwave_dr_drill_rto_seconds gauge",
      "roadwave_dr_drill_rto_seconds 1500",
      "",
    ].join("\n");
    const res = await fetch(`http://127.0.0.1:${port}/metrics/job/roadwave_dr_drill`, { method: "PUT", body });
    if (!res.ok) throw new Error(`pushing the DR drill result to the Pushgateway: HTTP ${res.status}`);
  }

  /**
   * The control endpoint: GET / (state), POST /faults/api {down?, errorRatio?, slowRatio?, slowSeconds?,
   * instances?}, POST /faults/postgresql {down}, POST /faults/redis {down}, GET /sinks (what the sinks received).
   */
  private async startControl(port: number): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        void this.handleControl(req.method ?? "GET", req.url ?? "/", Buffer.concat(chunks).toString("utf8")).then(
          (body) => {
            res.writeHead(200, { "content-type": "application/json" });
            res.end(JSON.stringify(body, null, 2));
          },
          (error: Error) => {
            res.writeHead(400, { "content-type": "application/json" });
            res.end(JSON.stringify({ error: error.message }));
          },
        );
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    this.control = server;
  }

  private async handleControl(method: string, url: string, body: string): Promise<unknown> {
    const input = body === "" ? {} : (JSON.parse(body) as Record<string, unknown>);
    if (method === "POST" && url === "/faults/api") {
      const { instances, ...faults } = input as Partial<Faults> & { instances?: string[] };
      await this.setApiFaults(faults, instances);
    } else if (method === "POST" && url === "/faults/postgresql") {
      if (input.down === true) await this.postgres.stop();
      else if (!this.postgres.process) await this.postgres.start();
    } else if (method === "POST" && url === "/faults/redis") {
      if (input.down === true) await this.redis.stop();
      else if (!this.redis.process) await this.redis.start();
    } else if (method === "GET" && url === "/sinks") {
      return {
        webhooks: this.webhooks.received.map((r) => ({ at: new Date(r.at).toISOString(), path: r.path, body: r.json ?? r.body })),
        emails: this.smtp.received.map((m) => ({ at: new Date(m.at).toISOString(), to: m.to, subject: m.subject })),
      };
    } else if (!(method === "GET" && url === "/")) {
      throw new Error(`unknown request ${method} ${url}`);
    }
    return {
      api: this.apis.map((a) => ({ instance: a.instance, port: a.port, faults: a.faults })),
      postgresql: { running: this.postgres.process !== undefined, port: this.postgres.port },
      redis: { running: this.redis.process !== undefined, port: this.redis.port },
      received: { webhooks: this.webhooks.received.length, emails: this.smtp.received.length },
    };
  }
}

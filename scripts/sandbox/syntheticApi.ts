// A stand-in for one RoadWave API instance: it serves a few API routes and /metrics with the metric names of
// DESIGN.md (prom-client), gets steady traffic from its own generator, and takes switchable faults:
// down (the listener is closed: scrapes and requests are refused), a share of 5xx answers, a share of slow
// answers. Faults are set through `setFaults` or the sandbox's control endpoint.
import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { closeHttpServer } from "./supervisor";

export interface Faults {
  /** The listener is closed: nothing answers, not even /metrics. */
  down: boolean;
  /** Share (0..1) of API requests answered with a 5xx status. */
  errorRatio: number;
  /** Share (0..1) of API requests that are slow. */
  slowRatio: number;
  /** How long a slow request takes, in seconds (above the 0.1 s latency objective). */
  slowSeconds: number;
}

export const NO_FAULTS: Faults = { down: false, errorRatio: 0, slowRatio: 0, slowSeconds: 0.3 };

/** The latency buckets: the SLO's 0.1 s must be one of them (DESIGN.md). */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

interface Route {
  method: "GET" | "POST";
  /** The route template, used as the `route` label (never the raw URL: bounded cardinality). */
  route: string;
  path: () => string;
  status: number;
  /** Relative frequency in the generated traffic. */
  weight: number;
}

const ROUTES: Route[] = [
  { method: "GET", route: "/api/v1/feed", path: () => "/api/v1/feed", status: 200, weight: 40 },
  { method: "GET", route: "/api/v1/tracks/:id", path: () => `/api/v1/tracks/${Math.floor(Math.random() * 500)}`, status: 200, weight: 30 },
  { method: "GET", route: "/api/v1/streams/:id/playlist.m3u8", path: () => `/api/v1/streams/${Math.floor(Math.random() * 50)}/playlist.m3u8`, status: 200, weight: 20 },
  { method: "POST", route: "/api/v1/reports", path: () => "/api/v1/reports", status: 201, weight: 3 },
  { method: "POST", route: "/api/v1/sessions", path: () => "/api/v1/sessions", status: 201, weight: 5 },
];

/** A steady trickle of requests no route matches (404), so the 4xx ratio has data. */
const UNMATCHED: Route = { method: "GET", route: "unmatched", path: () => "/api/v1/tracks/not-a-number", status: 404, weight: 2 };

function matchRoute(method: string, url: string): Route | undefined {
  return ROUTES.find((r) => {
    if (r.method !== method) return false;
    const pattern = new RegExp(`^${r.route.replace(/:id/g, "[0-9]+").replace(/\./g, "\\.")}$`);
    return pattern.test(url);
  });
}

function pickRoute(): Route {
  const all = [...ROUTES, UNMATCHED];
  const total = all.reduce((s, r) => s + r.weight, 0);
  let x = Math.random() * total;
  for (const r of all) {
    x -= r.weight;
    if (x < 0) return r;
  }
  return ROUTES[0] as Route;
}

export class SyntheticApi {
  readonly registry = new Registry();
  private readonly requests: Counter<"status" | "method" | "route">;
  private readonly duration: Histogram<"status" | "method" | "route">;
  private readonly activeUsers: Counter;
  private readonly hlsStreams: Gauge;
  private readonly moderationReports: Counter;
  private server?: Server;
  private traffic?: NodeJS.Timeout;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 32 });
  faults: Faults = { ...NO_FAULTS };
  port = 0;

  /** `requestsPerSecond`: the generated traffic (enough for every rate window to have data within seconds). */
  constructor(
    readonly instance: string,
    private readonly requestsPerSecond = 20,
  ) {
    this.requests = new Counter({
      name: "http_requests_total",
      help: "HTTP requests by status, method and route template.",
      labelNames: ["status", "method", "route"],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: "http_request_duration_seconds",
      help: "HTTP request duration.",
      labelNames: ["status", "method", "route"],
      buckets: LATENCY_BUCKETS,
      registers: [this.registry],
    });
    this.activeUsers = new Counter({
      name: "roadwave_active_users_total",
      help: "Users who opened a session (daily active users come from its increase over a day).",
      registers: [this.registry],
    });
    this.hlsStreams = new Gauge({
      name: "roadwave_hls_streams_active",
      help: "HLS audio streams being played.",
      registers: [this.registry],
    });
    this.moderationReports = new Counter({
      name: "roadwave_moderation_reports_total",
      help: "Moderation reports filed.",
      registers: [this.registry],
    });
    collectDefaultMetrics({ register: this.registry });
  }

  async start(port: number): Promise<void> {
    this.port = port;
    await this.listen();
    this.hlsStreams.set(12);
    const intervalMs = 50;
    const perTick = (this.requestsPerSecond * intervalMs) / 1000;
    let carry = 0;
    this.traffic = setInterval(() => {
      carry += perTick;
      for (; carry >= 1; carry -= 1) this.sendOne();
      // The number of streams drifts like real listening.
      this.hlsStreams.set(Math.max(0, Math.round(12 + 4 * Math.sin(Date.now() / 60_000) + Math.random() * 2)));
    }, intervalMs);
  }

  setFaults(faults: Partial<Faults>): Promise<void> {
    const wasDown = this.faults.down;
    this.faults = { ...this.faults, ...faults };
    if (this.faults.down && !wasDown) return this.closeListener();
    if (!this.faults.down && wasDown) return this.listen();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    if (this.traffic) clearInterval(this.traffic);
    this.traffic = undefined;
    this.agent.destroy();
    await this.closeListener();
  }

  private async listen(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.server = server;
  }

  private async closeListener(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await closeHttpServer(server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = (req.url ?? "/").split("?")[0] ?? "/";
    if (url === "/metrics") {
      res.writeHead(200, { "content-type": this.registry.contentType });
      res.end(await this.registry.metrics());
      return;
    }
    if (url === "/health") {
      res.writeHead(200).end("ok");
      return;
    }
    req.resume();
    const route = matchRoute(req.method ?? "GET", url) ?? { ...UNMATCHED, method: req.method === "POST" ? "POST" : "GET" };
    const end = this.duration.startTimer({ method: route.method, route: route.route });
    if (Math.random() < this.faults.slowRatio) {
      await new Promise((r) => setTimeout(r, this.faults.slowSeconds * 1000));
    }
    let status = route.status;
    if (Math.random() < this.faults.errorRatio) status = Math.random() < 0.5 ? 500 : 503;
    if (status < 300 && route.route === "/api/v1/reports") this.moderationReports.inc();
    if (status < 300 && route.route === "/api/v1/sessions") this.activeUsers.inc();
    const labels = { status: String(status), method: route.method, route: route.route };
    this.requests.inc(labels);
    end({ status: String(status) });
    if (!res.destroyed) res.writeHead(status).end();
  }

  private sendOne(): void {
    if (!this.server) return; // down: nobody answers, no need to knock
    const route = pickRoute();
    const req = request(
      { host: "127.0.0.1", port: this.port, method: route.method, path: route.path(), agent: this.agent },
      (res) => res.resume(),
    );
    req.on("error", () => {
      // Refused while the instance is down or closing: that is the fault being simulated.
    });
    req.end();
  }
}

/**
 * A stand-in for a service this machine has no binary for but whose /metrics the stack scrapes (Zitadel):
 * it answers the scrape with the process metrics of a live process, so its target is up.
 */
export class MetricsStub {
  private readonly registry = new Registry();
  private server?: Server;

  constructor(private readonly metricsPath: string) {
    collectDefaultMetrics({ register: this.registry });
  }

  async start(port: number): Promise<void> {
    const server = createServer((req, res) => {
      if ((req.url ?? "").split("?")[0] !== this.metricsPath) {
        res.writeHead(404).end();
        return;
      }
      void this.registry.metrics().then((body) => {
        res.writeHead(200, { "content-type": this.registry.contentType });
        res.end(body);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await closeHttpServer(server);
  }
}

// The rendered Caddyfiles, checked by the real Caddy (Debian caddy 2.6): `caddy validate` (adapts and
// provisions the config offline; no certificate is requested) and `caddy adapt`, then the status page
// routing served for real on 127.0.0.1 (TLS off, upstreams replaced by a local echo server).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CADDYFILE, CADDY_UPSTREAMS, UPTIME_KUMA_CADDYFILE, renderCaddyFiles } from "../../config/caddy";
import { DEPLOYED } from "../../config/renderOptions";
import { freePort, tempDir, waitForPort } from "../support/processes";
import { monitoringSettings } from "../support/stackSettings";

const work = tempDir("caddy-test");
const caddyEnv = { ...process.env, HOME: work.path, XDG_DATA_HOME: join(work.path, "data"), XDG_CONFIG_HOME: join(work.path, "config") };

function writeRendered(stack: "prod" | "staging"): Record<string, string> {
  const files = renderCaddyFiles(monitoringSettings(stack), DEPLOYED);
  const paths: Record<string, string> = {};
  for (const [relative, content] of Object.entries(files)) {
    const path = join(work.path, stack, relative);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    paths[relative] = path;
  }
  return paths;
}

const caddy = (...args: string[]) => spawnSync("caddy", args, { env: caddyEnv, encoding: "utf8", timeout: 60_000 });

type CaddyJson = Record<string, any>;
function adapt(path: string): CaddyJson {
  const result = caddy("adapt", "--adapter", "caddyfile", "--config", path);
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as CaddyJson;
}
const hostsOf = (config: CaddyJson): string[] =>
  Object.values(config.apps.http.servers as Record<string, { routes: { match?: { host?: string[] }[] }[] }>)
    .flatMap((s) => s.routes.flatMap((r) => r.match?.flatMap((m) => m.host ?? []) ?? []))
    .sort();

afterAll(() => work.remove());

describe("Caddyfiles", () => {
  const prod = writeRendered("prod");
  const staging = writeRendered("staging");

  it.each([
    ["prod", CADDYFILE, prod[CADDYFILE]],
    ["prod", UPTIME_KUMA_CADDYFILE, prod[UPTIME_KUMA_CADDYFILE]],
    ["staging", CADDYFILE, staging[CADDYFILE]],
  ])("%s %s passes caddy validate", (_stack, _file, path) => {
    const result = caddy("validate", "--adapter", "caddyfile", "--config", path!);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout + result.stderr).toContain("Valid configuration");
  });

  it("caddy validate rejects a broken Caddyfile (the check is real)", () => {
    const path = join(work.path, "broken", "Caddyfile");
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, "grafana.example.org {\n\treverse_proxy {\n\t\tfrobnicate yes\n\t}\n}\n");
    expect(caddy("validate", "--adapter", "caddyfile", "--config", path).status).not.toBe(0);
  });

  it("prod: Grafana on the monitoring host, the status page on the Uptime Kuma host, nothing else", () => {
    expect(Object.keys(prod).sort()).toEqual([UPTIME_KUMA_CADDYFILE, CADDYFILE].sort());
    expect(hostsOf(adapt(prod[CADDYFILE]!))).toEqual(["grafana.roadwave.fr"]);
    expect(hostsOf(adapt(prod[UPTIME_KUMA_CADDYFILE]!))).toEqual(["status.roadwave.fr"]);
  });

  it("staging: one Caddyfile with both sites; ACME email from the settings; admin API inside the container", () => {
    expect(Object.keys(staging)).toEqual([CADDYFILE]);
    const config = adapt(staging[CADDYFILE]!);
    expect(hostsOf(config)).toEqual(["grafana.staging.roadwave.fr", "status.staging.roadwave.fr"]);
    const issuers = config.apps.tls.automation.policies.flatMap((p: CaddyJson) => p.issuers);
    expect(issuers.length).toBeGreaterThan(0);
    for (const issuer of issuers) expect(issuer.email).toBe("ops@roadwave.fr");
    expect(config.admin.listen).toBe("localhost:2019");
    const upstreams = JSON.stringify(config).match(/"dial":"[^"]+"/g);
    expect(upstreams?.sort()).toEqual([`"dial":"${CADDY_UPSTREAMS.grafana}"`, `"dial":"${CADDY_UPSTREAMS.uptimeKuma}"`]);
  });
});

describe("status page and Grafana routing, served by Caddy on 127.0.0.1", () => {
  let upstream: Server;
  let caddyProcess: ChildProcess | undefined;
  let port = 0;

  beforeAll(async () => {
    // Echo server standing in for Grafana and Uptime Kuma: answers 200 with the path it got.
    upstream = createServer((req, res) => res.end(`upstream ${req.url}`));
    const upstreamPort = await freePort();
    await new Promise<void>((resolve) => upstream.listen(upstreamPort, "127.0.0.1", resolve));
    port = await freePort();

    const config = adapt(writeRendered("staging")[CADDYFILE]!);
    // Same routes, but plain HTTP on a free local port, no certificates, no admin API, local upstream.
    const server = config.apps.http.servers.srv0;
    server.listen = [`127.0.0.1:${port}`];
    server.automatic_https = { disable: true };
    delete config.apps.tls;
    config.admin = { disabled: true };
    const json = JSON.stringify(config).replace(/"dial":"[^"]+"/g, `"dial":"127.0.0.1:${upstreamPort}"`);
    const path = join(work.path, "run.json");
    writeFileSync(path, json);
    caddyProcess = spawn("caddy", ["run", "--config", path], { env: caddyEnv, stdio: "ignore" });
    await waitForPort(port);
  });

  afterAll(async () => {
    if (caddyProcess?.pid) process.kill(caddyProcess.pid, "SIGTERM");
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  const get = (host: string, path: string) =>
    new Promise<{ status: number; body: string; headers: Record<string, unknown> }>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path, headers: { host } }, (res) => {
        let body = "";
        res.on("data", (chunk) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      });
      req.on("error", reject);
      req.end();
    });

  const STATUS = "status.staging.roadwave.fr";
  const SLUG = "roadwave-staging";

  it.each([
    `/status/${SLUG}`,
    `/api/status-page/${SLUG}`,
    `/api/status-page/heartbeat/${SLUG}`,
    `/api/status-page/heartbeat/${SLUG}/24`,
    `/api/status-page/${SLUG}/manifest.json`,
    "/assets/index-abc123.js",
    "/icon.svg",
    "/upload/logo.png",
  ])("status page: %s reaches Uptime Kuma", async (path) => {
    const res = await get(STATUS, path);
    expect(res.status).toBe(200);
    expect(res.body).toBe(`upstream ${path}`);
    expect(res.headers["strict-transport-security"]).toContain("max-age=");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
  });

  it.each([
    "/dashboard",
    "/manage-status-page",
    "/settings/general",
    "/metrics",
    "/socket.io/?EIO=4&transport=polling",
    "/api/push/abcdef?status=up",
    "/api/badge/1/status",
    "/api/status-page/other-page",
    "/api/status-page/heartbeat/other-page",
    "/status/other-page",
    "/setup",
  ])("status page: %s is not public", async (path) => {
    const res = await get(STATUS, path);
    expect(res.status).toBe(404);
    expect(res.body).not.toContain("upstream");
  });

  it("status page: / redirects to the status page", async () => {
    const res = await get(STATUS, "/");
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`/status/${SLUG}`);
  });

  it("Grafana: proxied except its /metrics", async () => {
    expect((await get("grafana.staging.roadwave.fr", "/login")).body).toBe("upstream /login");
    expect((await get("grafana.staging.roadwave.fr", "/metrics")).status).toBe(404);
  });

  it("any other host name gets nothing from the upstreams", async () => {
    const res = await get("prometheus.staging.roadwave.fr", "/");
    expect(res.body).not.toContain("upstream");
  });
});

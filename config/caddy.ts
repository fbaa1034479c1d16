// Caddy, the only public entry point: automatic TLS (Let's Encrypt) for Grafana and the Uptime Kuma status
// page. Nothing else is served publicly: the status page site proxies only the paths the public page needs
// (never Uptime Kuma's admin UI, socket.io, push or /metrics), any other host name gets no certificate and
// no site.
//
// Where the status page is served: in prod Uptime Kuma has its own host so that it outlives the monitoring
// host (DESIGN.md "Who watches the watcher"), and the status page must too. So prod renders two Caddyfiles:
// caddy/Caddyfile (monitoring host: Grafana only) and caddy-uptime-kuma/Caddyfile (Uptime Kuma host: the
// status page), and the status page's DNS name points at the Uptime Kuma host. Staging has one host: one
// Caddyfile with both sites.
import type { RenderOptions } from "./renderOptions";
import type { MonitoringStackSettings } from "./settings";
import { monitoringServiceAddress } from "./monitoringServices";

/** Upstreams on the host's Docker network (deployed): the containers must carry these names. */
export const CADDY_UPSTREAMS = { grafana: "grafana:3000", uptimeKuma: "uptime-kuma:3001" } as const;

export const CADDYFILE = "caddy/Caddyfile";
export const UPTIME_KUMA_CADDYFILE = "caddy-uptime-kuma/Caddyfile";

/** Uptime Kuma's static files the public status page loads (SPA bundle, icons, uploaded logos). */
const STATUS_PAGE_STATIC_PATHS = [
  "/assets/*",
  "/upload/*",
  "/icon.svg",
  "/icon-192x192.png",
  "/icon-512x512.png",
  "/apple-touch-icon.png",
  "/apple-touch-icon-precomposed.png",
  "/favicon.ico",
  "/manifest.json",
];

/** A Caddyfile string token, quoted when it needs to be (values come from validated settings). */
const token = (value: string) => (/^[A-Za-z0-9._:/*@+-]+$/.test(value) ? value : JSON.stringify(value));

const SECURITY_HEADERS = [
  "\theader {",
  '\t\tStrict-Transport-Security "max-age=31536000; includeSubDomains"',
  "\t\tX-Content-Type-Options nosniff",
  "\t\tX-Frame-Options DENY",
  "\t\tReferrer-Policy strict-origin-when-cross-origin",
  '\t\tPermissions-Policy "camera=(), microphone=(), geolocation=()"',
  "\t\t-Server",
  "\t}",
];

function globalOptions(settings: MonitoringStackSettings): string[] {
  return [
    "{",
    `\temail ${token(settings.domains.acmeEmail)}`,
    // The admin API stays inside the container (config reloads go through `caddy reload` there).
    "\tadmin localhost:2019",
    "}",
  ];
}

/** Where Caddy proxies a service: its container name on the stack's network, or its sandbox port locally. */
function upstreamOf(settings: MonitoringStackSettings, options: RenderOptions, service: "grafana" | "uptime-kuma"): string {
  if (options.addressing.profile === "local") return monitoringServiceAddress(settings, options.addressing, service);
  return service === "grafana" ? CADDY_UPSTREAMS.grafana : CADDY_UPSTREAMS.uptimeKuma;
}

function grafanaSite(settings: MonitoringStackSettings, options: RenderOptions): string[] {
  const upstream = upstreamOf(settings, options, "grafana");
  return [
    `${token(settings.domains.grafana)} {`,
    "\tencode zstd gzip",
    ...SECURITY_HEADERS,
    // Grafana's /metrics is for Prometheus on the private network only.
    "\trespond /metrics 404",
    `\treverse_proxy ${token(upstream)}`,
    "}",
  ];
}

function statusPageSite(settings: MonitoringStackSettings, options: RenderOptions): string[] {
  const slug = settings.uptimeKuma.statusPageSlug;
  const upstream = upstreamOf(settings, options, "uptime-kuma");
  return [
    `${token(settings.domains.statusPage)} {`,
    "\tencode zstd gzip",
    ...SECURITY_HEADERS,
    `\t@statusPage path /status/${slug} /status/${slug}/* /api/status-page/${slug} /api/status-page/${slug}/* /api/status-page/heartbeat/${slug} /api/status-page/heartbeat/${slug}/* ${STATUS_PAGE_STATIC_PATHS.join(" ")}`,
    "\thandle @statusPage {",
    `\t\treverse_proxy ${token(upstream)}`,
    "\t}",
    "\thandle / {",
    // With a single path argument redir would read it as a matcher: give the matcher explicitly.
    `\t\tredir * /status/${slug} 302`,
    "\t}",
    // Everything else (admin UI, socket.io, /metrics, push URLs, other pages' APIs) is not public.
    "\thandle {",
    "\t\trespond 404",
    "\t}",
    "}",
  ];
}

export function renderCaddyFiles(settings: MonitoringStackSettings, options: RenderOptions): Record<string, string> {
  const file = (...sites: string[][]) => [globalOptions(settings), ...sites].map((b) => b.join("\n")).join("\n\n") + "\n";
  if (settings.hosts.uptimeKuma) {
    return {
      [CADDYFILE]: file(grafanaSite(settings, options)),
      [UPTIME_KUMA_CADDYFILE]: file(statusPageSite(settings, options)),
    };
  }
  return { [CADDYFILE]: file(grafanaSite(settings, options), statusPageSite(settings, options)) };
}

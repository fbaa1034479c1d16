// Every image the stacks deploy, pinned to an exact release (the one place to bump them). Configs rendered
// in config/ stay within what both these images and the Debian test binaries (Prometheus 2.42,
// Alertmanager 0.25, ...) accept.
export const IMAGES = {
  prometheus: "prom/prometheus:v2.53.4",
  alertmanager: "prom/alertmanager:v0.27.0",
  pushgateway: "prom/pushgateway:v1.11.1",
  loki: "grafana/loki:3.4.3",
  grafana: "grafana/grafana:11.6.1",
  alloy: "grafana/alloy:v1.8.3",
  uptimeKuma: "louislam/uptime-kuma:2.0.2",
  caddy: "caddy:2.9.1-alpine",
  nodeExporter: "prom/node-exporter:v1.9.1",
  postgresExporter: "quay.io/prometheuscommunity/postgres-exporter:v0.17.1",
  redisExporter: "oliver006/redis_exporter:v1.70.0",
} as const;

export type ImageName = keyof typeof IMAGES;

/** An exact version: a tag that is a version number (no latest, no floating major), or a digest. */
export function isPinned(image: string): boolean {
  return /@sha256:[0-9a-f]{64}$/.test(image) || /:v?\d+\.\d+\.\d+(-[a-z0-9.]+)?$/.test(image);
}

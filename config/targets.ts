// Every scrape target of a monitoring stack: the single source for prometheus.yml and for the exporters the
// container components deploy. Pure: the addresses come from the settings (static private IPs) or, in the
// local profile, from the sandbox's ports.
import type { Addressing, Job } from "./renderOptions";
import type { MonitoringStackSettings } from "./settings";

/** Standard ports of the services and exporters on the private network. */
export const STANDARD_PORTS = {
  nodeExporter: 9100,
  postgresExporter: 9187,
  redisExporter: 9121,
  prometheus: 9090,
  alertmanager: 9093,
  loki: 3100,
  grafana: 3000,
  uptimeKuma: 3001,
  alloy: 12345,
  pushgateway: 9091,
  caddyAdmin: 2019,
} as const;

export type HostRole = "api" | "postgresql" | "redis" | "zitadel" | "monitoring" | "uptime-kuma";

export interface Host {
  /** Host name, used as the `instance` label of every target on it. */
  name: string;
  privateIp: string;
  role: HostRole;
}

export interface ScrapeTarget {
  job: Job;
  /** The host name (not host:port): alerts and dashboards read it. */
  instance: string;
  /** ip:port Prometheus scrapes. */
  address: string;
  metricsPath: string;
  scheme: "http" | "https";
}

/** The monitoring host's and the Uptime Kuma host's names (the settings give them no name). */
export const MONITORING_HOST_NAME = "monitoring";
export const UPTIME_KUMA_HOST_NAME = "uptime-kuma";

/** Every host of the stack: the RoadWave hosts and the monitoring hosts. Private IPs are unique (settings check). */
export function stackHosts(settings: MonitoringStackSettings): Host[] {
  const { monitored, hosts } = settings;
  return [
    ...monitored.api.map((api): Host => ({ name: api.name, privateIp: api.privateIp, role: "api" })),
    { name: monitored.postgresql.name, privateIp: monitored.postgresql.privateIp, role: "postgresql" },
    { name: monitored.redis.name, privateIp: monitored.redis.privateIp, role: "redis" },
    { name: monitored.zitadel.name, privateIp: monitored.zitadel.privateIp, role: "zitadel" },
    { name: MONITORING_HOST_NAME, privateIp: hosts.monitoring.privateIp, role: "monitoring" },
    ...(hosts.uptimeKuma
      ? [{ name: UPTIME_KUMA_HOST_NAME, privateIp: hosts.uptimeKuma.privateIp, role: "uptime-kuma" } as Host]
      : []),
  ];
}

/**
 * The Pushgateway that receives the DR drill's results runs on the staging monitoring host only: the drill
 * restores prod's backup on the staging network (DESIGN.md), so staging's Prometheus alerts on it.
 */
export function hasPushgateway(settings: MonitoringStackSettings): boolean {
  return settings.environment === "staging";
}

interface DeployedTarget {
  job: Job;
  instance: string;
  ip: string;
  port: number;
  metricsPath?: string;
}

function deployedTargets(settings: MonitoringStackSettings): DeployedTarget[] {
  const { monitored } = settings;
  const hosts = stackHosts(settings);
  const monitoring = { instance: MONITORING_HOST_NAME, ip: settings.hosts.monitoring.privateIp };
  // Uptime Kuma shares the monitoring host when the stack has no host of its own for it (staging).
  const uptimeKuma = settings.hosts.uptimeKuma
    ? { instance: UPTIME_KUMA_HOST_NAME, ip: settings.hosts.uptimeKuma.privateIp }
    : monitoring;
  const targets: DeployedTarget[] = [
    ...monitored.api.map((api) => ({ job: "roadwave-api" as const, instance: api.name, ip: api.privateIp, port: api.metricsPort })),
    { job: "postgresql", instance: monitored.postgresql.name, ip: monitored.postgresql.privateIp, port: STANDARD_PORTS.postgresExporter },
    { job: "redis", instance: monitored.redis.name, ip: monitored.redis.privateIp, port: STANDARD_PORTS.redisExporter },
    {
      job: "zitadel",
      instance: monitored.zitadel.name,
      ip: monitored.zitadel.privateIp,
      port: monitored.zitadel.metricsPort,
      metricsPath: monitored.zitadel.metricsPath,
    },
    ...hosts.map((h) => ({ job: "node" as const, instance: h.name, ip: h.privateIp, port: STANDARD_PORTS.nodeExporter })),
    { job: "prometheus", ...monitoring, port: STANDARD_PORTS.prometheus },
    { job: "alertmanager", ...monitoring, port: STANDARD_PORTS.alertmanager },
    { job: "loki", ...monitoring, port: STANDARD_PORTS.loki },
    { job: "grafana", ...monitoring, port: STANDARD_PORTS.grafana },
    { job: "uptime-kuma", ...uptimeKuma, port: STANDARD_PORTS.uptimeKuma },
    // Alloy ships the Docker logs of every host, so it runs (and is scraped) everywhere.
    ...hosts.map((h) => ({ job: "alloy" as const, instance: h.name, ip: h.privateIp, port: STANDARD_PORTS.alloy })),
  ];
  if (hasPushgateway(settings)) targets.push({ job: "pushgateway", ...monitoring, port: STANDARD_PORTS.pushgateway });
  return targets;
}

/**
 * Every scrape target, in a stable order. In the local profile each target is on 127.0.0.1 at the port the
 * sandbox gives it; a target without a local port is left out.
 */
export function scrapeTargets(settings: MonitoringStackSettings, addressing: Addressing): ScrapeTarget[] {
  const result: ScrapeTarget[] = [];
  for (const t of deployedTargets(settings)) {
    let address: string;
    if (addressing.profile === "deployed") {
      address = `${t.ip}:${t.port}`;
    } else {
      const port = addressing.ports[t.job]?.[t.instance];
      if (port === undefined) continue;
      address = `127.0.0.1:${port}`;
    }
    result.push({ job: t.job, instance: t.instance, address, metricsPath: t.metricsPath ?? "/metrics", scheme: "http" });
  }
  return result;
}

// Where the monitoring services listen, as the other services' configurations need it. The scrape target
// list of config/targets.ts is the single source: in a deployed stack that is a host's private IP and the
// standard port, in the local sandbox 127.0.0.1 and the port the sandbox gave the job.
import type { Addressing } from "./renderOptions";
import type { MonitoringStackSettings } from "./settings";
import { STANDARD_PORTS, scrapeTargets } from "./targets";

const SERVICE_PORTS = {
  prometheus: STANDARD_PORTS.prometheus,
  alertmanager: STANDARD_PORTS.alertmanager,
  loki: STANDARD_PORTS.loki,
  grafana: STANDARD_PORTS.grafana,
  "uptime-kuma": STANDARD_PORTS.uptimeKuma,
} as const;
export type MonitoringService = keyof typeof SERVICE_PORTS;

/**
 * "host:port" of a monitoring service as seen from the private network. A local sandbox that gave the job
 * no port gets 127.0.0.1 with the standard port (the file stays valid; nothing listens there).
 */
export function monitoringServiceAddress(
  settings: MonitoringStackSettings,
  addressing: Addressing,
  service: MonitoringService,
): string {
  const target = scrapeTargets(settings, addressing).find((t) => t.job === service);
  if (target) return target.address;
  if (addressing.profile === "local") return `127.0.0.1:${SERVICE_PORTS[service]}`;
  throw new Error(`no ${service} scrape target in the stack settings`);
}

/** The port a monitoring service listens on. */
export function monitoringServicePort(
  settings: MonitoringStackSettings,
  addressing: Addressing,
  service: MonitoringService,
): number {
  return Number(monitoringServiceAddress(settings, addressing, service).split(":")[1]);
}

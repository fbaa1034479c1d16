// How a configuration is rendered: where the targets are (the deployed private network, or every target on
// 127.0.0.1 for the local sandbox) and how fast things happen (production timings, or short ones for tests).
// Every renderer takes these options, so the sandbox changes nothing but this value.

/** The scrape jobs, one per kind of target (names are a contract with dashboards and alerts). */
export const JOBS = [
  "roadwave-api",
  "postgresql",
  "redis",
  "zitadel",
  "node",
  "prometheus",
  "alertmanager",
  "loki",
  "grafana",
  "uptime-kuma",
  "alloy",
  "pushgateway",
] as const;
export type Job = (typeof JOBS)[number];

export interface Timings {
  scrapeInterval: string;
  evaluationInterval: string;
  groupWait: string;
  groupInterval: string;
  repeatInterval: string;
  /** Multiplies every alert `for:` (1 in production). */
  forScale?: number;
  /** How often Alertmanager re-sends the always-firing Watchdog to Uptime Kuma's push monitor (default 1m). */
  watchdogRepeatInterval?: string;
}

export const DEFAULT_WATCHDOG_REPEAT = "1m";

export const PRODUCTION_TIMINGS: Timings = {
  scrapeInterval: "15s",
  evaluationInterval: "15s",
  groupWait: "30s",
  groupInterval: "5m",
  repeatInterval: "4h",
  forScale: 1,
  watchdogRepeatInterval: DEFAULT_WATCHDOG_REPEAT,
};

/**
 * The local port of every target, by job then by instance (the host name `scrapeTargets` gives it, e.g.
 * `{ "roadwave-api": { "api-1": 18080 }, node: { "db-1": 19100, monitoring: 19101 } }`). A target whose port
 * is missing is left out of the local configuration, so a sandbox runs only the processes it has.
 */
export type LocalPorts = Partial<Record<Job, Record<string, number>>>;

export type Addressing =
  /** Private IPs of the settings and the standard ports. */
  | { profile: "deployed" }
  /**
   * Every target on 127.0.0.1 with its own port (sandbox). `filesDir`: absolute path of the sandbox's copy of
   * the files tree (the counterpart of the /etc/<service> mounts), where Alertmanager's secret files are read
   * from; without it they are relative to Alertmanager's working directory. `smtpSmarthost`: host:port of a
   * stand-in SMTP server, spoken to without STARTTLS (the settings' relay otherwise).
   */
  | { profile: "local"; ports: LocalPorts; filesDir?: string; smtpSmarthost?: string };

export interface RenderOptions {
  addressing: Addressing;
  timings: Timings;
}

export const DEPLOYED: RenderOptions = { addressing: { profile: "deployed" }, timings: PRODUCTION_TIMINGS };

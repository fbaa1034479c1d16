// The containers of every host, as data: image, command, ports, data directories, files, memory limit,
// healthcheck, user. components/hostContainers.ts places them; the tests check them (pinned images, only
// Caddy public, memory within the flavor, every scrape target served by a container and vice versa).
import { ALLOY_HOST_ENV } from "./alloy";
import { DATA_MOUNT } from "./cloudInit";
import { FLAVOR_SIZES } from "./flavors";
import { GRAFANA_DASHBOARDS_DIR } from "./grafanaDatasources";
import type { ImageName } from "./images";
import { LOKI_DATA_DIR } from "./loki";
import { alertmanagerFlags } from "./renderAlertmanager";
import type { Job } from "./renderOptions";
import { prometheusFlags } from "./renderPrometheus";
import { TEXTFILE_COLLECTOR_DIR } from "./pgbackrest";
import type { MonitoringStackSettings, SecretName } from "./settings";
import { hasPushgateway, MONITORING_HOST_NAME, STANDARD_PORTS, stackHosts, UPTIME_KUMA_HOST_NAME, type Host } from "./targets";

/** The pg_monitor login role postgres_exporter connects as. */
export const POSTGRES_EXPORTER_ROLE = "roadwave_exporter";

/** A secret a container receives: one of the stack's secrets, or one this program generates. */
export type ContainerSecret = SecretName | "grafanaAdminPassword";

export interface PublishedPort {
  internal: number;
  external: number;
  /** The host address it binds: the private IP or 127.0.0.1; 0.0.0.0 only for Caddy's 80/443. */
  ip: string;
}

export interface Bind {
  hostPath: string;
  containerPath: string;
  readOnly?: boolean;
}

export interface ContainerSpec {
  name: string;
  image: ImageName;
  command?: string[];
  env?: Record<string, string>;
  /** Environment variables whose values are secrets. */
  secretEnv?: Record<string, ContainerSecret>;
  /** uid:gid the process runs as (the image's own non-root user where it has one). */
  user?: string;
  /** "stack": the host's Docker network (containers reach each other by name); "host": the host's network. */
  network: "stack" | "host";
  ports: PublishedPort[];
  binds: Bind[];
  /** Host directories to create, with their owner, before the container starts. */
  dataDirs: { path: string; owner: string }[];
  /** Rendered files (paths in the files tree) and where their directory goes in the container. */
  files: { prefix: string; containerDir: string }[];
  /** Secret files (paths in the secret files tree), uploaded like `files` but readable by `user` only. */
  secretFiles: { prefix: string; containerDir: string }[];
  memoryMiB: number;
  healthcheck: string[];
  pidHost?: boolean;
  /** The metrics endpoint Prometheus scrapes on this container, if any. */
  metrics?: { job: Job; port: number };
}

export interface HostContainers {
  host: Host;
  containers: ContainerSpec[];
}

const NOBODY = "65534:65534";
const wget = (url: string) => ["CMD", "wget", "-q", "-O", "/dev/null", url];

function data(service: string): string {
  return `${DATA_MOUNT}/${service}`;
}

/** Share of the host's memory for the memory-hungry services; the rest have fixed limits. */
function share(hostMemoryMiB: number, fraction: number): number {
  return Math.floor((hostMemoryMiB * fraction) / 64) * 64;
}

function nodeExporter(host: Host): ContainerSpec {
  return {
    name: "node-exporter",
    image: "nodeExporter",
    user: NOBODY,
    network: "host",
    pidHost: true,
    command: [
      "--path.rootfs=/host",
      `--web.listen-address=${host.privateIp}:${STANDARD_PORTS.nodeExporter}`,
      `--collector.textfile.directory=${TEXTFILE_COLLECTOR_DIR}`,
    ],
    ports: [],
    binds: [
      { hostPath: "/", containerPath: "/host", readOnly: true },
      { hostPath: TEXTFILE_COLLECTOR_DIR, containerPath: TEXTFILE_COLLECTOR_DIR, readOnly: true },
    ],
    dataDirs: [{ path: TEXTFILE_COLLECTOR_DIR, owner: "0:0" }],
    files: [],
    secretFiles: [],
    memoryMiB: 128,
    healthcheck: wget(`http://${host.privateIp}:${STANDARD_PORTS.nodeExporter}/metrics`),
    metrics: { job: "node", port: STANDARD_PORTS.nodeExporter },
  };
}

function alloy(host: Host): ContainerSpec {
  const listen = `${host.privateIp}:${STANDARD_PORTS.alloy}`;
  return {
    name: "alloy",
    image: "alloy",
    // Root: it reads the Docker socket (the image has no docker group).
    user: "0:0",
    network: "host",
    command: ["run", `--server.http.listen-addr=${listen}`, "--storage.path=/var/lib/alloy/data", "/etc/alloy/config.alloy"],
    env: { [ALLOY_HOST_ENV]: host.name },
    ports: [],
    binds: [
      { hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock", readOnly: true },
      { hostPath: data("alloy"), containerPath: "/var/lib/alloy/data" },
    ],
    dataDirs: [{ path: data("alloy"), owner: "0:0" }],
    files: [{ prefix: "alloy/", containerDir: "/etc/alloy/" }],
    secretFiles: [],
    memoryMiB: 384,
    // The image (Ubuntu) has bash but no HTTP client: a TCP connect proves the server listens.
    healthcheck: ["CMD", "bash", "-c", `exec 3<>/dev/tcp/${host.privateIp}/${STANDARD_PORTS.alloy}`],
    metrics: { job: "alloy", port: STANDARD_PORTS.alloy },
  };
}

function caddy(caddyfileDir: string): ContainerSpec {
  return {
    name: "caddy",
    image: "caddy",
    network: "stack",
    // The only public ports of the stack: HTTPS and the ACME HTTP challenge / redirect.
    ports: [
      { internal: 80, external: 80, ip: "0.0.0.0" },
      { internal: 443, external: 443, ip: "0.0.0.0" },
    ],
    binds: [
      { hostPath: data("caddy"), containerPath: "/data" },
      { hostPath: data("caddy-config"), containerPath: "/config" },
    ],
    dataDirs: [
      { path: data("caddy"), owner: "0:0" },
      { path: data("caddy-config"), owner: "0:0" },
    ],
    files: [{ prefix: caddyfileDir, containerDir: "/etc/caddy/" }],
    secretFiles: [],
    memoryMiB: 192,
    // Caddy's admin API listens on localhost inside the container only.
    healthcheck: wget("http://127.0.0.1:2019/config/"),
  };
}

function uptimeKuma(host: Host): ContainerSpec {
  return {
    name: "uptime-kuma",
    image: "uptimeKuma",
    network: "stack",
    ports: [{ internal: STANDARD_PORTS.uptimeKuma, external: STANDARD_PORTS.uptimeKuma, ip: host.privateIp }],
    // SQLite: skips 2.x's first-start database wizard.
    env: { UPTIME_KUMA_DB_TYPE: "sqlite", DATA_DIR: "/app/data" },
    binds: [{ hostPath: data("uptime-kuma"), containerPath: "/app/data" }],
    dataDirs: [{ path: data("uptime-kuma"), owner: "0:0" }],
    files: [],
    secretFiles: [],
    memoryMiB: 512,
    healthcheck: ["CMD", "node", "-e", "fetch('http://127.0.0.1:3001/api/entry-page').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"],
    metrics: { job: "uptime-kuma", port: STANDARD_PORTS.uptimeKuma },
  };
}

function monitoringHost(settings: MonitoringStackSettings, host: Host): ContainerSpec[] {
  const memory = (FLAVOR_SIZES[settings.hosts.monitoring.flavor] as { memoryMiB: number }).memoryMiB;
  const onPrivateIp = (port: number): PublishedPort[] => [{ internal: port, external: port, ip: host.privateIp }];
  const smtp = settings.alerting.smtp;
  const specs: ContainerSpec[] = [
    {
      name: "prometheus",
      image: "prometheus",
      user: NOBODY,
      network: "stack",
      command: prometheusFlags(settings),
      ports: onPrivateIp(STANDARD_PORTS.prometheus),
      binds: [{ hostPath: data("prometheus"), containerPath: "/prometheus" }],
      dataDirs: [{ path: data("prometheus"), owner: NOBODY }],
      files: [{ prefix: "prometheus/", containerDir: "/etc/prometheus/" }],
      secretFiles: [{ prefix: "prometheus/", containerDir: "/etc/prometheus/" }],
      memoryMiB: share(memory, 0.3),
      healthcheck: wget(`http://127.0.0.1:${STANDARD_PORTS.prometheus}/-/healthy`),
      metrics: { job: "prometheus", port: STANDARD_PORTS.prometheus },
    },
    {
      name: "alertmanager",
      image: "alertmanager",
      user: NOBODY,
      network: "stack",
      command: alertmanagerFlags(),
      ports: onPrivateIp(STANDARD_PORTS.alertmanager),
      // Silences and the notification log survive restarts and upgrades.
      binds: [{ hostPath: data("alertmanager"), containerPath: "/alertmanager" }],
      dataDirs: [{ path: data("alertmanager"), owner: NOBODY }],
      files: [{ prefix: "alertmanager/", containerDir: "/etc/alertmanager/" }],
      secretFiles: [{ prefix: "alertmanager/", containerDir: "/etc/alertmanager/" }],
      memoryMiB: 256,
      healthcheck: wget(`http://127.0.0.1:${STANDARD_PORTS.alertmanager}/-/healthy`),
      metrics: { job: "alertmanager", port: STANDARD_PORTS.alertmanager },
    },
    {
      name: "loki",
      image: "loki",
      user: "10001:10001",
      network: "stack",
      command: ["-config.file=/etc/loki/loki.yaml"],
      ports: onPrivateIp(STANDARD_PORTS.loki),
      binds: [{ hostPath: data("loki"), containerPath: LOKI_DATA_DIR }],
      dataDirs: [{ path: data("loki"), owner: "10001:10001" }],
      files: [{ prefix: "loki/", containerDir: "/etc/loki/" }],
      secretFiles: [],
      memoryMiB: share(memory, 0.15),
      healthcheck: wget(`http://127.0.0.1:${STANDARD_PORTS.loki}/ready`),
      metrics: { job: "loki", port: STANDARD_PORTS.loki },
    },
    {
      name: "grafana",
      image: "grafana",
      user: "472:0",
      network: "stack",
      env: {
        GF_SERVER_ROOT_URL: `https://${settings.domains.grafana}`,
        GF_SERVER_DOMAIN: settings.domains.grafana,
        GF_SECURITY_ADMIN_USER: "admin",
        GF_SECURITY_COOKIE_SECURE: "true",
        GF_AUTH_ANONYMOUS_ENABLED: "false",
        GF_USERS_ALLOW_SIGN_UP: "false",
        GF_ANALYTICS_REPORTING_ENABLED: "false",
        GF_SMTP_ENABLED: "true",
        GF_SMTP_HOST: `${smtp.host}:${smtp.port}`,
        GF_SMTP_USER: smtp.username,
        GF_SMTP_FROM_ADDRESS: settings.alerting.emailFrom,
      },
      secretEnv: { GF_SECURITY_ADMIN_PASSWORD: "grafanaAdminPassword", GF_SMTP_PASSWORD: "smtpPassword" },
      ports: onPrivateIp(STANDARD_PORTS.grafana),
      binds: [{ hostPath: data("grafana"), containerPath: "/var/lib/grafana" }],
      dataDirs: [{ path: data("grafana"), owner: "472:0" }],
      files: [
        { prefix: "grafana/provisioning/", containerDir: "/etc/grafana/provisioning/" },
        { prefix: "grafana/dashboards/", containerDir: `${GRAFANA_DASHBOARDS_DIR}/` },
      ],
      secretFiles: [],
      memoryMiB: share(memory, 0.08),
      healthcheck: wget(`http://127.0.0.1:${STANDARD_PORTS.grafana}/api/health`),
      metrics: { job: "grafana", port: STANDARD_PORTS.grafana },
    },
    alloy(host),
    nodeExporter(host),
    caddy("caddy/"),
  ];
  if (!settings.hosts.uptimeKuma) specs.push(uptimeKuma(host));
  if (hasPushgateway(settings)) {
    specs.push({
      name: "pushgateway",
      image: "pushgateway",
      user: NOBODY,
      network: "stack",
      command: ["--persistence.file=/data/pushgateway.db", `--web.listen-address=0.0.0.0:${STANDARD_PORTS.pushgateway}`],
      ports: onPrivateIp(STANDARD_PORTS.pushgateway),
      binds: [{ hostPath: data("pushgateway"), containerPath: "/data" }],
      dataDirs: [{ path: data("pushgateway"), owner: NOBODY }],
      files: [],
      secretFiles: [],
      memoryMiB: 128,
      healthcheck: wget(`http://127.0.0.1:${STANDARD_PORTS.pushgateway}/-/healthy`),
      metrics: { job: "pushgateway", port: STANDARD_PORTS.pushgateway },
    });
  }
  return specs;
}

function monitoredHost(settings: MonitoringStackSettings, host: Host): ContainerSpec[] {
  const specs = [nodeExporter(host), alloy(host)];
  if (host.role === "postgresql") {
    const listen = `${host.privateIp}:${STANDARD_PORTS.postgresExporter}`;
    specs.push({
      name: "postgres-exporter",
      image: "postgresExporter",
      user: NOBODY,
      // Host network: PostgreSQL is reached on 127.0.0.1 and the exporter listens on the private IP only.
      network: "host",
      command: [`--web.listen-address=${listen}`, "--extend.query-path=/etc/postgres-exporter/queries.yaml"],
      secretEnv: { DATA_SOURCE_NAME: "postgresExporterPassword" },
      ports: [],
      binds: [],
      dataDirs: [],
      files: [{ prefix: "postgres-exporter/", containerDir: "/etc/postgres-exporter/" }],
      secretFiles: [],
      memoryMiB: 256,
      healthcheck: wget(`http://${listen}/metrics`),
      metrics: { job: "postgresql", port: STANDARD_PORTS.postgresExporter },
    });
  }
  if (host.role === "redis") {
    const listen = `${host.privateIp}:${STANDARD_PORTS.redisExporter}`;
    specs.push({
      name: "redis-exporter",
      image: "redisExporter",
      user: "59000:59000",
      network: "host",
      env: { REDIS_ADDR: `redis://127.0.0.1:${settings.monitored.redis.port}`, REDIS_EXPORTER_WEB_LISTEN_ADDRESS: listen },
      secretEnv: { REDIS_PASSWORD: "redisPassword" },
      ports: [],
      binds: [],
      dataDirs: [],
      files: [],
      secretFiles: [],
      memoryMiB: 128,
      // The image is FROM scratch (no shell, no client): the binary's own -version proves it can run; whether it
      // serves is Prometheus's `up{job="redis"}` (TargetDown).
      healthcheck: ["CMD", "/redis_exporter", "-version"],
      metrics: { job: "redis", port: STANDARD_PORTS.redisExporter },
    });
  }
  return specs;
}

/** The containers of every host of a monitoring stack. */
export function stackContainers(settings: MonitoringStackSettings): HostContainers[] {
  return stackHosts(settings).map((host) => {
    if (host.name === MONITORING_HOST_NAME) return { host, containers: monitoringHost(settings, host) };
    if (host.name === UPTIME_KUMA_HOST_NAME) {
      return { host, containers: [uptimeKuma(host), caddy("caddy-uptime-kuma/"), nodeExporter(host), alloy(host)] };
    }
    return { host, containers: monitoredHost(settings, host) };
  });
}

/** The value of a secret environment variable, from the secret itself (DSNs are built here). */
export function secretEnvValue(settings: MonitoringStackSettings, variable: string, secret: string): string {
  if (variable === "DATA_SOURCE_NAME") {
    const password = encodeURIComponent(secret);
    return `postgresql://${POSTGRES_EXPORTER_ROLE}:${password}@127.0.0.1:${settings.monitored.postgresql.port}/postgres?sslmode=disable`;
  }
  return secret;
}

/** Memory of the containers of a host against its flavor: the limits must leave a fifth for the OS and caches. */
export function memoryBudget(flavor: string, containers: ContainerSpec[]): { limitMiB: number; hostMiB: number; fits: boolean } {
  const hostMiB = (FLAVOR_SIZES[flavor] as { memoryMiB: number }).memoryMiB;
  const limitMiB = containers.reduce((sum, c) => sum + c.memoryMiB, 0);
  return { limitMiB, hostMiB, fits: limitMiB <= hostMiB * 0.8 };
}

/** The rendered files a container receives, by container path. */
export function containerUploads(spec: ContainerSpec, files: Record<string, string>, mapping: ContainerSpec["files"] = spec.files): Record<string, string> {
  const uploads: Record<string, string> = {};
  for (const { prefix, containerDir } of mapping) {
    for (const [path, content] of Object.entries(files)) {
      if (path.startsWith(prefix)) uploads[`${containerDir}${path.slice(prefix.length)}`] = content;
    }
  }
  return uploads;
}

/**
 * SQL that creates (or updates) postgres_exporter's login role with pg_monitor, idempotently. Sent on
 * stdin, never on a command line.
 */
export function postgresExporterRoleSql(password: string): string {
  const literal = `'${password.replace(/'/g, "''")}'`;
  return [
    "DO $$ BEGIN",
    `  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${POSTGRES_EXPORTER_ROLE}') THEN CREATE ROLE ${POSTGRES_EXPORTER_ROLE} LOGIN; END IF;`,
    "END $$;",
    `ALTER ROLE ${POSTGRES_EXPORTER_ROLE} WITH LOGIN PASSWORD ${literal} CONNECTION LIMIT 5;`,
    `GRANT pg_monitor TO ${POSTGRES_EXPORTER_ROLE};`,
    "",
  ].join("\n");
}

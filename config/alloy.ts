// Grafana Alloy on every host: reads the logs of every Docker container through the Docker socket and ships
// them to Loki on the monitoring host over the private network. The same file serves every host; the host
// name comes from the environment variable ALLOY_HOST_ENV that the Alloy container sets.
//
// Labels: `app` (the container's label roadwave.app, else its Compose service, else its name: the RoadWave
// API's container must be labelled or named roadwave-api, the name ADR-024's queries use), `container`,
// `environment`, `host`.
import { monitoringServiceAddress } from "./monitoringServices";
import type { RenderOptions } from "./renderOptions";
import type { MonitoringStackSettings } from "./settings";

/** The environment variable that gives Alloy its host's name (the `instance` name of config/targets.ts). */
export const ALLOY_HOST_ENV = "ROADWAVE_HOST";
/** Docker socket, mounted read-only into the Alloy container. */
export const DOCKER_SOCKET = "unix:///var/run/docker.sock";
/** Docker label a container can carry to choose its `app` label. */
export const APP_LABEL = "roadwave.app";

export function lokiPushUrl(settings: MonitoringStackSettings, options: RenderOptions): string {
  return `http://${monitoringServiceAddress(settings, options.addressing, "loki")}/loki/api/v1/push`;
}

/** Alloy syntax string literal. */
const str = (value: string) => JSON.stringify(value);

/** Docker metadata label of a container label (Docker's discovery replaces . and - with _). */
const dockerLabel = (name: string) => `__meta_docker_container_label_${name.replace(/[^a-zA-Z0-9_]/g, "_")}`;

/** alloy/config.alloy */
export function renderAlloyConfig(settings: MonitoringStackSettings, options: RenderOptions): string {
  const rule = (lines: string[]) => ["  rule {", ...lines.map((l) => `    ${l}`), "  }"];
  return [
    "// Rendered by roadwave-monitoring (config/alloy.ts): do not edit on the host.",
    `// Ships every Docker container's logs of this host to Loki (${settings.environment}).`,
    "",
    'discovery.docker "containers" {',
    `  host             = ${str(DOCKER_SOCKET)}`,
    '  refresh_interval = "30s"',
    "}",
    "",
    "// Rules run in order: app = container name, then the Compose service, then the roadwave.app label.",
    'discovery.relabel "containers" {',
    "  targets = discovery.docker.containers.targets",
    "",
    ...rule([
      'source_labels = ["__meta_docker_container_name"]',
      'regex         = "/?(.*)"',
      'target_label  = "container"',
    ]),
    ...rule([
      'source_labels = ["__meta_docker_container_name"]',
      'regex         = "/?(.*)"',
      'target_label  = "app"',
    ]),
    ...rule([
      `source_labels = [${str(dockerLabel("com.docker.compose.service"))}]`,
      'regex         = "(.+)"',
      'target_label  = "app"',
    ]),
    ...rule([`source_labels = [${str(dockerLabel(APP_LABEL))}]`, 'regex         = "(.+)"', 'target_label  = "app"']),
    "}",
    "",
    'loki.source.docker "containers" {',
    `  host          = ${str(DOCKER_SOCKET)}`,
    "  targets       = discovery.docker.containers.targets",
    "  relabel_rules = discovery.relabel.containers.rules",
    "  forward_to    = [loki.write.monitoring.receiver]",
    "}",
    "",
    'loki.write "monitoring" {',
    "  endpoint {",
    `    url = ${str(lokiPushUrl(settings, options))}`,
    "  }",
    "",
    "  external_labels = {",
    `    environment = ${str(settings.environment)},`,
    `    host        = sys.env(${str(ALLOY_HOST_ENV)}),`,
    "  }",
    "}",
    "",
  ].join("\n");
}

import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { StackSecrets } from "../config/loadSettings";
import { secretEnvValue, type ContainerSecret, type HostContainers as HostContainerSpecs } from "../config/containers";
import { renderAllFiles } from "../config/renderFiles";
import { alertmanagerSecretFiles, placeholderAlertmanagerSecrets, renderAlertmanagerConfig } from "../config/renderAlertmanager";
import { DEPLOYED } from "../config/renderOptions";
import { prometheusSecretFiles } from "../config/renderPrometheus";
import type { MonitoringStackSettings, SecretName } from "../config/settings";
import type { HostConnection } from "./dockerHost";
import { HostContainers } from "./hostContainers";

/** A host that runs monitoring services: its Docker provider and SSH connection. */
export interface ServiceHost {
  specs: HostContainerSpecs;
  provider: docker.Provider;
  connection: HostConnection;
  ready: pulumi.Resource;
}

export interface MonitoringServicesArgs {
  settings: MonitoringStackSettings;
  secrets: StackSecrets;
  /** The monitoring host, and in prod the Uptime Kuma host. */
  hosts: ServiceHost[];
  /** Uptime Kuma push URL of the Watchdog heartbeat monitor (secret: the token is the credential). */
  watchdogPushUrl: pulumi.Output<string>;
  /** The rendered files without secrets (`plainServiceFiles`). */
  files: Record<string, string>;
}

const ALERTMANAGER_CONFIG = "alertmanager/alertmanager.yml";

/** Every rendered file without a secret in it, rendered once for the deployed stack. */
export function plainServiceFiles(settings: MonitoringStackSettings): Record<string, string> {
  const files = renderAllFiles(settings, placeholderAlertmanagerSecrets(settings), DEPLOYED);
  // alertmanager.yml inlines the Watchdog push URL: it is rendered with the real value, as a secret.
  delete files[ALERTMANAGER_CONFIG];
  return files;
}

/**
 * The monitoring services of a stack as containers on its monitoring host(s): Prometheus, Alertmanager,
 * Loki, Grafana (with a generated admin password), Alloy, node exporter, Caddy, Uptime Kuma, and the
 * Pushgateway in staging. Secrets reach them only as secret files and secret environment variables.
 */
export class MonitoringServices extends pulumi.ComponentResource {
  readonly grafanaAdminPassword: pulumi.Output<string>;
  /** The Uptime Kuma container (its checks are configured once it runs). */
  readonly uptimeKuma: docker.Container;

  constructor(name: string, args: MonitoringServicesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("roadwave:monitoring:MonitoringServices", name, {}, opts);
    const { settings, secrets } = args;

    const grafanaPassword = new random.RandomPassword(`${name}-grafana-admin-password`, { length: 32, special: false }, { parent: this });
    this.grafanaAdminPassword = pulumi.secret(grafanaPassword.result);

    const names = Object.keys(secrets) as SecretName[];
    const secretValues = pulumi.all(names.map((n) => secrets[n] as pulumi.Output<string>)).apply((values) =>
      Object.fromEntries(names.map((n, i) => [n, values[i] as string])) as Partial<Record<SecretName, string>>,
    );
    const secretFiles = pulumi.secret(
      pulumi.all([secretValues, args.watchdogPushUrl]).apply(([values, watchdogPushUrl]): Record<string, string> => ({
        [ALERTMANAGER_CONFIG]: renderAlertmanagerConfig(settings, { ...values, watchdogPushUrl }, DEPLOYED),
        ...alertmanagerSecretFiles({ ...values, watchdogPushUrl }),
        ...prometheusSecretFiles(values),
      })),
    );

    const secretEnv = (variable: string, secret: ContainerSecret): pulumi.Output<string> | undefined => {
      const value = secret === "grafanaAdminPassword" ? grafanaPassword.result : secrets[secret];
      return value ? pulumi.secret(value.apply((v) => secretEnvValue(settings, variable, v))) : undefined;
    };

    let uptimeKuma: docker.Container | undefined;
    for (const host of args.hosts) {
      const placed = new HostContainers(
        `${name}-${host.specs.host.name}`,
        {
          hostName: host.specs.host.name,
          specs: host.specs.containers,
          provider: host.provider,
          connection: host.connection,
          files: args.files,
          secretFiles,
          secretEnv,
          dependsOn: [host.ready],
        },
        { parent: this },
      );
      uptimeKuma ??= placed.containers["uptime-kuma"];
    }
    if (!uptimeKuma) throw new Error("no host runs the uptime-kuma container");
    this.uptimeKuma = uptimeKuma;
    this.registerOutputs({ grafanaAdminPassword: this.grafanaAdminPassword });
  }
}

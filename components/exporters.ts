import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { postgresExporterRoleSql, secretEnvValue, type ContainerSecret, type HostContainers as HostContainerSpecs } from "../config/containers";
import type { StackSecrets } from "../config/loadSettings";
import type { MonitoringStackSettings } from "../config/settings";
import { HostContainers } from "./hostContainers";

export interface ExportersArgs {
  settings: MonitoringStackSettings;
  secrets: StackSecrets;
  /** The RoadWave hosts and their exporter containers (config/containers.ts). */
  hosts: HostContainerSpecs[];
  /** Rendered files the exporters read (postgres_exporter's queries). */
  files: Record<string, string>;
  /** The monitoring host's public address: the SSH jump host to the private RoadWave hosts. */
  jumpHost: pulumi.Output<string>;
  sshPrivateKey: pulumi.Output<string>;
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * The exporters and the log shipper on the RoadWave hosts: node exporter and Alloy on each, postgres_exporter
 * (with its pg_monitor login role) next to PostgreSQL, redis_exporter next to Redis. The hosts are reached over
 * SSH through the monitoring host (they have no public SSH).
 */
export class Exporters extends pulumi.ComponentResource {
  constructor(name: string, args: ExportersArgs, opts?: pulumi.ComponentResourceOptions) {
    super("roadwave:monitoring:Exporters", name, {}, opts);
    const { settings, secrets } = args;
    const admin = settings.admin.sshUser;
    const user = settings.monitored.sshUser;

    const secretEnv = (variable: string, secret: ContainerSecret): pulumi.Output<string> | undefined => {
      const value = secret === "grafanaAdminPassword" ? undefined : secrets[secret];
      return value ? pulumi.secret(value.apply((v) => secretEnvValue(settings, variable, v))) : undefined;
    };

    for (const { host, containers } of args.hosts) {
      const connection = {
        host: host.privateIp,
        user,
        privateKey: args.sshPrivateKey,
        proxy: { host: args.jumpHost, user: admin, privateKey: args.sshPrivateKey },
      };
      const provider = new docker.Provider(
        `${name}-${host.name}-docker`,
        {
          host: `ssh://${user}@${host.privateIp}`,
          sshOpts: [
            "-o", pulumi.interpolate`ProxyJump=${admin}@${args.jumpHost}`,
            "-o", "StrictHostKeyChecking=accept-new", "-o", "ConnectTimeout=15", "-o", "ServerAliveInterval=15",
          ],
        },
        { parent: this },
      );
      const dependsOn: pulumi.Input<pulumi.Resource>[] = [...(args.dependsOn ?? [])];
      if (host.role === "postgresql") {
        const password = secrets.postgresExporterPassword;
        if (!password) throw new Error("secret postgresExporterPassword is required by postgres_exporter");
        dependsOn.push(
          new command.remote.Command(
            `${name}-${host.name}-exporter-role`,
            {
              connection,
              create: "sudo -u postgres psql -v ON_ERROR_STOP=1 -q -f -",
              stdin: pulumi.secret(password.apply(postgresExporterRoleSql)),
              logging: "stderr",
            },
            { parent: this, dependsOn: args.dependsOn },
          ),
        );
      }
      new HostContainers(
        `${name}-${host.name}`,
        {
          hostName: host.name,
          specs: containers,
          provider,
          connection,
          files: args.files,
          secretFiles: pulumi.secret<Record<string, string>>({}),
          secretEnv,
          dependsOn,
        },
        { parent: this },
      );
    }
    this.registerOutputs({});
  }
}

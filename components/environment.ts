import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { stackContainers } from "../config/containers";
import { hasPushgateway, STANDARD_PORTS } from "../config/targets";
import type { StackSecrets } from "../config/loadSettings";
import type { DrStackSettings, MonitoringStackSettings, Settings } from "../config/settings";
import { DATA_MOUNT } from "../config/cloudInit";
import { BackupAgent } from "./backupAgent";
import { BackupBucket } from "./backupBucket";
import { DrRestore } from "./drRestore";
import { DockerHost } from "./dockerHost";
import { watchdogPushUrl as kumaWatchdogPushUrl } from "../config/uptimeKuma";
import { Exporters } from "./exporters";
import { MonitoringServices, plainServiceFiles } from "./monitoringServices";
import { PrivateNetwork } from "./privateNetwork";
import { UptimeKumaChecks } from "./uptimeKuma/uptimeKumaChecks";

export interface MonitoringEnvironmentArgs {
  settings: Settings;
  secrets: StackSecrets;
}

const PUSHGATEWAY_PORT = STANDARD_PORTS.pushgateway;

/**
 * Everything one stack deploys. prod/staging: the private network, the monitoring host, (prod) the separate
 * Uptime Kuma host, the backup bucket. staging-dr: the restore host on the staging network, fed by the prod
 * stack's backup outputs.
 */
export class MonitoringEnvironment extends pulumi.ComponentResource {
  /** The stack outputs (secrets stay secret). */
  readonly outputs: Record<string, pulumi.Input<unknown>>;

  constructor(name: string, args: MonitoringEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("roadwave:environment:MonitoringEnvironment", name, {}, opts);
    this.outputs =
      args.settings.environment === "staging-dr"
        ? this.drStack(name, args.settings, args.secrets)
        : this.monitoringStack(name, args.settings, args.secrets);
    this.registerOutputs(this.outputs);
  }

  private monitoringStack(name: string, s: MonitoringStackSettings, secrets: StackSecrets): Record<string, pulumi.Input<unknown>> {
    const sshPrivateKey = required(secrets, "sshPrivateKey");
    const prod = s.environment === "prod";
    const network = new PrivateNetwork(
      `${name}-network`,
      {
        serviceName: s.ovh.serviceName,
        region: s.ovh.region,
        environment: s.environment,
        vlanId: s.network.vlanId,
        cidr: s.network.cidr,
        gatewayIp: s.network.gatewayIp,
        adminCidrs: s.admin.cidrs,
        roles: s.hosts.uptimeKuma ? ["monitoring", "uptime-kuma"] : ["monitoring"],
      },
      { parent: this },
    );
    const hostNetwork = { networkId: network.networkId, subnetId: network.subnetId, gatewayId: network.gatewayId, cidr: s.network.cidr };
    const common = { serviceName: s.ovh.serviceName, region: s.ovh.region, environment: s.environment, network: hostNetwork, admin: s.admin, sshPrivateKey, protectData: prod };

    const monitoring = new DockerHost(`${name}-monitoring`, { ...common, role: "monitoring", instance: s.hosts.monitoring }, { parent: this });
    const uptimeKuma = s.hosts.uptimeKuma
      ? new DockerHost(`${name}-uptime-kuma`, { ...common, role: "uptime-kuma", instance: s.hosts.uptimeKuma }, { parent: this })
      : undefined;

    // The Watchdog heartbeat: Alertmanager pushes it to an Uptime Kuma push monitor; the token is its credential.
    const watchdogToken = new random.RandomPassword(`${name}-watchdog-push-token`, { length: 32, special: false }, { parent: this });
    const kumaHost = uptimeKuma ?? monitoring;
    const watchdogPushUrl = pulumi.secret(watchdogToken.result.apply((token) => kumaWatchdogPushUrl(s, token)));

    const containers = stackContainers(s);
    const serviceHosts = [monitoring, ...(uptimeKuma ? [uptimeKuma] : [])].map((host) => {
      const specs = containers.find((c) => c.host.privateIp === host.privateIp);
      if (!specs || !host.dockerProvider) throw new Error(`no containers for host ${host.name}`);
      return { specs, provider: host.dockerProvider, connection: host.connection, ready: host.ready };
    });
    const files = plainServiceFiles(s);
    const services = new MonitoringServices(`${name}-services`, { settings: s, secrets, hosts: serviceHosts, watchdogPushUrl, files }, { parent: this });
    new UptimeKumaChecks(
      `${name}-uptime-kuma-checks`,
      { settings: s, secrets, ssh: kumaHost.connection, watchdogPushToken: watchdogToken.result, dependsOn: [services.uptimeKuma] },
      { parent: this },
    );
    new Exporters(
      `${name}-exporters`,
      {
        settings: s,
        secrets,
        hosts: containers.filter((c) => !serviceHosts.some((h) => h.specs === c)),
        files,
        jumpHost: monitoring.publicIp,
        sshPrivateKey,
        dependsOn: [monitoring.ready],
      },
      { parent: this },
    );

    const outputs: Record<string, pulumi.Input<unknown>> = {
      environment: s.environment,
      privateNetworkId: network.networkId,
      privateSubnetId: network.subnetId,
      gatewayId: network.gatewayId,
      monitoringPublicIp: monitoring.publicIp,
      monitoringPrivateIp: monitoring.privateIp,
      uptimeKumaPublicIp: kumaHost.publicIp,
      uptimeKumaPrivateIp: kumaHost.privateIp,
      grafanaUrl: `https://${s.domains.grafana}`,
      statusPageUrl: `https://${s.domains.statusPage}/status/${s.uptimeKuma.statusPageSlug}`,
      grafanaAdminPassword: services.grafanaAdminPassword,
    };
    // The DR drill (staging-dr) reports to the staging Pushgateway.
    if (hasPushgateway(s)) outputs.pushgatewayUrl = `http://${monitoring.privateIp}:${PUSHGATEWAY_PORT}`;

    if (s.backup) {
      const bucket = new BackupBucket(
        `${name}-backups`,
        {
          serviceName: s.ovh.serviceName,
          environment: s.environment,
          bucketName: s.backup.bucketName,
          region: s.backup.region,
          retentionDays: s.retention.backupDays,
          protect: prod,
        },
        { parent: this },
      );
      Object.assign(outputs, {
        backupBucketName: bucket.bucketName,
        backupS3Endpoint: bucket.s3Endpoint,
        backupS3Region: bucket.s3Region,
        backupReadWriteAccessKeyId: bucket.readWrite.accessKeyId,
        backupReadWriteSecretAccessKey: bucket.readWrite.secretAccessKey,
        backupReadOnlyAccessKeyId: bucket.readOnly.accessKeyId,
        backupReadOnlySecretAccessKey: bucket.readOnly.secretAccessKey,
        // The DR stack decrypts the repository with it.
        backupRepoPassphrase: required(secrets, "pgbackrestPassphrase"),
      });
      const agent = new BackupAgent(
        `${name}-backup-agent`,
        {
          host: s.monitored.postgresql.privateIp,
          sshUser: s.monitored.sshUser,
          sshPrivateKey,
          // The database host has no public SSH: through the monitoring host.
          sshProxy: { host: monitoring.publicIp, user: s.admin.sshUser, privateKey: sshPrivateKey },
          bucketName: bucket.bucketName,
          s3Endpoint: bucket.s3Endpoint,
          s3Region: bucket.s3Region,
          accessKeyId: bucket.readWrite.accessKeyId,
          secretAccessKey: bucket.readWrite.secretAccessKey,
          repoPassphrase: required(secrets, "pgbackrestPassphrase"),
          retentionDays: s.retention.backupDays,
          pgPort: s.monitored.postgresql.port,
        },
        { parent: this, dependsOn: [monitoring.ready] },
      );
      // Settings that wait for a PostgreSQL restart the operator schedules (archive_mode when it was off).
      outputs.backupPendingRestart = agent.pendingRestart;
    }
    return outputs;
  }

  private drStack(name: string, s: DrStackSettings, secrets: StackSecrets): Record<string, pulumi.Input<unknown>> {
    const prod = new pulumi.StackReference(`${name}-prod`, { name: s.dr.prodStack }, { parent: this });
    const staging = new pulumi.StackReference(`${name}-staging`, { name: s.dr.stagingStack }, { parent: this });
    const restore = new DockerHost(
      `${name}-restore`,
      {
        serviceName: s.ovh.serviceName,
        region: s.ovh.region,
        environment: s.environment,
        role: "restore",
        instance: s.hosts.restore,
        network: {
          networkId: staging.requireOutput("privateNetworkId") as pulumi.Output<string>,
          subnetId: staging.requireOutput("privateSubnetId") as pulumi.Output<string>,
          gatewayId: staging.requireOutput("gatewayId") as pulumi.Output<string>,
          cidr: s.network.cidr,
        },
        admin: s.admin,
        sshPrivateKey: required(secrets, "sshPrivateKey"),
        protectData: false,
      },
      { parent: this },
    );
    const drill = new DrRestore(
      `${name}-drill`,
      {
        host: restore.publicIp,
        sshUser: s.admin.sshUser,
        sshPrivateKey: required(secrets, "sshPrivateKey"),
        bucketName: prod.requireOutput("backupBucketName") as pulumi.Output<string>,
        s3Endpoint: prod.requireOutput("backupS3Endpoint") as pulumi.Output<string>,
        s3Region: prod.requireOutput("backupS3Region") as pulumi.Output<string>,
        accessKeyId: prod.requireOutput("backupReadOnlyAccessKeyId") as pulumi.Output<string>,
        secretAccessKey: prod.requireOutput("backupReadOnlySecretAccessKey") as pulumi.Output<string>,
        repoPassphrase: prod.requireOutput("backupRepoPassphrase") as pulumi.Output<string>,
        verificationQueries: s.dr.verificationQueries,
        targetTime: s.dr.targetTime,
        pushgatewayUrl: staging.requireOutput("pushgatewayUrl") as pulumi.Output<string>,
        workDir: `${DATA_MOUNT}/dr-drill`,
      },
      { parent: this, dependsOn: [restore.ready] },
    );
    return {
      environment: s.environment,
      restorePublicIp: restore.publicIp,
      restorePrivateIp: restore.privateIp,
      restoredFromBucket: prod.requireOutput("backupBucketName"),
      drRestoredTo: drill.restoredTo,
      drRtoSeconds: drill.rtoSeconds,
      drVerification: drill.verification,
      drBackupLabel: drill.backupLabel,
    };
  }
}

function required(secrets: StackSecrets, name: keyof StackSecrets): pulumi.Output<string> {
  const value = secrets[name];
  // loadSettings has already reported a missing required secret; this guards programming errors only.
  if (!value) throw new Error(`secret ${name} is required by this stack but was not loaded`);
  return value;
}

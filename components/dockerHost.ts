import * as ovh from "@ovhcloud/pulumi-ovh";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { MOUNT_SCRIPT, renderCloudInit, runsDocker } from "../config/cloudInit";
import type { HostRole } from "../config/firewall";
import type { InstanceSettings } from "../config/settings";
import { VolumeAttachment } from "./volumeAttachment";

export interface HostNetwork {
  networkId: pulumi.Input<string>;
  subnetId: pulumi.Input<string>;
  gatewayId: pulumi.Input<string>;
  cidr: string;
}

export interface DockerHostArgs {
  serviceName: string;
  region: string;
  environment: string;
  role: HostRole;
  instance: InstanceSettings;
  network: HostNetwork;
  admin: { sshUser: string; sshPublicKeys: readonly string[]; cidrs: readonly string[] };
  /** Private key Pulumi connects with (remote commands); Docker over SSH uses the operator's ssh-agent. */
  sshPrivateKey: pulumi.Input<string>;
  /** prod: the data volume is protected against `pulumi destroy`. */
  protectData: boolean;
}

/** SSH connection to a host, for `@pulumi/command` remote resources. */
export interface HostConnection {
  host: pulumi.Output<string>;
  user: string;
  privateKey: pulumi.Input<string>;
}

/**
 * One OVH instance with a static private IP, a separate data volume (kept on delete, protected in prod),
 * cloud-init that installs Docker, the host firewall and SSH hardening, and a Docker provider over SSH that
 * later components deploy containers with (hosts of role "restore" run no Docker).
 */
export class DockerHost extends pulumi.ComponentResource {
  readonly name: string;
  readonly privateIp: string;
  readonly publicIp: pulumi.Output<string>;
  readonly instanceId: pulumi.Output<string>;
  readonly dataVolumeId: pulumi.Output<string>;
  readonly connection: HostConnection;
  /** Completes when cloud-init has finished and the data volume is mounted. */
  readonly ready: command.remote.Command;
  readonly dockerProvider?: docker.Provider;

  constructor(name: string, args: DockerHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("roadwave:host:DockerHost", name, {}, opts);
    const hostname = `roadwave-${args.environment}-${args.role}`;
    this.name = hostname;
    this.privateIp = args.instance.privateIp;

    const volume = new ovh.CloudStorageBlockVolume(
      `${name}-data`,
      {
        serviceName: args.serviceName,
        region: args.region,
        name: `${hostname}-data`,
        size: args.instance.dataVolumeGb,
        volumeType: "HIGH_SPEED",
        availabilityZone: args.instance.availabilityZone,
      },
      // The data outlives the instance; prod's cannot be destroyed by accident.
      { parent: this, protect: args.protectData, retainOnDelete: true },
    );

    const flavorId = ovh.cloudproject
      .getFlavorsOutput({ serviceName: args.serviceName, region: args.region, nameFilter: args.instance.flavor }, { parent: this })
      .apply((result) => {
        const flavor = result.flavors.find((f) => f.name === args.instance.flavor && f.osType === "linux");
        if (!flavor) throw new Error(`OVH flavor ${args.instance.flavor} is not available in ${args.region} for project ${args.serviceName}`);
        return flavor.id;
      });
    const imageId = ovh.cloudproject
      .getImagesOutput({ serviceName: args.serviceName, region: args.region, osType: "linux" }, { parent: this })
      .apply((result) => {
        const image = result.images.find((i) => i.name === args.instance.image);
        if (!image) throw new Error(`OVH image "${args.instance.image}" is not available in ${args.region}`);
        return image.id;
      });

    const userData = volume.id.apply((dataVolumeId) =>
      renderCloudInit({
        hostname,
        role: args.role,
        adminUser: args.admin.sshUser,
        sshPublicKeys: args.admin.sshPublicKeys,
        adminCidrs: args.admin.cidrs,
        privateCidr: args.network.cidr,
        dataVolumeId,
      }),
    );

    const instance = new ovh.cloudproject.Instance(
      `${name}-instance`,
      {
        serviceName: args.serviceName,
        region: args.region,
        name: hostname,
        billingPeriod: "hourly",
        availabilityZone: args.instance.availabilityZone,
        flavor: { flavorId },
        bootFrom: { imageId },
        sshKeyCreate: { name: `${hostname}-admin`, publicKey: args.admin.sshPublicKeys[0] as string },
        userData,
        network: {
          public: true,
          private: {
            ip: args.instance.privateIp,
            network: { id: args.network.networkId, subnetId: args.network.subnetId },
            gateway: { id: args.network.gatewayId },
          },
        },
      },
      { parent: this },
    );

    const attachment = new VolumeAttachment(
      `${name}-data-attachment`,
      { serviceName: args.serviceName, volumeId: volume.id, instanceId: instance.id },
      { parent: this },
    );

    this.publicIp = instance.addresses.apply((addresses) => {
      const found = addresses.find((a) => a.version === 4 && a.ip !== args.instance.privateIp);
      if (!found) throw new Error(`instance ${hostname} has no public IPv4 address`);
      return found.ip;
    });
    this.connection = { host: this.publicIp, user: args.admin.sshUser, privateKey: args.sshPrivateKey };

    this.ready = new command.remote.Command(
      `${name}-ready`,
      {
        connection: this.connection,
        // cloud-init exits 2 for recoverable warnings; the host is usable then.
        create: `cloud-init status --wait >/dev/null || [ $? -eq 2 ]; sudo ${MOUNT_SCRIPT}`,
        triggers: [instance.id, attachment.id],
      },
      { parent: this },
    );

    if (runsDocker(args.role)) {
      this.dockerProvider = new docker.Provider(
        `${name}-docker`,
        {
          // Derived from the readiness command so nothing talks to Docker before cloud-init installed it.
          host: this.ready.stdout.apply(() => pulumi.interpolate`ssh://${args.admin.sshUser}@${this.publicIp}`),
          sshOpts: ["-o", "StrictHostKeyChecking=accept-new", "-o", "ConnectTimeout=15", "-o", "ServerAliveInterval=15"],
        },
        { parent: this },
      );
    }

    this.instanceId = instance.id;
    this.dataVolumeId = volume.id;
    this.registerOutputs({ instanceId: this.instanceId, publicIp: this.publicIp, privateIp: this.privateIp, dataVolumeId: this.dataVolumeId });
  }
}

import * as ovh from "@ovhcloud/pulumi-ovh";
import * as pulumi from "@pulumi/pulumi";
import { publicIngressRules, type HostRole } from "../config/firewall";
import { dhcpPool } from "../config/network";

export interface PrivateNetworkArgs {
  serviceName: string;
  region: string;
  environment: string;
  vlanId: number;
  cidr: string;
  gatewayIp: string;
  adminCidrs: readonly string[];
  /** Host roles of this stack: one security group per role. */
  roles: readonly HostRole[];
}

/**
 * The stack's vRack private network and subnet, the OVH gateway that gives private hosts egress, and one
 * security group per host role with the public ingress rules of config/firewall.ts.
 */
export class PrivateNetwork extends pulumi.ComponentResource {
  readonly networkId: pulumi.Output<string>;
  readonly subnetId: pulumi.Output<string>;
  readonly gatewayId: pulumi.Output<string>;
  readonly securityGroupIds: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: PrivateNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("roadwave:network:PrivateNetwork", name, {}, opts);
    const prefix = `roadwave-${args.environment}`;

    const network = new ovh.cloudproject.NetworkPrivate(
      `${name}-vrack`,
      { serviceName: args.serviceName, name: `${prefix}-private`, vlanId: args.vlanId, regions: [args.region] },
      { parent: this },
    );
    const pool = dhcpPool(args.cidr);
    const subnet = new ovh.cloudproject.NetworkPrivateSubnetV2(
      `${name}-subnet`,
      {
        serviceName: args.serviceName,
        networkId: network.id,
        region: args.region,
        name: `${prefix}-subnet`,
        cidr: args.cidr,
        dhcp: true,
        allocationPools: [{ start: pool.start, end: pool.end }],
        gatewayIp: args.gatewayIp,
        enableGatewayIp: true,
        dnsNameservers: ["213.186.33.99"],
      },
      { parent: this },
    );
    const gateway = new ovh.cloudproject.Gateway(
      `${name}-gateway`,
      { serviceName: args.serviceName, region: args.region, name: `${prefix}-gateway`, model: "s", networkId: network.id, subnetId: subnet.id },
      { parent: this },
    );

    this.securityGroupIds = {};
    for (const role of args.roles) {
      const group = new ovh.CloudSecurityGroup(
        `${name}-sg-${role}`,
        {
          serviceName: args.serviceName,
          region: args.region,
          name: `${prefix}-${role}`,
          description: `Public ingress of the ${role} host (${args.environment}); mirrors its nftables rules`,
          rules: publicIngressRules(role, args.adminCidrs).flatMap((rule) =>
            rule.sources.map((source) => ({
              description: rule.description,
              direction: "INGRESS",
              ethernetType: "IPV4",
              protocol: rule.protocol.toUpperCase(),
              portRangeMin: rule.port,
              portRangeMax: rule.port,
              remoteIpPrefix: source,
            })),
          ),
        },
        { parent: this },
      );
      this.securityGroupIds[role] = group.id;
    }

    this.networkId = network.id;
    this.subnetId = subnet.id;
    this.gatewayId = gateway.id;
    this.registerOutputs({ networkId: this.networkId, subnetId: this.subnetId, gatewayId: this.gatewayId });
  }
}

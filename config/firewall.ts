// The public ingress policy of each host role: the single source for the OVH security group rules and the
// host firewall (nftables) that cloud-init installs, so the two cannot disagree.

export type HostRole = "monitoring" | "uptime-kuma" | "restore";

export interface IngressRule {
  description: string;
  protocol: "tcp";
  port: number;
  /** Source CIDRs allowed. */
  sources: string[];
}

export const ANYWHERE = "0.0.0.0/0";

/** Roles that serve HTTPS publicly through Caddy (Grafana, the status page). */
export function servesPublicWeb(role: HostRole): boolean {
  return role !== "restore";
}

export function publicIngressRules(role: HostRole, adminCidrs: readonly string[]): IngressRule[] {
  const rules: IngressRule[] = [
    { description: "SSH from the admin networks", protocol: "tcp", port: 22, sources: [...adminCidrs] },
  ];
  if (servesPublicWeb(role)) {
    rules.push(
      { description: "HTTP (ACME challenges, redirect to HTTPS)", protocol: "tcp", port: 80, sources: [ANYWHERE] },
      { description: "HTTPS (Caddy)", protocol: "tcp", port: 443, sources: [ANYWHERE] },
    );
  }
  return rules;
}

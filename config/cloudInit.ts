// cloud-init user data for every host: Docker Engine from the distribution, the host firewall (same rules as
// the OVH security group, from config/firewall.ts), SSH hardening, and the script that formats (only when
// blank) and mounts the data volume. Validated by `cloud-init schema` in test/config/.
import { stringify } from "yaml";
import { publicIngressRules, type HostRole } from "./firewall";

export const DATA_MOUNT = "/srv/data";
export const MOUNT_SCRIPT = "/usr/local/sbin/roadwave-mount-data";

export interface CloudInitArgs {
  hostname: string;
  role: HostRole;
  adminUser: string;
  sshPublicKeys: readonly string[];
  adminCidrs: readonly string[];
  /** The private subnet: every port is open to it (scrapes, log shipping, Alertmanager). */
  privateCidr: string;
  /** OVH/OpenStack id of the data volume; the device is found by its serial. */
  dataVolumeId: string;
}

/** Roles that run containers. The restore host runs PostgreSQL and pgBackRest directly. */
export function runsDocker(role: HostRole): boolean {
  return role !== "restore";
}

export function renderNftables(args: Pick<CloudInitArgs, "role" | "adminCidrs" | "privateCidr">): string {
  const rules = publicIngressRules(args.role, args.adminCidrs).map((rule) => {
    const open = rule.sources.includes("0.0.0.0/0");
    const from = open ? "" : `ip saddr { ${rule.sources.join(", ")} } `;
    return `    ${from}${rule.protocol} dport ${rule.port} accept comment "${rule.description}"`;
  });
  // A table of our own (created, deleted, recreated) instead of `flush ruleset`, which would also wipe the
  // rules Docker installs. Docker-published ports bypass this input chain: containers other than Caddy
  // publish on the private IP or 127.0.0.1 only.
  return [
    "#!/usr/sbin/nft -f",
    "table inet roadwave_host",
    "delete table inet roadwave_host",
    "table inet roadwave_host {",
    "  chain input {",
    "    type filter hook input priority filter; policy drop;",
    '    iif "lo" accept',
    "    ct state established,related accept",
    "    ct state invalid drop",
    "    meta l4proto { icmp, ipv6-icmp } accept",
    `    ip saddr ${args.privateCidr} accept comment "private network"`,
    ...rules,
    "  }",
    "}",
    "",
  ].join("\n");
}

export function renderSshHardening(adminUser: string): string {
  return [
    "# Managed by roadwave-monitoring (cloud-init).",
    "PermitRootLogin no",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PubkeyAuthentication yes",
    `AllowUsers ${adminUser}`,
    "MaxAuthTries 3",
    "LoginGraceTime 30",
    "X11Forwarding no",
    "AllowAgentForwarding no",
    "",
  ].join("\n");
}

export function renderMountScript(dataVolumeId: string): string {
  // OpenStack exposes the first 20 characters of the volume id as the disk serial.
  const serial = dataVolumeId.slice(0, 20);
  return `#!/bin/sh
# Mounts the data volume ${dataVolumeId} at ${DATA_MOUNT}. Formats it only when it holds no filesystem, so
# data survives instance replacement. Idempotent; run at boot and by Pulumi after the volume is attached.
set -eu
dev=""
for _ in $(seq 1 60); do
  dev=$(ls /dev/disk/by-id/*${serial}* 2>/dev/null | head -n 1 || true)
  [ -n "$dev" ] && break
  sleep 5
done
if [ -z "$dev" ]; then
  echo "roadwave-mount-data: volume ${dataVolumeId} is not attached (no /dev/disk/by-id/*${serial}*)" >&2
  exit 1
fi
if ! blkid "$dev" >/dev/null 2>&1; then
  mkfs.ext4 -q -L roadwave-data "$dev"
fi
uuid=$(blkid -s UUID -o value "$dev")
mkdir -p ${DATA_MOUNT}
grep -q "UUID=$uuid " /etc/fstab || echo "UUID=$uuid ${DATA_MOUNT} ext4 defaults,nofail,x-systemd.device-timeout=30s 0 2" >> /etc/fstab
mountpoint -q ${DATA_MOUNT} || mount ${DATA_MOUNT}
echo "roadwave-mount-data: $dev mounted at ${DATA_MOUNT}"
`;
}

const DOCKER_DAEMON = {
  "log-driver": "json-file",
  "log-opts": { "max-size": "20m", "max-file": "5" },
  "live-restore": true,
};

export function renderCloudInit(args: CloudInitArgs): string {
  const docker = runsDocker(args.role);
  const config = {
    hostname: args.hostname,
    preserve_hostname: false,
    disable_root: true,
    ssh_pwauth: false,
    ssh_authorized_keys: [...args.sshPublicKeys],
    package_update: true,
    package_upgrade: true,
    packages: [...(docker ? ["docker.io"] : []), "nftables", "unattended-upgrades", "e2fsprogs"],
    write_files: [
      { path: "/etc/nftables.conf", permissions: "0755", owner: "root:root", content: renderNftables(args) },
      { path: "/etc/ssh/sshd_config.d/50-roadwave.conf", permissions: "0644", owner: "root:root", content: renderSshHardening(args.adminUser) },
      { path: MOUNT_SCRIPT, permissions: "0755", owner: "root:root", content: renderMountScript(args.dataVolumeId) },
      {
        path: "/etc/systemd/system/roadwave-data.service",
        permissions: "0644",
        owner: "root:root",
        content: [
          "[Unit]",
          "Description=Mount the RoadWave data volume",
          "After=local-fs.target",
          ...(docker ? ["Before=docker.service"] : []),
          "",
          "[Service]",
          "Type=oneshot",
          `ExecStart=${MOUNT_SCRIPT}`,
          "RemainAfterExit=yes",
          "",
          "[Install]",
          "WantedBy=multi-user.target",
          "",
        ].join("\n"),
      },
      ...(docker
        ? [{ path: "/etc/docker/daemon.json", permissions: "0644", owner: "root:root", content: `${JSON.stringify(DOCKER_DAEMON, null, 2)}\n` }]
        : []),
    ],
    runcmd: [
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", "--now", "nftables"],
      ["systemctl", "enable", "roadwave-data.service"],
      ["systemctl", "reload", "ssh"],
      ...(docker
        ? [
            ["usermod", "-aG", "docker", args.adminUser],
            ["systemctl", "enable", "--now", "docker"],
          ]
        : []),
    ],
  };
  return `#cloud-config\n${stringify(config, { lineWidth: 0 })}`;
}

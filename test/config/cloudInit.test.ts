// The cloud-init user data of every host role, checked by the real tools: `cloud-init schema` for the
// document and `nft -c` for the host firewall it installs.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderCloudInit, renderNftables, type CloudInitArgs } from "../../config/cloudInit";
import type { HostRole } from "../../config/firewall";

const dir = mkdtempSync(join(tmpdir(), "roadwave-cloudinit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base: Omit<CloudInitArgs, "role"> = {
  hostname: "roadwave-prod-host",
  adminUser: "debian",
  sshPublicKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHq8dVh1bO0xJ2cD0k7a9lq3YxRrV1m1rXoFq9cWc2aT ops@roadwave"],
  adminCidrs: ["203.0.113.0/28", "198.51.100.7/32"],
  privateCidr: "10.42.0.0/24",
  dataVolumeId: "0a1b2c3d-4e5f-6789-abcd-ef0123456789",
};

function run(command: string, args: string[]) {
  return spawnSync(command, args, { encoding: "utf8" });
}

describe.each<HostRole>(["monitoring", "uptime-kuma", "restore"])("cloud-init for the %s host", (role) => {
  const userData = renderCloudInit({ ...base, role });
  const file = join(dir, `${role}.yaml`);
  writeFileSync(file, userData);

  it("is valid for cloud-init schema", () => {
    const result = run("cloud-init", ["schema", "--config-file", file]);
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("Valid cloud-config");
    expect(result.status).toBe(0);
  });

  it("installs a firewall that nft accepts", () => {
    const nft = join(dir, `${role}.nft`);
    writeFileSync(nft, renderNftables({ role, adminCidrs: base.adminCidrs, privateCidr: base.privateCidr }));
    const result = run("nft", ["-c", "-f", nft]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("hardens SSH and mounts the data volume by its serial", () => {
    const doc = parse(userData) as { write_files: { path: string; content: string }[]; ssh_pwauth: boolean; disable_root: boolean };
    expect(doc.ssh_pwauth).toBe(false);
    expect(doc.disable_root).toBe(true);
    const sshd = doc.write_files.find((f) => f.path === "/etc/ssh/sshd_config.d/50-roadwave.conf")!.content;
    expect(sshd).toContain("PasswordAuthentication no");
    expect(sshd).toContain("PermitRootLogin no");
    expect(sshd).toContain("AllowUsers debian");
    const mount = doc.write_files.find((f) => f.path === "/usr/local/sbin/roadwave-mount-data")!.content;
    expect(mount).toContain("/dev/disk/by-id/*0a1b2c3d-4e5f-6789-a*");
    // Formats only a blank device: data survives instance replacement.
    expect(mount).toMatch(/if ! blkid "\$dev".*\n\s+mkfs\.ext4/);
  });
});

describe("the rendered mount script and firewall", () => {
  it("mount script is valid POSIX sh", () => {
    const script = join(dir, "mount.sh");
    const doc = parse(renderCloudInit({ ...base, role: "monitoring" })) as { write_files: { path: string; content: string }[] };
    writeFileSync(script, doc.write_files.find((f) => f.path === "/usr/local/sbin/roadwave-mount-data")!.content);
    expect(() => execFileSync("sh", ["-n", script])).not.toThrow();
  });

  it("nft rejects a broken rule set (the check can fail)", () => {
    const nft = join(dir, "broken.nft");
    writeFileSync(nft, renderNftables({ role: "monitoring", adminCidrs: ["203.0.113.0/33"], privateCidr: base.privateCidr }));
    expect(run("nft", ["-c", "-f", nft]).status).not.toBe(0);
  });

  it("opens 80/443 only on hosts that serve the web, SSH only from the admin CIDRs", () => {
    const monitoring = renderNftables({ role: "monitoring", adminCidrs: base.adminCidrs, privateCidr: base.privateCidr });
    expect(monitoring).toContain("ip saddr { 203.0.113.0/28, 198.51.100.7/32 } tcp dport 22 accept");
    expect(monitoring).toContain("tcp dport 443 accept");
    expect(monitoring).toContain("policy drop");
    const restore = renderNftables({ role: "restore", adminCidrs: base.adminCidrs, privateCidr: base.privateCidr });
    expect(restore).not.toMatch(/dport (80|443)/);
  });
});

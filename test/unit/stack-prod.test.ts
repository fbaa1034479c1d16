import { beforeAll, describe, expect, it } from "vitest";
import type { OfflineRun } from "../../scripts/mockRuntime";
import { byName, ofType, planStack, TYPES } from "./offlineRun";

let run: OfflineRun;
beforeAll(async () => {
  run = await planStack("prod");
});

describe("prod stack under Pulumi mocks", () => {
  it("creates the network, two hosts and the backup bucket", () => {
    expect(ofType(run, TYPES.network)).toHaveLength(1);
    expect(ofType(run, TYPES.subnet)).toHaveLength(1);
    expect(ofType(run, TYPES.gateway)).toHaveLength(1);
    expect(ofType(run, TYPES.instance).map((r) => r.inputs.name).sort()).toEqual(["roadwave-prod-monitoring", "roadwave-prod-uptime-kuma"]);
    expect(ofType(run, TYPES.bucket)).toHaveLength(1);
    // The two monitoring hosts, and the five RoadWave hosts the exporters go to.
    expect(ofType(run, TYPES.dockerProvider)).toHaveLength(7);
  });

  it("puts the private network on the settings' VLAN and CIDR, with DHCP away from the static addresses", () => {
    expect(byName(run, "roadwave-network-vrack").inputs).toMatchObject({ vlanId: 42, regions: ["GRA11"] });
    expect(byName(run, "roadwave-network-subnet").inputs).toMatchObject({
      cidr: "10.42.0.0/24",
      gatewayIp: "10.42.0.1",
      allocationPools: [{ start: "10.42.0.192", end: "10.42.0.254" }],
    });
  });

  it("gives each host its flavor, image, static private IP, and the gateway", () => {
    const monitoring = byName(run, "roadwave-monitoring-instance").inputs;
    expect(monitoring).toMatchObject({
      flavor: { flavorId: "flavor-id-b3-16" },
      bootFrom: { imageId: "image-id-debian-12" },
      network: { public: true, private: { ip: "10.42.0.10", network: { id: "roadwave-network-vrack-id", subnetId: "roadwave-network-subnet-id" }, gateway: { id: "roadwave-network-gateway-id" } } },
    });
    const kuma = byName(run, "roadwave-uptime-kuma-instance").inputs;
    expect(kuma).toMatchObject({ flavor: { flavorId: "flavor-id-d2-4" }, network: { private: { ip: "10.42.0.11" } } });
  });

  it("keeps the data volumes on delete and protects them in prod, attached to their instance", () => {
    for (const host of ["monitoring", "uptime-kuma"]) {
      const volume = byName(run, `roadwave-${host}-data`);
      expect(volume.protect).toBe(true);
      expect(volume.retainOnDelete).toBe(true);
      expect(byName(run, `roadwave-${host}-data-attachment`).inputs).toMatchObject({
        volumeId: `roadwave-${host}-data-id`,
        instanceId: `roadwave-${host}-instance-id`,
      });
    }
    expect(byName(run, "roadwave-monitoring-data").inputs.size).toBe(200);
    expect(byName(run, "roadwave-monitoring-instance").protect).toBe(false);
  });

  it("opens exactly SSH from the admin CIDR and 80/443 publicly in the security groups", () => {
    for (const group of ofType(run, TYPES.securityGroup)) {
      const rules = (group.inputs.rules as { portRangeMin: number; portRangeMax: number; remoteIpPrefix: string; direction: string; protocol: string }[])
        .map((r) => `${r.direction} ${r.protocol} ${r.portRangeMin}-${r.portRangeMax} from ${r.remoteIpPrefix}`)
        .sort();
      expect(rules).toEqual([
        "INGRESS TCP 22-22 from 203.0.113.0/28",
        "INGRESS TCP 443-443 from 0.0.0.0/0",
        "INGRESS TCP 80-80 from 0.0.0.0/0",
      ]);
    }
  });

  it("renders the same firewall into each host's cloud-init", () => {
    const userData = String(byName(run, "roadwave-monitoring-instance").rawInputs.userData);
    expect(userData.startsWith("#cloud-config\n")).toBe(true);
    expect(userData).toContain("ip saddr { 203.0.113.0/28 } tcp dport 22 accept");
    expect(userData).toContain("tcp dport 443 accept");
    expect(userData).toContain("ip saddr 10.42.0.0/24 accept");
    expect(userData).toContain("roadwave-monitoring-data-id".slice(0, 20));
  });

  it("creates a versioned, encrypted, object-locked bucket with a lifecycle backstop", () => {
    const bucket = byName(run, "roadwave-backups-bucket");
    expect(bucket.protect).toBe(true);
    expect(bucket.inputs).toMatchObject({
      name: "roadwave-prod-pgbackrest",
      regionName: "GRA",
      versioning: { status: "enabled" },
      encryption: { sseAlgorithm: "AES256" },
      objectLock: { status: "enabled", rule: { mode: "governance", period: "P7D" } },
      hideObjects: true,
    });
    const rules = byName(run, "roadwave-backups-lifecycle").inputs.rules as Record<string, unknown>[];
    expect(rules).toContainEqual({ id: "expire-beyond-retention", status: "enabled", expiration: { days: 15 } });
    expect(rules).toContainEqual({ id: "expire-noncurrent-versions", status: "enabled", noncurrentVersionExpiration: { noncurrentDays: 7 } });
  });

  it("scopes both S3 policies to the bucket, the read-only one without any write action", () => {
    const policy = (name: string) => JSON.parse(String(byName(run, name).inputs.policy)) as { Statement: { Action: string[]; Resource: string[] }[] };
    for (const name of ["roadwave-backups-read-write-policy", "roadwave-backups-read-only-policy"]) {
      for (const statement of policy(name).Statement) {
        expect(statement.Resource).toEqual(["arn:aws:s3:::roadwave-prod-pgbackrest", "arn:aws:s3:::roadwave-prod-pgbackrest/*"]);
      }
    }
    const readOnly = policy("roadwave-backups-read-only-policy").Statement.flatMap((s) => s.Action);
    expect(readOnly.length).toBeGreaterThan(0);
    expect(readOnly.filter((a) => !/^s3:(Get|List)/.test(a))).toEqual([]);
    const readWrite = policy("roadwave-backups-read-write-policy").Statement.flatMap((s) => s.Action);
    expect(readWrite).toEqual(expect.arrayContaining(["s3:PutObject", "s3:DeleteObject", "s3:GetObject"]));
    expect(ofType(run, TYPES.user).map((u) => u.inputs.roleName)).toEqual(["objectstore_operator", "objectstore_operator"]);
  });

  it("exports the credentials and the passphrase as secrets only", () => {
    expect(run.secretOutputs.sort()).toEqual([
      "backupReadOnlyAccessKeyId", "backupReadOnlySecretAccessKey", "backupReadWriteAccessKeyId",
      "backupReadWriteSecretAccessKey", "backupRepoPassphrase", "grafanaAdminPassword",
    ]);
    expect(run.outputs).toMatchObject({ backupBucketName: "roadwave-prod-pgbackrest", backupS3Endpoint: "https://s3.gra.io.cloud.ovh.net", monitoringPrivateIp: "10.42.0.10" });
    for (const credential of ofType(run, TYPES.s3Credential)) expect(credential.additionalSecretOutputs).toContain("secretAccessKey");
  });

  it("passes the SSH private key to remote commands as a secret", () => {
    const commands = ofType(run, TYPES.command);
    // Readiness of the 2 hosts, data directories on the 7 hosts, postgres_exporter's role, the backup agent.
    const backupAgent = commands.filter((c) => c.parent === "roadwave-backup-agent");
    expect(backupAgent.length).toBeGreaterThan(0);
    expect(commands).toHaveLength(10 + backupAgent.length);
    for (const command of commands) {
      expect(JSON.stringify(command.rawInputs.connection)).toContain("PRIVATE KEY");
      expect(JSON.stringify(command.inputs)).not.toContain("PRIVATE KEY");
      expect(JSON.stringify(command.inputs.connection)).toContain("[secret]");
    }
    const role = byName(run, "roadwave-exporters-db-1-exporter-role");
    expect(role.inputs.stdin).toBe("[secret]");
    expect(String(role.rawInputs.stdin)).toContain("GRANT pg_monitor TO roadwave_exporter");
    // The RoadWave hosts are reached through the monitoring host.
    expect(role.rawInputs.connection).toMatchObject({ host: "10.42.0.31", proxy: { host: "198.51.100.36", user: "debian" } });
  });
});

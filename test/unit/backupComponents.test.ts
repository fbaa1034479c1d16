// BackupAgent (prod) and DrRestore (staging-dr) with Pulumi mocks: which remote commands they create, that
// the pgBackRest config reaches the host only through secret stdin, and what the drill's outputs become.
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";

const DRILL_STDOUT = JSON.stringify({
  status: "ok",
  restoredTo: "2026-12-01T03:59:58.120Z",
  rtoSeconds: 312.4,
  targetTime: null,
  backup: "20261129-010002F",
  checks: [{ name: "users_present", database: "roadwave", value: 1234, min: 1, ok: true }],
  pushed: true,
  dataDir: "/var/lib/postgresql/dr-drill/data",
});

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}
const registered: Registered[] = [];

function outputOf<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((r) => o.apply((v) => r(v)));
}

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "command:remote:Command") {
          state.stdout = args.name.endsWith("-archive-settings") ? "pending_restart=archive_mode\n"
            : args.name.endsWith("-drill") ? `${DRILL_STDOUT}\n` : "";
          state.stderr = "";
        }
        return { id: `${args.name}-id`, state };
      },
      call: (args) => args.inputs,
    },
    "roadwave-monitoring",
    "prod",
    false,
  );
});

const SSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nunit-test\n-----END OPENSSH PRIVATE KEY-----\n";
const SECRET_KEY = "unit-test-secret-access-key";
const PASSPHRASE = "unit-test-passphrase-0123456789abcdef";

describe("BackupAgent", () => {
  it("installs pgBackRest, writes the config through secret stdin, sets archiving, creates the stanza and the timers", async () => {
    const { BackupAgent } = await import("../../components/backupAgent");
    const agent = new BackupAgent("db-1-backup", {
      host: "10.42.0.31",
      sshUser: "debian",
      sshPrivateKey: pulumi.secret(SSH_KEY),
      bucketName: "roadwave-prod-pgbackrest",
      s3Endpoint: "https://s3.gra.io.cloud.ovh.net",
      s3Region: "GRA",
      accessKeyId: pulumi.secret("unit-test-access-key"),
      secretAccessKey: pulumi.secret(SECRET_KEY),
      repoPassphrase: pulumi.secret(PASSPHRASE),
      retentionDays: 7,
    });
    expect(await outputOf(agent.pendingRestart)).toEqual(["archive_mode"]);
    expect(await outputOf(agent.restartRequired)).toBe(true);
    await outputOf(agent.timers.id); // registered last (after its dependencies)

    const mine = registered.filter((r) => r.name.startsWith("db-1-backup-"));
    expect(mine.map((r) => r.name).sort()).toEqual(
      ["db-1-backup-archive-settings", "db-1-backup-config", "db-1-backup-packages", "db-1-backup-stanza", "db-1-backup-timers"],
    );
    const config = mine.find((r) => r.name === "db-1-backup-config")!;
    expect(await outputOf(agent.configFile.stdin as pulumi.Output<string>)).toContain(`repo1-s3-key-secret=${SECRET_KEY}`);
    // The mock hands the inputs back as the state: the property is secret only if the input was.
    expect(await pulumi.isSecret(agent.configFile.stdin)).toBe(true);
    expect(await pulumi.isSecret(agent.configFile.triggers)).toBe(true);
    expect(config.inputs.create).toBe("sudo bash -s");

    // No secret anywhere in plain text: commands, other stdins, triggers.
    for (const r of mine) {
      const plain = JSON.stringify({ ...r.inputs, connection: undefined, stdin: r.name === "db-1-backup-config" ? undefined : r.inputs.stdin });
      expect(plain).not.toContain(SECRET_KEY);
      expect(plain).not.toContain(PASSPHRASE);
    }
    const archive = mine.find((r) => r.name === "db-1-backup-archive-settings")!;
    expect(archive.inputs.create).toContain("ALTER SYSTEM SET archive_mode = 'on';");
    expect(archive.inputs.create).toContain("SELECT pg_reload_conf();");
    expect(String(archive.inputs.create)).not.toMatch(/pg_ctl|systemctl|restart postgres/);
    const timers = mine.find((r) => r.name === "db-1-backup-timers")!;
    expect(timers.inputs.stdin).toContain("systemctl enable --now roadwave-pgbackrest-full.timer roadwave-pgbackrest-diff.timer");
    expect(timers.inputs.triggers).toHaveLength(1);
  });

  it("changes the config trigger when the config changes, and only then", async () => {
    const { BackupAgent } = await import("../../components/backupAgent");
    const make = (name: string, retentionDays: number) =>
      new BackupAgent(name, {
        host: "10.42.0.31", sshUser: "debian", sshPrivateKey: SSH_KEY, bucketName: "b-1", s3Endpoint: "https://s3.gra.io.cloud.ovh.net",
        s3Region: "GRA", accessKeyId: "k", secretAccessKey: "s", repoPassphrase: PASSPHRASE, retentionDays,
      });
    const a = make("same-a", 7), b = make("same-b", 7), c = make("longer", 14);
    const trigger = async (agent: InstanceType<typeof BackupAgent>) => JSON.stringify(await outputOf(agent.configFile.triggers as pulumi.Output<unknown[]>));
    expect(await trigger(a)).toBe(await trigger(b));
    expect(await trigger(a)).not.toBe(await trigger(c));
  });
});

describe("DrRestore", () => {
  it("copies the drill script, writes the read-only config as a secret, runs the drill and exposes its results", async () => {
    const { DrRestore } = await import("../../components/drRestore");
    const dr = new DrRestore("restore", {
      host: "10.43.0.60",
      sshUser: "debian",
      sshPrivateKey: pulumi.secret(SSH_KEY),
      bucketName: "roadwave-prod-pgbackrest",
      s3Endpoint: "https://s3.gra.io.cloud.ovh.net",
      s3Region: "GRA",
      accessKeyId: pulumi.secret("read-only-key"),
      secretAccessKey: pulumi.secret(SECRET_KEY),
      repoPassphrase: pulumi.secret(PASSPHRASE),
      verificationQueries: [{ name: "users_present", database: "roadwave", sql: "SELECT count(*) FROM users", min: 1 }],
      pushgatewayUrl: "http://10.43.0.10:9091",
    });
    expect(await outputOf(dr.restoredTo)).toBe("2026-12-01T03:59:58.120Z");
    expect(await outputOf(dr.rtoSeconds)).toBe(312.4);
    expect(await outputOf(dr.verification)).toEqual([{ name: "users_present", database: "roadwave", value: 1234, min: 1, ok: true }]);
    expect(await outputOf(dr.backupLabel)).toBe("20261129-010002F");
    expect(await pulumi.isSecret(dr.files.stdin)).toBe(true);

    const mine = registered.filter((r) => r.name.startsWith("restore-"));
    expect(mine.map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      "command:remote:Command restore-drill",
      "command:remote:Command restore-files",
      "command:remote:Command restore-packages",
      "command:remote:CopyToRemote restore-drill-script",
    ]);
    const drill = mine.find((r) => r.name === "restore-drill")!;
    expect(drill.inputs.create).toBe(
      "sudo '/usr/local/sbin/roadwave-dr-drill' '--config' '/etc/pgbackrest/pgbackrest.conf' '--work-dir' '/var/lib/postgresql/dr-drill' " +
        "'--port' '5433' '--checks' '/etc/roadwave/dr-checks.tsv' '--pushgateway-url' 'http://10.43.0.10:9091'",
    );
    for (const r of mine) {
      const plain = JSON.stringify({ ...r.inputs, connection: undefined, stdin: undefined });
      expect(plain).not.toContain(SECRET_KEY);
      expect(plain).not.toContain(PASSPHRASE);
    }
  });
});

// `npm run kuma:sync` (scripts/kuma-sync.ts, run as the command is) against the in-process Uptime Kuma
// stand-in: first run creates, second run changes nothing, a UI edit is put back, unmanaged objects are left
// alone, and a missing password is a clear error.
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { closeKumaSessions, openKumaSession } from "../../components/uptimeKuma/kumaProvider";
import { newSshKeyPair, startFakeSshHost } from "./fakeSshHost";
import { startFakeKuma, type FakeKuma } from "./fakeUptimeKuma";

const PASSWORD = "Kuma-Sync-Password-1";
const running: FakeKuma[] = [];
const tempDirs: string[] = [];
afterEach(async () => {
  closeKumaSessions();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  await Promise.all(running.splice(0).map((fake) => fake.close()));
});

async function kumaSync(args: string[], env: Record<string, string> = { KUMA_TEST_PASSWORD: PASSWORD }): Promise<{ code: number; out: string }> {
  try {
    // What `npm run kuma:sync` runs (tsx), asynchronously: the stand-in runs in this process and must keep answering.
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--import", "tsx", "scripts/kuma-sync.ts", ...args], {
      env: { ...process.env, ...env },
      timeout: 60_000,
    });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: failed.stdout + failed.stderr };
  }
}

function syncArgs(stack: string, fake: FakeKuma): string[] {
  const args = [stack, "--url", fake.url, "--username", "admin", "--password-env", "KUMA_TEST_PASSWORD", "--timeout", "10"];
  if (stack !== "staging") return args;
  // --stack-file: the staging settings read from a copy elsewhere.
  const dir = mkdtempSync(join(tmpdir(), "kuma-sync-"));
  tempDirs.push(dir);
  copyFileSync("Pulumi.staging.yaml", join(dir, "staging-settings.yaml"));
  return [...args, "--stack-file", join(dir, "staging-settings.yaml")];
}

describe("kuma:sync", () => {
  it.each([
    ["prod", "2.5.3"],
    ["staging", "1.23.17"],
  ])("applies the %s stack to Uptime Kuma %s, then finds nothing to change", async (stack, version) => {
    const fake = await startFakeKuma({ version, admin: { username: "admin", password: PASSWORD } });
    running.push(fake);
    // An object nobody declared, with the same name as a managed one: it must survive untouched.
    const session = await openKumaSession({ url: fake.url, username: "admin", password: PASSWORD, timeoutSeconds: 5 });
    await session.callOk("add an unmanaged monitor", "add", {
      type: "http", name: "RoadWave API", description: "made by hand", url: "https://example.org/", interval: 60, timeout: 48,
      accepted_statuscodes: ["200-299"], notificationIDList: {}, ...(version.startsWith("2.") ? { conditions: [] } : {}),
    });
    closeKumaSessions();

    const first = await kumaSync(syncArgs(stack, fake));
    expect(first.out).toMatch(new RegExp(`kuma:sync ${stack}: created 7, updated 0, unchanged 0`));
    expect(first.out).toMatch(/created +monitor watchdog "Watchdog \(Prometheus \+ Alertmanager\)" \(id \d+, push token generated, not shown\)/);
    expect(first.code).toBe(0);
    expect(fake.monitors.size).toBe(6);
    expect(fake.monitors.get(1)).toMatchObject({ name: "RoadWave API", description: "made by hand", url: "https://example.org/" });
    expect(fake.statusPages.get(stack === "prod" ? "roadwave" : "roadwave-staging")?.groups.map((g) => g.monitorIds.length)).toEqual([2]);

    const second = await kumaSync(syncArgs(stack, fake));
    expect(second.out).toMatch(new RegExp(`kuma:sync ${stack}: created 0, updated 0, unchanged 7`));
    expect(fake.monitors.size).toBe(6);
    // Secrets never reach the output.
    const token = [...fake.monitors.values()].find((m) => m.type === "push")?.pushToken as string;
    expect(first.out + second.out).not.toContain(token);
    // One password login per run.
    expect(fake.counts.passwordLogins).toBe(3);

    if (version === "2.5.3") {
      const api = [...fake.monitors.values()].find((m) => String(m.description).startsWith(`[roadwave-monitoring/${stack}#api-health]`));
      fake.editMonitorInUi(api?.id as number, { keyword: "changed in the UI" });
      const third = await kumaSync(syncArgs(stack, fake));
      expect(third.out).toMatch(/updated +monitor api-health/);
      expect(third.out).toMatch(new RegExp(`kuma:sync ${stack}: created 0, updated 1, unchanged 6`));
      expect(fake.monitors.get(api?.id as number)?.keyword).toBe("ok");
    }
  });

  it("reaches Uptime Kuma through SSH with --ssh and --ssh-key-file", async () => {
    const fake = await startFakeKuma({ version: "2.5.3" });
    running.push(fake);
    const key = newSshKeyPair();
    const sshHost = await startFakeSshHost("debian", key.publicKey);
    const dir = mkdtempSync(join(tmpdir(), "kuma-sync-ssh-"));
    tempDirs.push(dir);
    writeFileSync(join(dir, "id_ed25519"), key.privateKey, { mode: 0o600 });
    try {
      // HOME without known_hosts: the new host key is accepted, as ssh's accept-new does.
      const result = await kumaSync([...syncArgs("prod", fake), "--ssh", `debian@127.0.0.1:${sshHost.port}`, "--ssh-key-file", join(dir, "id_ed25519")], {
        KUMA_TEST_PASSWORD: PASSWORD,
        HOME: dir,
      });
      expect(result.out).toContain(`at ${fake.url} through debian@127.0.0.1:${sshHost.port}`);
      expect(result.out).toContain("kuma:sync prod: created 7, updated 0, unchanged 0");
      expect(sshHost.forwards.length).toBeGreaterThan(0);
    } finally {
      await sshHost.close();
    }
  });

  it("fails clearly without the password", async () => {
    const fake = await startFakeKuma({ version: "2.5.3" });
    running.push(fake);
    const result = await kumaSync(syncArgs("prod", fake), {});
    expect(result.code).toBe(1);
    expect(result.out).toContain("kuma:sync: the environment variable KUMA_TEST_PASSWORD (--password-env) is not set");
    expect((await kumaSync(["prod"])).out).toContain("usage: npm run kuma:sync -- <stack> --url URL");
  });
});

// The Uptime Kuma dynamic providers against the in-process stand-in (./fakeUptimeKuma.ts), for each version
// the payloads cover. Behaviours the stand-in takes from shared/reference/uptime-kuma-api.md ("ref:" in its
// comments): info before handlers, login rate limit, first-run setup and its password rule, 2FA
// (tokenRequired), notificationIDList as a map (an array fails a foreign key), orphan rows after a failed add,
// unknown keys as SQL errors, omitted timeout stored as 0, editMonitor replacing notifications and keeping
// `active`, deleteMonitor ok for a missing id and its 2.5 signature, 2.x conditions (required by add), 2.x
// updateMonitorIntoList/deleteMonitorFromList instead of monitorList, 2.x i18n acks, slug rules and the raw
// UNIQUE error, saveStatusPage replacing all groups, 2.2+ analyticsType check, REST status page (1.23 never
// answers an unknown slug), push route methods (1.23 GET only, 2.x any).
import { execFile } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { io } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import type { KumaMonitorFields } from "../../config/uptimeKuma";
import {
  closeKumaSessions, kumaMonitorProvider, kumaNotificationProvider, kumaPasswordLogins, kumaStatusPageProvider,
  monitorAddPayload, openKumaSession, type KumaConnection, type KumaMonitorProps, type KumaNotificationProps,
  type KumaStatusPageProps,
} from "../../components/uptimeKuma/kumaProvider";
import { newSshKeyPair, startFakeSshHost, type FakeSshHost } from "./fakeSshHost";
import { startFakeKuma, type FakeKuma, type FakeKumaOptions } from "./fakeUptimeKuma";

const VERSIONS = ["1.23.17", "2.0.2", "2.5.3"];
const PASSWORD = "Kuma-Test-Password-1";
const OWNER = "roadwave-monitoring/test";

const running: FakeKuma[] = [];
afterEach(async () => {
  closeKumaSessions();
  await Promise.all(running.splice(0).map((fake) => fake.close()));
});

async function fakeKuma(options: FakeKumaOptions): Promise<FakeKuma> {
  const fake = await startFakeKuma(options);
  running.push(fake);
  return fake;
}

function connectionTo(fake: FakeKuma, overrides: Partial<KumaConnection> = {}): KumaConnection {
  return { url: fake.url, username: "admin", password: PASSWORD, timeoutSeconds: 3, ...overrides };
}

const provider = {
  monitor: kumaMonitorProvider as Required<pulumi.dynamic.ResourceProvider>,
  notification: kumaNotificationProvider as Required<pulumi.dynamic.ResourceProvider>,
  statusPage: kumaStatusPageProvider as Required<pulumi.dynamic.ResourceProvider>,
};

const base = { description: "test check", interval: 60, retryInterval: 60, maxretries: 1, resendInterval: 0, timeout: 48 };
const MONITORS: Record<string, KumaMonitorFields> = {
  http: { ...base, type: "http", name: "Grafana", url: "https://grafana.example.org/api/health", expiryNotification: true, ignoreTls: false, maxredirects: 10, accepted_statuscodes: ["200-299"] },
  keyword: { ...base, type: "keyword", name: "API", url: "https://api.example.org/health", keyword: "ok", invertKeyword: false, expiryNotification: true },
  port: { ...base, type: "port", name: "SMTP relay", hostname: "smtp.example.org", port: 587 },
  ping: { ...base, type: "ping", name: "Gateway", hostname: "10.42.0.1", packetSize: 56 },
  push: { ...base, type: "push", name: "Watchdog", interval: 180 },
};

function monitorProps(fake: FakeKuma, key: string, notificationIds: number[], extra: Partial<KumaMonitorProps> = {}): KumaMonitorProps {
  const monitor = MONITORS[key] as KumaMonitorFields;
  return {
    connection: connectionTo(fake), owner: OWNER, key, monitor, notificationIds,
    ...(monitor.type === "push" ? { pushToken: `token${key}0123456789` } : {}), ...extra,
  };
}

function emailProps(fake: FakeKuma): KumaNotificationProps {
  return {
    connection: connectionTo(fake), owner: OWNER, key: "email", name: "Email on-call", type: "smtp",
    fields: { smtpHost: "smtp-relay.brevo.com", smtpPort: 587, smtpSecure: false, smtpUsername: "u", smtpPassword: "smtp-secret", smtpFrom: "a@example.org", smtpTo: "b@example.org" },
  };
}

function pageProps(fake: FakeKuma, monitorIds: number[], overrides: Partial<KumaStatusPageProps> = {}): KumaStatusPageProps {
  return {
    connection: connectionTo(fake), slug: "roadwave-test", title: "RoadWave status", description: "Public services",
    footerText: "footer", domainNameList: ["status.example.org"], groups: [{ name: "RoadWave", monitorIds }], ...overrides,
  };
}

describe.each(VERSIONS)("Uptime Kuma %s", (version) => {
  it("creates, reads back, updates, detects drift and deletes every kind of object, logging in once", async () => {
    const fake = await fakeKuma({ version });
    const loginsBefore = kumaPasswordLogins();

    const email = await provider.notification.create(emailProps(fake));
    const emailId = Number(email.id);
    expect(fake.notifications.get(emailId)?.name).toBe("Email on-call");
    // First run: the admin user was set up from the secret password.
    expect(fake.counts.setups).toBe(1);

    const created = new Map<string, number>();
    for (const key of Object.keys(MONITORS)) {
      const result = await provider.monitor.create(monitorProps(fake, key, [emailId]));
      created.set(key, Number(result.id));
      expect(result.outs.monitorId).toBe(Number(result.id));
      const row = fake.monitors.get(Number(result.id));
      expect(row?.type).toBe(MONITORS[key]?.type);
      expect(row?.description).toBe(`[${OWNER}#${key}] test check`);
      expect(row?.timeout).toBe(48);
      expect([...(fake.monitorNotifications.get(Number(result.id)) ?? [])]).toEqual([emailId]);
      if (version.startsWith("2.")) expect(row?.conditions).toBe("[]");
    }
    expect(fake.monitors.get(created.get("push") as number)?.pushToken).toBe("tokenpush0123456789");

    const page = await provider.statusPage.create(pageProps(fake, [created.get("keyword") as number, created.get("http") as number]));
    expect(page.id).toBe("roadwave-test");
    expect(fake.statusPages.get("roadwave-test")?.groups.map((g) => g.monitorIds)).toEqual([[created.get("keyword"), created.get("http")]]);
    expect(fake.statusPages.get("roadwave-test")?.domainNameList).toEqual(["status.example.org"]);

    // Read back: nothing differs from what was asked.
    const keywordId = String(created.get("keyword"));
    const wanted = monitorProps(fake, "keyword", [emailId]);
    const read = await provider.monitor.read(keywordId, { ...wanted, monitorId: Number(keywordId) });
    expect(read.id).toBe(keywordId);
    expect((await provider.monitor.diff(keywordId, read.props, wanted)).changes).toBe(false);
    const readPage = await provider.statusPage.read("roadwave-test", page.outs);
    expect((await provider.statusPage.diff("roadwave-test", readPage.props, page.outs)).changes).toBe(false);
    const readEmail = await provider.notification.read(email.id, email.outs);
    expect((await provider.notification.diff(email.id, readEmail.props, emailProps(fake))).changes).toBe(false);

    // Update: the whole object is written (notifications stay attached, a paused monitor stays paused).
    fake.editMonitorInUi(Number(keywordId), { active: false });
    const changed = { ...wanted, monitor: { ...wanted.monitor, interval: 120, keyword: "healthy" } };
    expect((await provider.monitor.diff(keywordId, read.props, changed)).changes).toBe(true);
    await provider.monitor.update(keywordId, read.props, changed);
    const updated = fake.monitors.get(Number(keywordId));
    expect(updated).toMatchObject({ interval: 120, keyword: "healthy", active: false, url: "https://api.example.org/health" });
    expect([...(fake.monitorNotifications.get(Number(keywordId)) ?? [])]).toEqual([emailId]);

    // Drift made in the UI shows on refresh (read) and the next update puts it back.
    fake.editMonitorInUi(Number(keywordId), { url: "https://elsewhere.example.org/", notificationIDList: {} });
    const drifted = await provider.monitor.read(keywordId, changed);
    expect(drifted.props.monitor.url).toBe("https://elsewhere.example.org/");
    expect(drifted.props.notificationIds).toEqual([]);
    expect((await provider.monitor.diff(keywordId, drifted.props, changed)).changes).toBe(true);
    await provider.monitor.update(keywordId, drifted.props, changed);
    expect(fake.monitors.get(Number(keywordId))?.url).toBe("https://api.example.org/health");
    expect([...(fake.monitorNotifications.get(Number(keywordId)) ?? [])]).toEqual([emailId]);

    fake.editStatusPageInUi("roadwave-test", { title: "Renamed in the UI", groups: [] });
    const pageDrift = await provider.statusPage.read("roadwave-test", page.outs);
    expect(pageDrift.props).toMatchObject({ title: "Renamed in the UI", groups: [] });
    expect((await provider.statusPage.diff("roadwave-test", pageDrift.props, page.outs)).changes).toBe(true);
    await provider.statusPage.update("roadwave-test", pageDrift.props, page.outs);
    expect(fake.statusPages.get("roadwave-test")).toMatchObject({ title: "RoadWave status" });
    expect(fake.statusPages.get("roadwave-test")?.groups).toHaveLength(1);

    fake.editNotificationInUi(emailId, { smtpTo: "someone-else@example.org", name: "Renamed" });
    await expect.poll(async () => (await provider.notification.read(email.id, email.outs)).props.fields.smtpTo).toBe("someone-else@example.org");
    const notificationDrift = await provider.notification.read(email.id, email.outs);
    expect(notificationDrift.props.name).toBe("Renamed");
    expect((await provider.notification.diff(email.id, notificationDrift.props, emailProps(fake))).changes).toBe(true);
    await provider.notification.update(email.id, notificationDrift.props, emailProps(fake));
    expect(JSON.parse(fake.notifications.get(emailId)?.config ?? "{}")).toMatchObject({ smtpTo: "b@example.org", name: "Email on-call", roadwaveManagedBy: `[${OWNER}#email]` });

    // A rotated password is a change (so the state's copy, used by read and delete, follows); the URL is not.
    const rotated = { ...wanted, connection: { ...wanted.connection, password: "Rotated-Password-2" } };
    expect((await provider.monitor.diff(keywordId, changed, { ...changed, connection: rotated.connection })).changes).toBe(true);
    expect((await provider.monitor.diff(keywordId, changed, { ...changed, connection: { ...changed.connection, url: "http://127.0.0.1:13001" } })).changes).toBe(false);

    // Re-running create (lost state, earlier kuma:sync) adopts the marked object instead of duplicating it.
    const again = await provider.monitor.create(monitorProps(fake, "http", [emailId]));
    expect(Number(again.id)).toBe(created.get("http"));
    expect(fake.monitors.size).toBe(Object.keys(MONITORS).length);
    expect((await provider.notification.create(emailProps(fake))).id).toBe(email.id);
    expect(fake.notifications.size).toBe(1);

    // Delete is idempotent, and a deleted object reads as gone.
    for (const id of created.values()) {
      await provider.monitor.delete(String(id), monitorProps(fake, "http", []));
      await provider.monitor.delete(String(id), monitorProps(fake, "http", []));
    }
    expect(fake.monitors.size).toBe(0);
    expect(await provider.monitor.read(keywordId, changed)).toEqual({});
    await provider.statusPage.delete("roadwave-test", page.outs);
    await provider.statusPage.delete("roadwave-test", page.outs);
    expect(await provider.statusPage.read("roadwave-test", page.outs)).toEqual({});
    await provider.notification.delete(email.id, email.outs);
    await provider.notification.delete(email.id, email.outs);
    expect(fake.notifications.size).toBe(0);

    expect(kumaPasswordLogins() - loginsBefore).toBe(1);
    expect(fake.counts.passwordLogins).toBe(1);
    // The session waited for `info`: nothing it sent was dropped.
    expect(fake.droppedEvents).toEqual([]);
  });

  it("shares one session between resources created in parallel, as Pulumi creates them", async () => {
    const fake = await fakeKuma({ version });
    const results = await Promise.all(Object.keys(MONITORS).map((key) => provider.monitor.create(monitorProps(fake, key, []))));
    expect(new Set(results.map((r) => r.id)).size).toBe(Object.keys(MONITORS).length);
    expect(fake.monitors.size).toBe(Object.keys(MONITORS).length);
    expect(fake.counts).toMatchObject({ setups: 1, passwordLogins: 1 });
  });

  it("keeps its session cache current from the lists the server pushes", async () => {
    const fake = await fakeKuma({ version });
    const session = await openKumaSession(connectionTo(fake));
    const { id } = await provider.monitor.create(monitorProps(fake, "port", []));
    // 1.23 pushes a full monitorList, 2.x only updateMonitorIntoList: the cache sees the change either way.
    await provider.monitor.update(id, {}, monitorProps(fake, "port", [], { monitor: { ...(MONITORS.port as KumaMonitorFields), name: "Renamed" } }));
    await expect.poll(() => session.monitors.get(Number(id))?.name).toBe("Renamed");
    await provider.monitor.delete(id, monitorProps(fake, "port", []));
    await expect.poll(() => session.monitors.has(Number(id))).toBe(false);
  });

  it("logs in again with the JWT, not the password, after the connection drops", async () => {
    const fake = await fakeKuma({ version });
    const first = await openKumaSession(connectionTo(fake));
    fake.disconnectAll();
    await expect.poll(() => first.alive()).toBe(false);
    await provider.monitor.create(monitorProps(fake, "ping", []));
    expect(fake.counts).toMatchObject({ passwordLogins: 1, tokenLogins: 1 });
  });

  it("removes the orphan a failed add leaves behind", async () => {
    const fake = await fakeKuma({ version });
    // The quirk itself: the row is inserted, then the notification link fails a foreign key.
    const session = await openKumaSession(connectionTo(fake));
    const raw = { ...monitorAddPayload({ owner: OWNER, key: "raw", monitor: MONITORS.http as KumaMonitorFields, notificationIds: [] }, session.version), notificationIDList: [1] };
    expect(await session.call("add", raw)).toMatchObject({ ok: false, msg: expect.stringMatching(/FOREIGN KEY/) });
    expect(fake.monitors.size).toBe(1);
    fake.monitors.clear();

    await expect(provider.monitor.create(monitorProps(fake, "http", [999]))).rejects.toThrow(
      /refused to add monitor "Grafana" \(http\): SQLITE_CONSTRAINT: FOREIGN KEY constraint failed \(removed the orphan row \d+ it left\)/,
    );
    expect(fake.monitors.size).toBe(0);
  });

  it("sends only what this version accepts", async () => {
    const fake = await fakeKuma({ version });
    const session = await openKumaSession(connectionTo(fake, { timeoutSeconds: 1 }));
    const payload = monitorAddPayload({ owner: OWNER, key: "v", monitor: MONITORS.keyword as KumaMonitorFields, notificationIds: [] }, session.version);
    if (version.startsWith("2.")) {
      const { conditions, ...withoutConditions } = payload;
      expect(conditions).toEqual([]);
      expect(await session.call("add", withoutConditions)).toMatchObject({ ok: false, msg: expect.stringMatching(/NOT NULL constraint failed: monitor.conditions/) });
    } else {
      expect(payload).not.toHaveProperty("conditions");
      expect(await session.call("add", { ...payload, conditions: [] })).toMatchObject({ ok: false, msg: expect.stringMatching(/no column named conditions/) });
    }
    // Read-only fields getMonitor returns are SQL errors in add: the provider never sends them.
    expect(await session.call("add", { ...payload, tags: [] })).toMatchObject({ ok: false, msg: expect.stringMatching(/no column named tags/) });
    // 1.23 and 2.0-2.4 take deleteMonitor(id, cb): the 2.5 form gets no answer there, and every call times out.
    if (version === "2.5.3") expect(await session.call("deleteMonitor", 1, false)).toMatchObject({ ok: true });
    else await expect(session.call("deleteMonitor", 1, false)).rejects.toThrow(/did not answer "deleteMonitor" within 1 s/);
  });

  it("checks monitor inputs before anything is sent", async () => {
    const fake = await fakeKuma({ version });
    const tooOften = monitorProps(fake, "http", [], { monitor: { ...(MONITORS.http as KumaMonitorFields), interval: 10 } });
    expect((await provider.monitor.check({}, tooOften)).failures).toEqual([{ property: "monitor", reason: expect.stringMatching(/interval 10 s/) }]);
    expect((await provider.monitor.check({}, monitorProps(fake, "push", [], { pushToken: "" }))).failures).toEqual([{ property: "pushToken", reason: expect.any(String) }]);
    expect((await provider.monitor.check({}, monitorProps(fake, "http", []))).failures).toEqual([]);
  });

  it("applies Uptime Kuma's slug rules and reports a taken slug", async () => {
    const fake = await fakeKuma({ version });
    expect((await provider.statusPage.check({}, pageProps(fake, [], { slug: "RoadWave" }))).failures).toEqual([
      { property: "slug", reason: expect.stringMatching(/must be lowercase/) },
    ]);
    await expect(provider.statusPage.create(pageProps(fake, [], { slug: "road--wave" }))).rejects.toThrow(/single dashes/);
    const session = await openKumaSession(connectionTo(fake));
    await session.callOk("add a page", "addStatusPage", "Taken", "roadwave-test");
    expect(await session.call("addStatusPage", "Again", "RoadWave-Test")).toMatchObject({ ok: false, msg: expect.stringMatching(/UNIQUE constraint failed: status_page.slug/) });
    // The stack owns its slug: an existing page is adopted and converged.
    await provider.statusPage.create(pageProps(fake, []));
    expect(fake.statusPages.get("roadwave-test")?.title).toBe("RoadWave status");
    expect((await provider.statusPage.diff("roadwave-test", pageProps(fake, []), pageProps(fake, [], { slug: "other" }))).replaces).toEqual(["slug"]);
  });

  it("accepts the Watchdog heartbeat as Alertmanager sends it only from 2.x", async () => {
    const fake = await fakeKuma({ version });
    await provider.monitor.create(monitorProps(fake, "push", []));
    const push = (method: string) => fetch(`${fake.url}/api/push/tokenpush0123456789?status=up&msg=Watchdog`, { method });
    expect((await push("GET")).status).toBe(200);
    // Alertmanager's webhook receiver always POSTs.
    expect((await push("POST")).status).toBe(version.startsWith("2.") ? 200 : 404);
    expect(fake.pushes.map((p) => p.method)).toEqual(version.startsWith("2.") ? ["GET", "POST"] : ["GET"]);
  });

  it("fails clearly on wrong credentials, 2FA, a weak first password and the login rate limit", async () => {
    const existing = await fakeKuma({ version, admin: { username: "admin", password: "Another-Password-2" } });
    await expect(openKumaSession(connectionTo(existing))).rejects.toThrow(
      new RegExp(`rejected the login of "admin": Incorrect username or password\\.${version.startsWith("2.") ? " \\(authIncorrectCreds\\)" : ""}.*uptimeKumaAdminPassword`),
    );

    const twoFactor = await fakeKuma({ version, admin: { username: "admin", password: PASSWORD, twoFactor: true } });
    await expect(openKumaSession(connectionTo(twoFactor))).rejects.toThrow(/two-factor authentication enabled/);

    const fresh = await fakeKuma({ version });
    await expect(openKumaSession(connectionTo(fresh, { password: "weak" }))).rejects.toThrow(/first-run setup of the Uptime Kuma admin "admin" .* failed: Password is too weak/);

    // Clients that log in for every call hit the limit: 20 logins a minute.
    const limited = await fakeKuma({ version, admin: { username: "admin", password: PASSWORD } });
    const raw = io(limited.url, { transports: ["websocket"], reconnection: false });
    try {
      await new Promise<void>((resolveInfo) => raw.once("info", () => resolveInfo()));
      for (let i = 0; i < 20; i++) await raw.timeout(3000).emitWithAck("login", { username: "admin", password: "wrong", token: "" });
    } finally {
      raw.close();
    }
    await expect(openKumaSession(connectionTo(limited))).rejects.toThrow(/Too frequently, try again later.*rate limit/);
  });

  it("refuses an unsupported version", async () => {
    const old = await fakeKuma({ version: "1.21.3" });
    await expect(openKumaSession(connectionTo(old))).rejects.toThrow(/Uptime Kuma 1\.21\.3 .* is not supported: the payloads are built for 1\.23\.x and 2\.x/);
    const future = await fakeKuma({ version: "3.0.0" });
    await expect(openKumaSession(connectionTo(future))).rejects.toThrow(/Uptime Kuma 3\.0\.0 .* is not supported/);
    void version;
  });
});

/** A port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise<number>((resolvePort) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port: free } = server.address() as { port: number };
      server.close(() => resolvePort(free));
    });
  });
}

describe("the socket.io connection", () => {
  it("reports an unreachable server after its timeout", async () => {
    const port = await closedPort();
    await expect(openKumaSession({ url: `http://127.0.0.1:${port}`, username: "admin", password: PASSWORD, timeoutSeconds: 2 })).rejects.toThrow(
      new RegExp(`cannot reach Uptime Kuma at http://127.0.0.1:${port}: .*The admin UI is not public: give the provider the Kuma host's SSH access`),
    );
  });

  it("waits for info: what a naive client sends right after connecting is dropped", async () => {
    const fake = await fakeKuma({ version: "2.5.3", handlerDelayMs: 200 });
    const raw = io(fake.url, { transports: ["websocket"], reconnection: false });
    try {
      await new Promise<void>((resolveConnect) => raw.once("connect", () => resolveConnect()));
      await expect(raw.timeout(500).emitWithAck("needSetup")).rejects.toThrow();
    } finally {
      raw.close();
    }
    expect(fake.droppedEvents).toEqual(["needSetup"]);
    await openKumaSession(connectionTo(fake));
    expect(fake.droppedEvents).toEqual(["needSetup"]);
  });
});

describe("through an SSH tunnel the provider opens itself", () => {
  const sshHosts: FakeSshHost[] = [];
  const home = process.env.HOME;
  afterEach(async () => {
    process.env.HOME = home;
    closeKumaSessions();
    await Promise.all(sshHosts.splice(0).map((host) => host.close()));
  });

  async function sshSetup() {
    const fake = await fakeKuma({ version: "2.5.3" });
    const key = newSshKeyPair();
    const sshHost = await startFakeSshHost("debian", key.publicKey);
    sshHosts.push(sshHost);
    // An empty HOME: no known_hosts unless the test writes one.
    const dir = mkdtempSync(join(tmpdir(), "kuma-ssh-home-"));
    process.env.HOME = dir;
    const ssh = { host: "127.0.0.1", port: sshHost.port, user: "debian", privateKey: key.privateKey };
    return { fake, sshHost, ssh, dir };
  }

  it("manages Kuma at the address the SSH host sees", async () => {
    const { fake, sshHost, ssh, dir } = await sshSetup();
    try {
      const props = { ...monitorProps(fake, "keyword", []), connection: { ...connectionTo(fake), ssh } };
      const { id } = await provider.monitor.create(props);
      expect(fake.monitors.get(Number(id))?.name).toBe("API");
      expect((await provider.monitor.read(id, props)).props.monitor.url).toBe("https://api.example.org/health");
      // The status page groups come from the REST API: through the tunnel too.
      await provider.statusPage.create({ ...pageProps(fake, [Number(id)]), connection: { ...connectionTo(fake), ssh } });
      expect(sshHost.forwards.every((to) => to === new URL(fake.url).host)).toBe(true);
      expect(sshHost.forwards.length).toBeGreaterThanOrEqual(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("fails clearly on a key the host refuses, and on a host key that known_hosts contradicts", async () => {
    const { fake, sshHost, ssh, dir } = await sshSetup();
    try {
      const wrongKey = { ...ssh, privateKey: newSshKeyPair().privateKey };
      await expect(openKumaSession({ ...connectionTo(fake), ssh: wrongKey })).rejects.toThrow(
        new RegExp(`cannot open the SSH tunnel to Uptime Kuma through debian@127.0.0.1:${sshHost.port}: All configured authentication methods failed`),
      );
      mkdirSync(join(dir, ".ssh"));
      writeFileSync(join(dir, ".ssh", "known_hosts"), `[127.0.0.1]:${sshHost.port} ${newSshKeyPair().publicKey.split(" ").slice(0, 2).join(" ")}\n`);
      const refused = await openKumaSession({ ...connectionTo(fake), ssh, password: "another-Password-9" }).catch((e: Error) => e.message);
      expect(refused).toMatch(/its host key does not match ~\/.ssh\/known_hosts/);
      // Hashed names (HashKnownHosts) are matched too.
      const salt = randomBytes(20);
      const hashed = `|1|${salt.toString("base64")}|${createHmac("sha1", salt).update(`[127.0.0.1]:${sshHost.port}`).digest("base64")}`;
      writeFileSync(join(dir, ".ssh", "known_hosts"), `# comment\n${hashed} ${newSshKeyPair().publicKey.split(" ").slice(0, 2).join(" ")}\n`);
      const refusedHashed = await openKumaSession({ ...connectionTo(fake), ssh, password: "third-Password-9" }).catch((e: Error) => e.message);
      expect(refusedHashed).toMatch(/its host key does not match ~\/.ssh\/known_hosts/);
      writeFileSync(join(dir, ".ssh", "known_hosts"), `${hashed} ${sshHost.hostKey}\n`);
      await expect(openKumaSession({ ...connectionTo(fake), ssh })).resolves.toMatchObject({ version: { major: 2 } });
      const noSshd = await closedPort();
      await expect(openKumaSession({ ...connectionTo(fake), ssh: { ...ssh, port: noSshd }, timeoutSeconds: 2 })).rejects.toThrow(
        new RegExp(`cannot open the SSH tunnel to Uptime Kuma through debian@127.0.0.1:${noSshd}: connect ECONNREFUSED`),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the serialized provider", () => {
  it("runs on its own in another process, compiled as Pulumi compiles it (CommonJS), as the dynamic provider host runs it", async () => {
    const fake = await fakeKuma({ version: "2.5.3" });
    const dir = mkdtempSync(join(tmpdir(), "kuma-provider-"));
    try {
      const inputs = {
        kumaNotificationProvider: { ...emailProps(fake) },
        kumaMonitorProvider: monitorProps(fake, "http", []),
        kumaStatusPageProvider: pageProps(fake, [1]),
      };
      // Exported constants compile to `exports.NAME` in CommonJS: a serialized function must not depend on them.
      const runner = `
        const { createRequire } = require("node:module");
        const fs = require("node:fs");
        const path = require("node:path");
        const projectRequire = createRequire(${JSON.stringify(resolve("package.json"))});
        const ts = projectRequire("typescript");
        const source = fs.readFileSync(${JSON.stringify(resolve("components/uptimeKuma/kumaProvider.ts"))}, "utf8");
        const compiled = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } });
        const file = path.join(${JSON.stringify(dir)}, "kumaProvider.js");
        fs.writeFileSync(file, compiled.outputText);
        const providers = require(file);
        const pulumi = projectRequire("@pulumi/pulumi");
        const inputs = ${JSON.stringify(inputs)};
        (async () => {
          const ids = {};
          for (const name of Object.keys(inputs)) {
            const provider = providers[name];
            const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
            const module = { exports: {} };
            new Function("exports", "require", "module", serialized.text)(module.exports, projectRequire, module);
            const created = await module.exports[serialized.exportName]().create(inputs[name]);
            ids[name] = created.id;
          }
          console.log(JSON.stringify(ids));
          process.exit(0);
        })().catch((error) => { console.error(error.stack); process.exit(1); });`;
      const { stdout } = await promisify(execFile)(process.execPath, ["-e", runner], { timeout: 60_000 });
      expect(JSON.parse(stdout)).toEqual({ kumaNotificationProvider: "1", kumaMonitorProvider: "1", kumaStatusPageProvider: "roadwave-test" });
      expect(fake.statusPages.get("roadwave-test")?.groups).toEqual([{ id: 1, name: "RoadWave", monitorIds: [1] }]);
      expect(fake.monitors.get(1)).toMatchObject({ name: "Grafana", description: `[${OWNER}#http] test check` });
      expect(JSON.parse(fake.notifications.get(1)?.config ?? "{}")).toMatchObject({ roadwaveManagedBy: `[${OWNER}#email]` });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

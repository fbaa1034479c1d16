// Uptime Kuma over socket.io: one session per process, and the create/read/update/delete of notifications,
// monitors and status pages, used by the Pulumi dynamic providers below and by `npm run kuma:sync`.
//
// Pulumi serializes a dynamic provider's code into the provider process. This module is therefore
// self-contained: only type imports at the top, runtime modules required inside functions, plain functions
// (no classes), and per-process state on globalThis (a serialized module-level variable would be a copy).
// The facts about the API (and its quirks) come from shared/reference/uptime-kuma-api.md.
import type * as pulumi from "@pulumi/pulumi";
import type { Socket } from "socket.io-client";
import type { KumaFieldValue, KumaMonitorFields } from "../../config/uptimeKuma";

// ---- connection and session -------------------------------------------------------------------------

export interface KumaConnection {
  /**
   * Base URL of Uptime Kuma, e.g. http://10.42.0.11:3001: as the SSH host reaches it when `ssh` is set,
   * otherwise as this process does.
   */
  url: string;
  username: string;
  password: string;
  /** Timeout of every call, and how long connecting may take (retried while the server starts). Default 30. */
  timeoutSeconds?: number;
  /** Reach `url` through an SSH tunnel that the provider opens itself (docs/uptime-kuma.md). */
  ssh?: KumaSshTunnel;
}

export interface KumaSshTunnel {
  host: string;
  port?: number;
  user: string;
  /** OpenSSH or PEM private key. */
  privateKey: string;
}

export interface KumaVersion {
  text: string;
  major: number;
  minor: number;
}

export type KumaAck = { ok?: boolean; msg?: string; msgi18n?: boolean } & Record<string, unknown>;

export interface KumaSession {
  url: string;
  version: KumaVersion;
  /** Emits an event and resolves with the raw ack; rejects after the timeout or on a lost connection. */
  call(event: string, ...args: unknown[]): Promise<unknown>;
  /** Like call, but rejects with a clear message unless the ack has ok: true. */
  callOk(what: string, event: string, ...args: unknown[]): Promise<KumaAck>;
  /** Monitors as last pushed by the server (monitorList, updateMonitorIntoList, deleteMonitorFromList). */
  monitors: Map<number, Record<string, unknown>>;
  /** Notifications as last pushed by the server (notificationList). */
  notifications(): LiveNotification[];
  /** Asks for a full monitorList (it is pushed before the ack). */
  refreshMonitorList(): Promise<void>;
  close(): void;
  alive(): boolean;
}

export interface LiveNotification {
  id: number;
  name: string;
  isDefault: boolean | number;
  /** JSON text of the whole object given to addNotification. */
  config: string;
}

interface SessionRegistry {
  sessions: Map<string, Promise<KumaSession>>;
  tokens: Map<string, string>;
  /** Password logins done by this process (tests check that it stays at one per server and user). */
  passwordLogins: number;
}

const REACH_HINT =
  "The admin UI is not public: give the provider the Kuma host's SSH access (connection.ssh), or open a tunnel " +
  "yourself (docs/uptime-kuma.md) and pass its local URL.";
const REACH_HINT_TUNNEL = "The SSH tunnel is up: check that the Uptime Kuma container runs and listens on that address on the host.";

/** i18n keys Uptime Kuma 2.x puts in `msg` (with msgi18n: true), in words. */
const KUMA_MESSAGES: Record<string, string> = {
  authIncorrectCreds: "Incorrect username or password.",
  passwordTooWeak: "Password is too weak.",
  authInvalidToken: "Invalid token.",
  authUserInactiveOrDeleted: "The user is inactive or deleted.",
};

export function describeAck(ack: unknown): string {
  if (ack === null || typeof ack !== "object") return `unexpected answer ${JSON.stringify(ack)}`;
  const { msg, msgi18n } = ack as KumaAck;
  if (typeof msg !== "string" || msg === "") return "no message";
  return msgi18n && KUMA_MESSAGES[msg] ? `${KUMA_MESSAGES[msg]} (${msg})` : msg;
}

export function parseKumaVersion(text: string): KumaVersion | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(text);
  if (!match) return undefined;
  return { text, major: Number(match[1]), minor: Number(match[2]) };
}

/** 1.23.x and 2.x: the versions whose payloads this module builds. */
export function isSupportedKumaVersion(version: KumaVersion): boolean {
  return (version.major === 1 && version.minor === 23) || version.major === 2;
}

function atLeast(version: KumaVersion, major: number, minor: number): boolean {
  return version.major > major || (version.major === major && version.minor >= minor);
}

function sessionRegistry(): SessionRegistry {
  const g = globalThis as unknown as { __roadwaveKumaSessions?: SessionRegistry };
  g.__roadwaveKumaSessions ??= { sessions: new Map(), tokens: new Map(), passwordLogins: 0 };
  return g.__roadwaveKumaSessions;
}

/** Password logins done by this process so far. */
export function kumaPasswordLogins(): number {
  return sessionRegistry().passwordLogins;
}

/**
 * The process's session with this server and user: logs in once (password, or the cached JWT after a lost
 * connection), sets the admin user up on a fresh instance, and checks the version.
 */
export function openKumaSession(connection: KumaConnection): Promise<KumaSession> {
  const registry = sessionRegistry();
  const { createHash } = require("node:crypto") as typeof import("node:crypto");
  const via = connection.ssh ? `${connection.ssh.user}@${connection.ssh.host}:${connection.ssh.port ?? 22}` : "";
  // Other credentials are another session (a digest: the registry holds no secret in its keys).
  const secrets = createHash("sha256").update(`${connection.password}\n${connection.ssh?.privateKey ?? ""}`).digest("hex");
  const key = `${connection.url.replace(/\/+$/, "")}\n${connection.username}\n${via}\n${secrets}`;
  const cached = registry.sessions.get(key);
  if (cached) {
    // A failed login stays failed for this process: retrying per resource would hit the login rate limit.
    return cached.then((session) => {
      if (session.alive()) return session;
      session.close();
      return reopen();
    });
  }
  return reopen();

  function reopen(): Promise<KumaSession> {
    const opening = connectWithRetry(connection, key, registry);
    registry.sessions.set(key, opening);
    return opening;
  }
}

/** Closes every session of this process (kuma:sync and tests; the Pulumi provider process just exits). */
export function closeKumaSessions(): void {
  const registry = sessionRegistry();
  for (const opening of registry.sessions.values()) opening.then((s) => s.close(), () => undefined);
  registry.sessions.clear();
  registry.tokens.clear();
}

async function connectWithRetry(connection: KumaConnection, key: string, registry: SessionRegistry): Promise<KumaSession> {
  const timeoutMs = (connection.timeoutSeconds ?? 30) * 1000;
  const deadline = Date.now() + timeoutMs;
  let tunnel: SshTunnel | undefined;
  try {
    const ssh = connection.ssh;
    if (ssh) tunnel = await retryWhileUnreachable(() => openSshTunnel(ssh, connection.url, timeoutMs), deadline);
    const opened = tunnel;
    return await retryWhileUnreachable(() => connectAndLogin(connection, key, registry, deadline, opened), deadline);
  } catch (error) {
    tunnel?.close();
    throw error;
  }
}

/** Only "cannot connect" is retried: the host or the container may still be starting. */
async function retryWhileUnreachable<T>(attempt: () => Promise<T>, deadline: number): Promise<T> {
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      const retryable = (error as { kumaUnreachable?: boolean }).kumaUnreachable === true;
      if (!retryable || Date.now() + 1000 >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

interface SshTunnel {
  /** http://127.0.0.1:<local port>, forwarded to the target through the SSH host. */
  localUrl: string;
  alive(): boolean;
  close(): void;
}

/**
 * Accepts a host key the way `StrictHostKeyChecking=accept-new` does: when ~/.ssh/known_hosts lists the host
 * (plain or hashed names), the key must be one of those listed; an unknown host is accepted.
 */
function knownHostsAccept(host: string, port: number, key: Buffer): boolean {
  const { createHmac } = require("node:crypto") as typeof import("node:crypto");
  const { readFileSync } = require("node:fs") as typeof import("node:fs");
  const { homedir } = require("node:os") as typeof import("node:os");
  let text = "";
  try {
    text = readFileSync(`${homedir()}/.ssh/known_hosts`, "utf8");
  } catch {
    return true;
  }
  const name = port === 22 ? host : `[${host}]:${port}`;
  const matchesName = (pattern: string) => {
    if (!pattern.startsWith("|1|")) return pattern === name;
    const [, , salt, hash] = pattern.split("|");
    return createHmac("sha1", Buffer.from(salt ?? "", "base64")).update(name).digest("base64") === hash;
  };
  const listed = text
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length >= 3 && !(fields[0] ?? "").startsWith("#") && !(fields[0] ?? "").startsWith("@"))
    .filter((fields) => (fields[0] as string).split(",").some(matchesName))
    .map((fields) => fields[2]);
  return listed.length === 0 || listed.includes(key.toString("base64"));
}

async function openSshTunnel(ssh: KumaSshTunnel, url: string, timeoutMs: number): Promise<SshTunnel> {
  const { Client } = require("ssh2") as typeof import("ssh2");
  const net = require("node:net") as typeof import("node:net");
  const target = new URL(url);
  const port = ssh.port ?? 22;
  const via = `${ssh.user}@${ssh.host}${port === 22 ? "" : `:${port}`}`;
  const client = new Client();
  let open = false;
  let hostKeyRejected = false;
  await new Promise<void>((resolve, reject) => {
    client.once("ready", () => {
      open = true;
      resolve();
    });
    client.once("error", (error: Error & { level?: string }) => {
      const reason = hostKeyRejected ? "its host key does not match ~/.ssh/known_hosts" : error.message;
      // Wrong key or host key: not retried. Refused, timed out, unreachable: the host may still be booting.
      const retryable = !hostKeyRejected && error.level !== "client-authentication";
      reject(Object.assign(new Error(`cannot open the SSH tunnel to Uptime Kuma through ${via}: ${reason}`), { kumaUnreachable: retryable }));
    });
    client.connect({
      host: ssh.host,
      port,
      username: ssh.user,
      privateKey: ssh.privateKey,
      readyTimeout: timeoutMs,
      keepaliveInterval: 15_000,
      hostVerifier: (key: Buffer) => {
        hostKeyRejected = !knownHostsAccept(ssh.host, port, key);
        return !hostKeyRejected;
      },
    });
  });
  client.on("close", () => {
    open = false;
  });
  client.on("error", () => {
    open = false;
  });
  const server = net.createServer((local) => {
    client.forwardOut("127.0.0.1", 0, target.hostname, Number(target.port || (target.protocol === "https:" ? 443 : 80)), (error, stream) => {
      if (error) {
        local.destroy();
        return;
      }
      local.pipe(stream).pipe(local);
      local.on("error", () => stream.destroy());
      stream.on("error", () => local.destroy());
      stream.on("close", () => local.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port: localPort } = server.address() as import("node:net").AddressInfo;
  return {
    localUrl: `http://127.0.0.1:${localPort}${target.pathname.replace(/\/+$/, "")}`,
    alive: () => open,
    close: () => {
      server.close();
      client.end();
    },
  };
}

async function connectAndLogin(
  connection: KumaConnection,
  key: string,
  registry: SessionRegistry,
  deadline: number,
  tunnel: SshTunnel | undefined,
): Promise<KumaSession> {
  const { io } = require("socket.io-client") as typeof import("socket.io-client");
  const socketUrl = (tunnel?.localUrl ?? connection.url).replace(/\/+$/, "");
  // Messages name the address Kuma has, and the SSH host when tunnelled.
  const url = connection.ssh ? `${connection.url.replace(/\/+$/, "")} (through ${connection.ssh.user}@${connection.ssh.host})` : socketUrl;
  const timeoutMs = (connection.timeoutSeconds ?? 30) * 1000;
  const seconds = timeoutMs / 1000;
  const socket: Socket = io(socketUrl, {
    path: "/socket.io",
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    timeout: Math.max(1000, Math.min(timeoutMs, deadline - Date.now())),
  });

  let connected = false;
  let closedByUs = false;
  let failure: Error | undefined;
  let infoSeen = false;
  let versionText: string | undefined;
  let monitorListSeen = false;
  let notificationListSeen = false;
  const monitors = new Map<number, Record<string, unknown>>();
  let notifications: LiveNotification[] = [];
  const waiters = new Set<() => void>();
  const changed = () => {
    for (const check of [...waiters]) check();
  };

  socket.on("connect", () => {
    connected = true;
    changed();
  });
  socket.on("connect_error", (error: Error) => {
    failure = Object.assign(new Error(`cannot reach Uptime Kuma at ${url}: ${error.message}. ${tunnel ? REACH_HINT_TUNNEL : REACH_HINT}`), { kumaUnreachable: true });
    changed();
  });
  socket.on("disconnect", (reason: string) => {
    connected = false;
    if (!closedByUs) failure ??= new Error(`Uptime Kuma at ${url} closed the connection (${reason})`);
    changed();
  });
  socket.on("info", (info: { version?: unknown }) => {
    infoSeen = true;
    if (typeof info?.version === "string" && info.version !== "") versionText = info.version;
    changed();
  });
  socket.on("monitorList", (list: Record<string, Record<string, unknown>>) => {
    monitors.clear();
    for (const monitor of Object.values(list ?? {})) monitors.set(Number(monitor.id), monitor);
    monitorListSeen = true;
    changed();
  });
  // 2.x pushes only what changed after add/edit/delete.
  socket.on("updateMonitorIntoList", (list: Record<string, Record<string, unknown>>) => {
    for (const monitor of Object.values(list ?? {})) monitors.set(Number(monitor.id), monitor);
    changed();
  });
  socket.on("deleteMonitorFromList", (id: unknown) => {
    monitors.delete(Number(id));
    changed();
  });
  socket.on("notificationList", (list: LiveNotification[]) => {
    notifications = Array.isArray(list) ? list : [];
    notificationListSeen = true;
    changed();
  });

  function until(condition: () => boolean, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      function finish(): void {
        clearTimeout(timer);
        waiters.delete(check);
      }
      function check(): void {
        if (condition()) {
          finish();
          resolve();
        } else if (failure) {
          finish();
          reject(failure);
        }
      }
      timer = setTimeout(() => {
        finish();
        reject(failure ?? new Error(`Uptime Kuma at ${url} did not answer within ${seconds} s while ${what}`));
      }, Math.max(1000, Math.min(timeoutMs, deadline - Date.now())));
      waiters.add(check);
      check();
    });
  }

  function call(event: string, ...args: unknown[]): Promise<unknown> {
    if (failure) return Promise.reject(failure);
    return new Promise((resolve, reject) => {
      socket.timeout(timeoutMs).emit(event, ...args, (error: Error | null, ack: unknown) => {
        if (error) reject(failure ?? new Error(`Uptime Kuma at ${url} did not answer "${event}" within ${seconds} s`));
        else resolve(ack);
      });
    });
  }

  async function callOk(what: string, event: string, ...args: unknown[]): Promise<KumaAck> {
    const ack = (await call(event, ...args)) as KumaAck;
    if (ack?.ok !== true) throw new Error(`Uptime Kuma refused to ${what}: ${describeAck(ack)}`);
    return ack;
  }

  const close = () => {
    closedByUs = true;
    socket.close();
  };

  try {
    socket.connect();
    // The server registers its handlers only after it has pushed `info`: anything sent earlier is lost.
    await until(() => connected && infoSeen, "connecting (waiting for its first info event)");

    let loggedIn = false;
    const token = registry.tokens.get(key);
    if (token !== undefined) {
      // loginByToken is not rate-limited, unlike login.
      const ack = (await call("loginByToken", token)) as KumaAck;
      loggedIn = ack?.ok === true;
      if (!loggedIn) registry.tokens.delete(key);
    }
    if (!loggedIn) {
      if ((await call("needSetup")) === true) {
        const ack = (await call("setup", connection.username, connection.password)) as KumaAck;
        if (ack?.ok !== true) {
          throw new Error(`first-run setup of the Uptime Kuma admin "${connection.username}" at ${url} failed: ${describeAck(ack)}`);
        }
      }
      registry.passwordLogins += 1;
      const ack = (await call("login", { username: connection.username, password: connection.password, token: "" })) as KumaAck;
      if (ack?.tokenRequired === true) {
        throw new Error(
          `the Uptime Kuma account "${connection.username}" at ${url} has two-factor authentication enabled: ` +
            "this automation cannot answer a TOTP prompt. Use an account without 2FA (settings.uptimeKuma.adminUsername).",
        );
      }
      if (ack?.ok !== true || typeof ack.token !== "string") {
        const limited = /too frequently/i.test(String(ack?.msg ?? ""))
          ? " Uptime Kuma's login rate limit (about 20 logins a minute) was hit: wait a minute."
          : " Check settings.uptimeKuma.adminUsername and the secret uptimeKumaAdminPassword.";
        throw new Error(`Uptime Kuma at ${url} rejected the login of "${connection.username}": ${describeAck(ack)}.${limited}`);
      }
      registry.tokens.set(key, ack.token);
    }
    await until(() => versionText !== undefined, "sending its version after login");
    const version = parseKumaVersion(versionText as string);
    if (!version || !isSupportedKumaVersion(version)) {
      throw new Error(`Uptime Kuma ${versionText} at ${url} is not supported: the payloads are built for 1.23.x and 2.x`);
    }
    await until(() => monitorListSeen && notificationListSeen, "pushing its monitor and notification lists after login");
    return {
      url: socketUrl,
      version,
      call,
      callOk,
      monitors,
      notifications: () => notifications,
      refreshMonitorList: async () => {
        await callOk("list the monitors", "getMonitorList");
      },
      close: () => {
        close();
        tunnel?.close();
      },
      alive: () => connected && !failure && (tunnel?.alive() ?? true),
    };
  } catch (error) {
    close();
    throw error;
  }
}

// ---- ownership markers ------------------------------------------------------------------------------

/**
 * Objects this project manages carry a marker naming the owner (project/stack) and a stable key: in a
 * monitor's description (written by the same add/edit call, so no window without it) and in a notification's
 * stored config. Identity inside Pulumi is Kuma's id; the marker lets kuma:sync and a create after lost state
 * find the object again, whatever its display name.
 */
export function ownershipMarker(owner: string, key: string): string {
  return `[${owner}#${key}]`;
}

export function markedDescription(owner: string, key: string, text: string): string {
  return `${ownershipMarker(owner, key)} ${text}`;
}

// Not exported: CommonJS would compile its uses to `exports.NOTIFICATION_MARKER_FIELD`, which a serialized
// function does not carry (test/unit/uptimeKumaProvider.test.ts runs the compiled, serialized provider).
const NOTIFICATION_MARKER_FIELD = "roadwaveManagedBy";

// ---- monitors ---------------------------------------------------------------------------------------

export interface KumaMonitorSpec {
  owner: string;
  key: string;
  monitor: KumaMonitorFields;
  notificationIds: number[];
  /** Push monitors only. */
  pushToken?: string;
}

/** Fields getMonitor returns that add must never send (unknown columns are SQL errors). */
const READ_ONLY_MONITOR_FIELDS = [
  "includeSensitiveData", "maintenance", "childrenIDs", "forceInactive", "pathName", "screenshot", "tags",
];

/** The managed fields of a monitor as they should be stored. */
export function monitorWantedFields(spec: KumaMonitorSpec): Record<string, unknown> {
  const wanted: Record<string, unknown> = {
    ...spec.monitor,
    description: markedDescription(spec.owner, spec.key, spec.monitor.description),
    upsideDown: false,
    notificationIDList: Object.fromEntries(spec.notificationIds.map((id) => [String(id), true])),
  };
  // Required by add and edit alike, even for monitors that never look at a status code.
  wanted.accepted_statuscodes ??= ["200-299"];
  if (spec.monitor.type === "push") wanted.pushToken = spec.pushToken;
  return wanted;
}

/** add payload for this server version. */
export function monitorAddPayload(spec: KumaMonitorSpec, version: KumaVersion): Record<string, unknown> {
  const payload = { ...monitorWantedFields(spec), active: true };
  // 2.x: NOT NULL column; 1.23: unknown column.
  if (version.major >= 2) (payload as Record<string, unknown>).conditions = [];
  return payload;
}

/** editMonitor payload: the whole stored object with the managed fields replaced. */
export function monitorEditPayload(live: Record<string, unknown>, spec: KumaMonitorSpec, version: KumaVersion): Record<string, unknown> {
  const payload: Record<string, unknown> = { ...live, ...monitorWantedFields(spec), id: live.id };
  for (const field of READ_ONLY_MONITOR_FIELDS) delete payload[field];
  if (version.major >= 2) {
    // From 2.2 JSON columns must hold valid JSON: an empty string is stored as "no value".
    for (const field of ["headers", "body", "kafkaProducerSaslOptions", "conditions"]) {
      if (payload[field] === "") payload[field] = field === "conditions" ? [] : null;
    }
  } else {
    delete payload.conditions;
  }
  return payload;
}

function normalized(value: unknown): unknown {
  if (value === undefined || value === "") return null;
  if (typeof value === "number" || typeof value === "boolean" || value === null) return value;
  if (Array.isArray(value)) return value.map(normalized);
  if (typeof value === "object") {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, normalized(v)]));
  }
  return value;
}

function sameValue(wanted: unknown, live: unknown): boolean {
  // Kuma returns some booleans as 0/1 and numbers as strings depending on the database driver.
  if (typeof wanted === "boolean") return wanted === (live === true || live === 1 || live === "1");
  if (typeof wanted === "number") return live !== null && live !== undefined && Number(live) === wanted;
  return JSON.stringify(normalized(wanted)) === JSON.stringify(normalized(live));
}

/** The managed fields whose live value differs from the wanted one. */
export function monitorDifferences(live: Record<string, unknown>, spec: KumaMonitorSpec): string[] {
  const wanted = monitorWantedFields(spec);
  const liveWithMap: Record<string, unknown> = { ...live, notificationIDList: trueKeys(live.notificationIDList) };
  const wantedWithMap: Record<string, unknown> = { ...wanted, notificationIDList: trueKeys(wanted.notificationIDList) };
  return Object.keys(wantedWithMap).filter((field) => !sameValue(wantedWithMap[field], liveWithMap[field]));
}

function trueKeys(map: unknown): number[] {
  if (map === null || typeof map !== "object") return [];
  return Object.entries(map as Record<string, unknown>).filter(([, on]) => on === true || on === 1).map(([id]) => Number(id)).sort((a, b) => a - b);
}

/** The spec as it is live (for `pulumi refresh`): managed fields only, the marker taken off the description. */
export function liveMonitorSpec(live: Record<string, unknown>, spec: KumaMonitorSpec): KumaMonitorSpec {
  const monitor: Record<string, unknown> = {};
  for (const field of Object.keys(spec.monitor)) {
    const value = live[field];
    const wanted = (spec.monitor as unknown as Record<string, unknown>)[field];
    monitor[field] = typeof wanted === "boolean" ? value === true || value === 1 : typeof wanted === "number" && value !== null && value !== undefined ? Number(value) : value ?? null;
  }
  const description = String(live.description ?? "");
  const prefix = `${ownershipMarker(spec.owner, spec.key)} `;
  monitor.description = description.startsWith(prefix) ? description.slice(prefix.length) : description;
  const result: KumaMonitorSpec = {
    owner: spec.owner,
    key: spec.key,
    monitor: monitor as unknown as KumaMonitorFields,
    notificationIds: trueKeys(live.notificationIDList),
  };
  if (spec.monitor.type === "push") result.pushToken = typeof live.pushToken === "string" ? live.pushToken : undefined;
  return result;
}

/** The live monitor, or undefined when it does not exist (checked against a fresh list, not guessed). */
export async function getKumaMonitor(session: KumaSession, id: number): Promise<Record<string, unknown> | undefined> {
  const ack = (await session.call("getMonitor", id)) as KumaAck;
  if (ack?.ok === true && ack.monitor && typeof ack.monitor === "object") return ack.monitor as Record<string, unknown>;
  await session.refreshMonitorList();
  if (!session.monitors.has(id)) return undefined;
  throw new Error(`Uptime Kuma could not read monitor ${id}: ${describeAck(ack)}`);
}

/** Id of the monitor carrying this owner/key marker, if any (several: the lowest id). */
export function findMarkedMonitor(session: KumaSession, owner: string, key: string): number | undefined {
  const prefix = `${ownershipMarker(owner, key)} `;
  const ids = [...session.monitors.values()]
    .filter((m) => typeof m.description === "string" && (m.description === prefix.trimEnd() || m.description.startsWith(prefix)))
    .map((m) => Number(m.id))
    .sort((a, b) => a - b);
  return ids[0];
}

export async function addKumaMonitor(session: KumaSession, spec: KumaMonitorSpec): Promise<number> {
  if (spec.monitor.type === "push" && !spec.pushToken) throw new Error(`monitor ${spec.key}: a push monitor needs a pushToken`);
  const minimum = atLeast(session.version, 2, 1) ? 1 : 20;
  if (spec.monitor.interval < minimum) {
    throw new Error(`monitor ${spec.key}: interval ${spec.monitor.interval} s is below Uptime Kuma ${session.version.text}'s minimum of ${minimum} s`);
  }
  const before = new Set(session.monitors.keys());
  const ack = (await session.call("add", monitorAddPayload(spec, session.version))) as KumaAck;
  if (ack?.ok === true && ack.monitorID !== undefined) return Number(ack.monitorID);
  // A failed add can leave the monitor row behind without an id: remove what appeared with our marker.
  await session.refreshMonitorList();
  const prefix = `${ownershipMarker(spec.owner, spec.key)} `;
  const orphans = [...session.monitors.values()].filter(
    (m) => !before.has(Number(m.id)) && typeof m.description === "string" && m.description.startsWith(prefix),
  );
  for (const orphan of orphans) await deleteKumaMonitor(session, Number(orphan.id));
  const cleaned = orphans.length > 0 ? ` (removed the orphan row${orphans.length > 1 ? "s" : ""} ${orphans.map((o) => o.id).join(", ")} it left)` : "";
  throw new Error(`Uptime Kuma refused to add monitor "${spec.monitor.name}" (${spec.key}): ${describeAck(ack)}${cleaned}`);
}

/** getMonitor -> merge -> editMonitor of the whole object (a partial edit would drop its notifications). */
export async function updateKumaMonitor(session: KumaSession, id: number, spec: KumaMonitorSpec): Promise<void> {
  const live = await getKumaMonitor(session, id);
  if (!live) throw new Error(`monitor ${id} (${spec.key}) no longer exists in Uptime Kuma: run pulumi refresh`);
  await session.callOk(`edit monitor ${id} (${spec.key})`, "editMonitor", monitorEditPayload(live, spec, session.version));
}

/** Deleting a missing monitor is fine. */
export async function deleteKumaMonitor(session: KumaSession, id: number): Promise<void> {
  // 2.5 added an optional deleteChildren argument; 1.23 takes the callback second.
  if (atLeast(session.version, 2, 5)) await session.callOk(`delete monitor ${id}`, "deleteMonitor", id, false);
  else await session.callOk(`delete monitor ${id}`, "deleteMonitor", id);
  session.monitors.delete(id);
}

// ---- notifications ----------------------------------------------------------------------------------

export interface KumaNotificationSpec {
  owner: string;
  key: string;
  name: string;
  type: string;
  /** Type-specific fields, secrets included. */
  fields: Record<string, KumaFieldValue>;
}

export function notificationPayload(spec: KumaNotificationSpec): Record<string, unknown> {
  return {
    ...spec.fields,
    name: spec.name,
    type: spec.type,
    isDefault: false,
    applyExisting: false,
    [NOTIFICATION_MARKER_FIELD]: ownershipMarker(spec.owner, spec.key),
  };
}

function notificationConfig(live: LiveNotification): Record<string, unknown> {
  try {
    const config = JSON.parse(live.config) as unknown;
    return config !== null && typeof config === "object" ? (config as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function findLiveNotification(session: KumaSession, id: number): LiveNotification | undefined {
  return session.notifications().find((n) => Number(n.id) === id);
}

export function findMarkedNotification(session: KumaSession, owner: string, key: string): number | undefined {
  const marker = ownershipMarker(owner, key);
  const ids = session.notifications().filter((n) => notificationConfig(n)[NOTIFICATION_MARKER_FIELD] === marker).map((n) => Number(n.id));
  return ids.sort((a, b) => a - b)[0];
}

export function liveNotificationSpec(live: LiveNotification, spec: KumaNotificationSpec): KumaNotificationSpec {
  const config = notificationConfig(live);
  const fields: Record<string, KumaFieldValue> = {};
  for (const field of Object.keys(spec.fields)) fields[field] = (config[field] ?? null) as KumaFieldValue;
  return { owner: spec.owner, key: spec.key, name: String(live.name), type: String(config.type ?? ""), fields };
}

export function notificationDifferences(live: LiveNotification, spec: KumaNotificationSpec): string[] {
  const config: Record<string, unknown> = { ...notificationConfig(live), name: live.name, isDefault: live.isDefault };
  const wanted = notificationPayload(spec);
  delete wanted.applyExisting;
  return Object.keys(wanted).filter((field) => !sameValue(wanted[field], config[field]));
}

/** addNotification is an upsert: no id creates, an id updates. */
export async function saveKumaNotification(session: KumaSession, id: number | null, spec: KumaNotificationSpec): Promise<number> {
  const ack = await session.callOk(`save notification "${spec.name}" (${spec.key})`, "addNotification", notificationPayload(spec), id);
  const saved = Number(ack.id ?? id);
  if (!Number.isInteger(saved)) throw new Error(`Uptime Kuma saved notification "${spec.name}" without returning its id`);
  return saved;
}

/** Deleting a missing notification is fine (Kuma itself would answer "not found"). */
export async function deleteKumaNotification(session: KumaSession, id: number): Promise<void> {
  if (!findLiveNotification(session, id)) return;
  await session.callOk(`delete notification ${id}`, "deleteNotification", id);
}

// ---- status pages -----------------------------------------------------------------------------------

export interface KumaStatusPageGroupSpec {
  name: string;
  monitorIds: number[];
}

export interface KumaStatusPageSpec {
  slug: string;
  title: string;
  description: string;
  footerText: string;
  domainNameList: string[];
  groups: KumaStatusPageGroupSpec[];
}

/** Uptime Kuma lowercases the slug and accepts letters, digits and single dashes between them. */
export function statusPageSlugProblem(slug: string): string | undefined {
  if (slug !== slug.toLowerCase()) return `status page slug "${slug}" must be lowercase (Uptime Kuma would store it lowercased)`;
  if (!/^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/.test(slug)) return `status page slug "${slug}" must be letters, digits and single dashes between them`;
  return undefined;
}

const ANALYTICS_TYPES = ["google", "umami", "plausible", "matomo", "rybbit"];

/** saveStatusPage's config: what getStatusPage returned, with the managed fields replaced. */
export function statusPageSaveConfig(live: Record<string, unknown>, spec: KumaStatusPageSpec, version: KumaVersion): Record<string, unknown> {
  const config: Record<string, unknown> = {
    ...live,
    slug: spec.slug,
    title: spec.title,
    description: spec.description,
    footerText: spec.footerText,
    domainNameList: [...spec.domainNameList],
  };
  if (version.major >= 2 && !ANALYTICS_TYPES.includes(String(config.analyticsType))) config.analyticsType = null;
  return config;
}

interface PublicGroup {
  id?: number;
  name: string;
  monitorList: { id: number }[];
}

/** The groups as the public REST API serves them (the socket API has no call for them). */
async function fetchPublicGroups(session: KumaSession, slug: string, timeoutMs: number): Promise<PublicGroup[]> {
  const response = await fetch(`${session.url}/api/status-page/${encodeURIComponent(slug)}`, { signal: AbortSignal.timeout(timeoutMs) }).catch(
    (error: Error) => {
      throw new Error(`Uptime Kuma at ${session.url} did not serve status page ${slug}: ${error.message}`);
    },
  );
  if (!response.ok) throw new Error(`Uptime Kuma at ${session.url} answered ${response.status} for status page ${slug}`);
  const body = (await response.json()) as { publicGroupList?: PublicGroup[] };
  return Array.isArray(body.publicGroupList) ? body.publicGroupList : [];
}

export interface LiveStatusPage {
  config: Record<string, unknown>;
  groups: PublicGroup[];
}

export async function getKumaStatusPage(session: KumaSession, slug: string, timeoutMs: number): Promise<LiveStatusPage | undefined> {
  const ack = (await session.call("getStatusPage", slug)) as KumaAck;
  if (ack?.ok !== true || !ack.config || typeof ack.config !== "object") {
    if (/no slug/i.test(String(ack?.msg ?? ""))) return undefined;
    throw new Error(`Uptime Kuma could not read status page ${slug}: ${describeAck(ack)}`);
  }
  // In 1.23 the REST call never answers for an unknown slug: only ask once the socket API knows the page.
  return { config: ack.config as Record<string, unknown>, groups: await fetchPublicGroups(session, slug, timeoutMs) };
}

export function liveStatusPageSpec(live: LiveStatusPage): KumaStatusPageSpec {
  const c = live.config;
  return {
    slug: String(c.slug ?? ""),
    title: String(c.title ?? ""),
    description: String(c.description ?? ""),
    footerText: String(c.footerText ?? ""),
    domainNameList: Array.isArray(c.domainNameList) ? c.domainNameList.map(String) : [],
    groups: live.groups.map((g) => ({ name: String(g.name), monitorIds: (g.monitorList ?? []).map((m) => Number(m.id)) })),
  };
}

export function statusPageDifferences(live: LiveStatusPage, spec: KumaStatusPageSpec): string[] {
  const current = liveStatusPageSpec(live) as unknown as Record<string, unknown>;
  const wanted = spec as unknown as Record<string, unknown>;
  return Object.keys(wanted).filter((field) => !sameValue(wanted[field], current[field]));
}

/** Creates the page if its slug is free, then saves its config and all its groups. */
export async function createKumaStatusPage(session: KumaSession, spec: KumaStatusPageSpec, timeoutMs: number): Promise<void> {
  const problem = statusPageSlugProblem(spec.slug);
  if (problem) throw new Error(problem);
  await session.callOk(`add status page ${spec.slug}`, "addStatusPage", spec.title, spec.slug);
  await saveKumaStatusPage(session, spec, timeoutMs);
}

/** saveStatusPage replaces every group: existing groups are matched by name to keep their ids. */
export async function saveKumaStatusPage(session: KumaSession, spec: KumaStatusPageSpec, timeoutMs: number): Promise<void> {
  const live = await getKumaStatusPage(session, spec.slug, timeoutMs);
  if (!live) throw new Error(`status page ${spec.slug} does not exist in Uptime Kuma`);
  const groupIds = new Map(live.groups.map((g) => [g.name, g.id]));
  const groups: PublicGroup[] = spec.groups.map((g) => {
    const id = groupIds.get(g.name);
    return { ...(id === undefined ? {} : { id }), name: g.name, monitorList: g.monitorIds.map((monitorId) => ({ id: monitorId })) };
  });
  const icon = typeof live.config.icon === "string" && live.config.icon !== "" ? live.config.icon : "/icon.svg";
  await session.callOk(`save status page ${spec.slug}`, "saveStatusPage", spec.slug, statusPageSaveConfig(live.config, spec, session.version), icon, groups);
}

/** Deleting a missing page is fine. */
export async function deleteKumaStatusPage(session: KumaSession, slug: string): Promise<void> {
  await session.callOk(`delete status page ${slug}`, "deleteStatusPage", slug);
}

// ---- ensure (create or adopt, then converge): shared by the providers' create and kuma:sync ----------

export type EnsureOutcome = "created" | "updated" | "unchanged";

export async function ensureKumaNotification(session: KumaSession, spec: KumaNotificationSpec): Promise<{ id: number; outcome: EnsureOutcome }> {
  const existing = findMarkedNotification(session, spec.owner, spec.key);
  if (existing === undefined) return { id: await saveKumaNotification(session, null, spec), outcome: "created" };
  const live = findLiveNotification(session, existing) as LiveNotification;
  if (notificationDifferences(live, spec).length === 0) return { id: existing, outcome: "unchanged" };
  await saveKumaNotification(session, existing, spec);
  return { id: existing, outcome: "updated" };
}

export async function ensureKumaMonitor(session: KumaSession, spec: KumaMonitorSpec): Promise<{ id: number; outcome: EnsureOutcome; pushToken?: string }> {
  const existing = findMarkedMonitor(session, spec.owner, spec.key);
  if (existing === undefined) return { id: await addKumaMonitor(session, spec), outcome: "created", pushToken: spec.pushToken };
  const live = await getKumaMonitor(session, existing);
  if (!live) return { id: await addKumaMonitor(session, spec), outcome: "created", pushToken: spec.pushToken };
  if (monitorDifferences(live, spec).length === 0) return { id: existing, outcome: "unchanged", pushToken: spec.pushToken };
  await updateKumaMonitor(session, existing, spec);
  return { id: existing, outcome: "updated", pushToken: spec.pushToken };
}

export async function ensureKumaStatusPage(session: KumaSession, spec: KumaStatusPageSpec, timeoutMs: number): Promise<EnsureOutcome> {
  const live = await getKumaStatusPage(session, spec.slug, timeoutMs);
  if (!live) {
    await createKumaStatusPage(session, spec, timeoutMs);
    return "created";
  }
  if (statusPageDifferences(live, spec).length === 0) return "unchanged";
  await saveKumaStatusPage(session, spec, timeoutMs);
  return "updated";
}

// ---- Pulumi dynamic providers -----------------------------------------------------------------------

/** Inputs common to every Kuma resource. */
interface WithConnection {
  connection: KumaConnection;
}

/**
 * The credentials and the SSH access are part of the diff so that a rotated password or key, or a replaced
 * host, reaches the state (read and delete use the state's copy); the URL and timeout are not.
 */
function withCredentials(props: Partial<WithConnection> & Record<string, unknown>): Record<string, unknown> {
  return { ...props, credentials: [props.connection?.username, props.connection?.password, props.connection?.ssh ?? null] };
}

export type KumaMonitorProps = WithConnection & KumaMonitorSpec & { monitorId?: number };
export type KumaNotificationProps = WithConnection & KumaNotificationSpec & { notificationId?: number };
export type KumaStatusPageProps = WithConnection & KumaStatusPageSpec;

function timeoutMsOf(connection: KumaConnection): number {
  return (connection.timeoutSeconds ?? 30) * 1000;
}

function changedKeys(olds: Record<string, unknown>, news: Record<string, unknown>, keys: string[]): string[] {
  return keys.filter((key) => JSON.stringify(normalized(olds[key])) !== JSON.stringify(normalized(news[key])));
}

function monitorSpecOf(props: KumaMonitorProps): KumaMonitorSpec {
  const spec: KumaMonitorSpec = { owner: props.owner, key: props.key, monitor: props.monitor, notificationIds: [...props.notificationIds].sort((a, b) => a - b) };
  if (props.pushToken !== undefined) spec.pushToken = props.pushToken;
  return spec;
}

function notificationSpecOf(props: KumaNotificationProps): KumaNotificationSpec {
  return { owner: props.owner, key: props.key, name: props.name, type: props.type, fields: props.fields };
}

function statusPageSpecOf(props: KumaStatusPageProps): KumaStatusPageSpec {
  return {
    slug: props.slug, title: props.title, description: props.description, footerText: props.footerText,
    domainNameList: props.domainNameList, groups: props.groups.map((g) => ({ name: g.name, monitorIds: g.monitorIds.map(Number) })),
  };
}

export const kumaMonitorProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: KumaMonitorProps, news: KumaMonitorProps) {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    if (news.monitor?.interval !== undefined && news.monitor.interval < 20) {
      failures.push({ property: "monitor", reason: `interval ${news.monitor.interval} s: keep it at 20 s or more (Uptime Kuma 1.23's minimum)` });
    }
    if (news.monitor?.type === "push" && news.pushToken === "") failures.push({ property: "pushToken", reason: "a push monitor needs a pushToken" });
    return { inputs: news, failures };
  },
  async diff(_id: string, olds: KumaMonitorProps, news: KumaMonitorProps) {
    const changed = changedKeys(
      withCredentials({ ...olds, notificationIds: [...(olds.notificationIds ?? [])].sort((a, b) => a - b) }),
      withCredentials({ ...news, notificationIds: [...(news.notificationIds ?? [])].sort((a, b) => a - b) }),
      ["owner", "key", "monitor", "notificationIds", "pushToken", "credentials"],
    );
    return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
  },
  async create(inputs: KumaMonitorProps) {
    const session = await openKumaSession(inputs.connection);
    // Adopts a monitor already carrying this stack's marker (earlier kuma:sync, lost state) instead of duplicating it.
    const { id } = await ensureKumaMonitor(session, monitorSpecOf(inputs));
    return { id: String(id), outs: { ...inputs, monitorId: id } };
  },
  async read(id: string, props: KumaMonitorProps) {
    const session = await openKumaSession(props.connection);
    const live = await getKumaMonitor(session, Number(id));
    if (!live) return {};
    return { id, props: { ...props, ...liveMonitorSpec(live, monitorSpecOf(props)), monitorId: Number(id) } };
  },
  async update(id: string, _olds: KumaMonitorProps, news: KumaMonitorProps) {
    const session = await openKumaSession(news.connection);
    await updateKumaMonitor(session, Number(id), monitorSpecOf(news));
    return { outs: { ...news, monitorId: Number(id) } };
  },
  async delete(id: string, props: KumaMonitorProps) {
    const session = await openKumaSession(props.connection);
    await deleteKumaMonitor(session, Number(id));
  },
};

export const kumaNotificationProvider: pulumi.dynamic.ResourceProvider = {
  async diff(_id: string, olds: KumaNotificationProps, news: KumaNotificationProps) {
    const changed = changedKeys(withCredentials(olds as never), withCredentials(news as never), ["owner", "key", "name", "type", "fields", "credentials"]);
    return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
  },
  async create(inputs: KumaNotificationProps) {
    const session = await openKumaSession(inputs.connection);
    const { id } = await ensureKumaNotification(session, notificationSpecOf(inputs));
    return { id: String(id), outs: { ...inputs, notificationId: id } };
  },
  async read(id: string, props: KumaNotificationProps) {
    const session = await openKumaSession(props.connection);
    const live = findLiveNotification(session, Number(id));
    if (!live) return {};
    return { id, props: { ...props, ...liveNotificationSpec(live, notificationSpecOf(props)), notificationId: Number(id) } };
  },
  async update(id: string, _olds: KumaNotificationProps, news: KumaNotificationProps) {
    const session = await openKumaSession(news.connection);
    await saveKumaNotification(session, Number(id), notificationSpecOf(news));
    return { outs: { ...news, notificationId: Number(id) } };
  },
  async delete(id: string, props: KumaNotificationProps) {
    const session = await openKumaSession(props.connection);
    await deleteKumaNotification(session, Number(id));
  },
};

export const kumaStatusPageProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: KumaStatusPageProps, news: KumaStatusPageProps) {
    const problem = typeof news.slug === "string" ? statusPageSlugProblem(news.slug) : undefined;
    return { inputs: news, failures: problem ? [{ property: "slug", reason: problem }] : [] };
  },
  async diff(_id: string, olds: KumaStatusPageProps, news: KumaStatusPageProps) {
    const changed = changedKeys(withCredentials(olds as never), withCredentials(news as never), ["slug", "title", "description", "footerText", "domainNameList", "groups", "credentials"]);
    // The slug is the page's identity.
    return { changes: changed.length > 0, replaces: changed.includes("slug") ? ["slug"] : [], deleteBeforeReplace: false };
  },
  async create(inputs: KumaStatusPageProps) {
    const session = await openKumaSession(inputs.connection);
    // The stack owns its slug: an existing page with it is adopted and converged.
    await ensureKumaStatusPage(session, statusPageSpecOf(inputs), timeoutMsOf(inputs.connection));
    return { id: inputs.slug, outs: { ...inputs } };
  },
  async read(id: string, props: KumaStatusPageProps) {
    const session = await openKumaSession(props.connection);
    const live = await getKumaStatusPage(session, id, timeoutMsOf(props.connection));
    if (!live) return {};
    return { id, props: { ...props, ...liveStatusPageSpec(live) } };
  },
  async update(_id: string, _olds: KumaStatusPageProps, news: KumaStatusPageProps) {
    const session = await openKumaSession(news.connection);
    await saveKumaStatusPage(session, statusPageSpecOf(news), timeoutMsOf(news.connection));
    return { outs: { ...news } };
  },
  async delete(id: string, props: KumaStatusPageProps) {
    const session = await openKumaSession(props.connection);
    await deleteKumaStatusPage(session, id);
  },
};

// An in-process Uptime Kuma stand-in: a socket.io 4 server (plus the few REST routes the provider and
// Alertmanager use) on 127.0.0.1 and a free port, behaving as shared/reference/uptime-kuma-api.md describes
// for 1.23.x and 2.x, quirks included. Where a behaviour comes from the reference, the comment says "ref:";
// where it comes from Uptime Kuma's public source (server/server.js, socket-handlers, api-router.js), "src:".
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Server, type Socket } from "socket.io";

export interface FakeKumaOptions {
  /** Reported in `info` after login, e.g. "1.23.17", "2.0.2", "2.5.3". */
  version: string;
  /** An admin that already exists (no first-run setup). */
  admin?: { username: string; password: string; twoFactor?: boolean };
  /** Delay before the server pushes `info` and registers its handlers (ref: info before handlers). */
  handlerDelayMs?: number;
}

export interface FakeMonitorRow {
  id: number;
  [column: string]: unknown;
}

interface NotificationRow {
  id: number;
  name: string;
  config: string;
  isDefault: boolean;
}

interface StatusPageRow {
  id: number;
  slug: string;
  title: string;
  description: string | null;
  footerText: string | null;
  icon: string;
  theme: string;
  published: boolean;
  showTags: boolean;
  customCSS: string;
  showPoweredBy: boolean;
  domainNameList: string[];
  analyticsType: string | null;
  autoRefreshInterval: number;
  groups: { id: number; name: string; monitorIds: number[] }[];
}

export interface FakeKuma {
  url: string;
  version: string;
  monitors: Map<number, FakeMonitorRow>;
  /** monitor id -> notification ids (the monitor_notification table). */
  monitorNotifications: Map<number, Set<number>>;
  notifications: Map<number, NotificationRow>;
  statusPages: Map<string, StatusPageRow>;
  /** Password logins received (rate-limited ones included) and token logins. */
  counts: { passwordLogins: number; tokenLogins: number; setups: number };
  /** Events that arrived before the handlers were registered: the server never answered them. */
  droppedEvents: string[];
  /** Heartbeats received on /api/push/<token>. */
  pushes: { method: string; token: string; msg: string }[];
  /** Server-side edit, as if someone changed it in the UI. */
  editMonitorInUi(id: number, changes: Record<string, unknown>): void;
  editStatusPageInUi(slug: string, changes: Partial<StatusPageRow>): void;
  editNotificationInUi(id: number, changes: Record<string, unknown>): void;
  /** Drops every connection (clients must log in again: by token). */
  disconnectAll(): void;
  close(): Promise<void>;
}

// src: server/model/monitor.js toJSON and the `monitor` table (the columns add may set).
const MONITOR_COLUMNS = new Set([
  "type", "name", "description", "parent", "interval", "retryInterval", "resendInterval", "maxretries", "timeout",
  "upsideDown", "active", "proxyId", "url", "method", "body", "headers", "httpBodyEncoding", "maxredirects",
  "ignoreTls", "expiryNotification", "basic_auth_user", "basic_auth_pass", "authMethod", "keyword", "invertKeyword",
  "hostname", "port", "packetSize", "docker_container", "docker_host", "pushToken", "accepted_statuscodes_json",
]);
// Columns editMonitor assigns from the payload (it never changes `active`).
const EDITED_COLUMNS = [...MONITOR_COLUMNS].filter((c) => c !== "active" && c !== "accepted_statuscodes_json");

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function parseVersion(text: string): { major: number; minor: number } {
  const [major, minor] = text.split(".").map(Number);
  return { major: major ?? 0, minor: minor ?? 0 };
}

export async function startFakeKuma(options: FakeKumaOptions): Promise<FakeKuma> {
  const v = parseVersion(options.version);
  const v2 = v.major >= 2;
  const atLeast = (major: number, minor: number) => v.major > major || (v.major === major && v.minor >= minor);
  // ref: 2.x acks carry i18n keys with msgi18n: true; 1.23 plain English.
  const say = (english: string, key: string) => (v2 ? { msg: key, msgi18n: true } : { msg: english });

  let user = options.admin ? { ...options.admin, twoFactor: options.admin.twoFactor ?? false } : undefined;
  const tokens = new Set<string>();
  const loginTimes: number[] = [];
  const monitors = new Map<number, FakeMonitorRow>();
  const monitorNotifications = new Map<number, Set<number>>();
  const notifications = new Map<number, NotificationRow>();
  const statusPages = new Map<string, StatusPageRow>();
  const counts = { passwordLogins: 0, tokenLogins: 0, setups: 0 };
  const droppedEvents: string[] = [];
  const pushes: FakeKuma["pushes"] = [];
  const nextId = { monitor: 1, notification: 1, statusPage: 1, group: 1 };
  const hangingRequests = new Set<ServerResponse>();

  const monitorJson = (row: FakeMonitorRow): Record<string, unknown> => {
    const { accepted_statuscodes_json, conditions, ...rest } = row;
    const json: Record<string, unknown> = {
      ...rest,
      accepted_statuscodes: JSON.parse(String(accepted_statuscodes_json ?? "[]")),
      notificationIDList: Object.fromEntries([...(monitorNotifications.get(row.id) ?? [])].map((id) => [String(id), true])),
      // ref: read-only fields getMonitor returns and add must never send.
      tags: [], includeSensitiveData: true, maintenance: false, childrenIDs: [], forceInactive: false,
      pathName: row.name, screenshot: null,
    };
    if (v2) json.conditions = JSON.parse(String(conditions ?? "[]"));
    return json;
  };
  const monitorListOf = () => Object.fromEntries([...monitors.values()].map((m) => [String(m.id), monitorJson(m)]));
  const notificationListOf = () =>
    [...notifications.values()].map((n) => ({ id: n.id, name: n.name, active: 1, userId: 1, isDefault: n.isDefault ? 1 : 0, config: n.config }));

  // src: updateMonitorNotification: `for (id in notificationIDList) if (list[id]) insert` with a foreign key.
  const linkNotifications = (monitorId: number, list: unknown) => {
    monitorNotifications.set(monitorId, new Set());
    if (list === null || typeof list !== "object") return;
    for (const key in list as Record<string, unknown>) {
      if (!(list as Record<string, unknown>)[key]) continue;
      const notificationId = Number(key);
      // ref: an array is read by index ("0", "1"...): a foreign key failure.
      if (!notifications.has(notificationId)) throw new Error("SQLITE_CONSTRAINT: FOREIGN KEY constraint failed");
      monitorNotifications.get(monitorId)?.add(notificationId);
    }
  };

  // src: Monitor.validate (ref: interval 20..2,073,600 s in 1.23, >= 1 s from 2.1).
  const validateMonitor = (row: Record<string, unknown>) => {
    const minimum = atLeast(2, 1) ? 1 : 20;
    const interval = Number(row.interval);
    if (interval > 2073600) throw new Error("Interval cannot be more than 2073600 seconds");
    if (interval < minimum) throw new Error(`Interval cannot be less than ${minimum} seconds`);
  };

  const http = createServer((request, response) => handleRest(request, response));
  const io = new Server(http, { path: "/socket.io", serveClient: false });

  function handleRest(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    const push = /^\/api\/push\/([^/]+)$/.exec(url.pathname);
    if (push) {
      // src: 1.23 api-router `router.get("/api/push/:pushToken")`; 2.x `router.all(...)`.
      if (!v2 && request.method !== "GET") return send(404, { error: `Cannot ${request.method} ${url.pathname}` });
      const token = decodeURIComponent(push[1] as string);
      const monitor = [...monitors.values()].find((m) => m.type === "push" && m.pushToken === token && m.active);
      if (!monitor) return send(404, { ok: false, msg: "Monitor not found or not active." });
      pushes.push({ method: request.method ?? "GET", token, msg: url.searchParams.get("msg") ?? "OK" });
      return send(200, { ok: true });
    }
    const page = /^\/api\/status-page\/([^/]+)$/.exec(url.pathname);
    if (page && request.method === "GET") {
      const row = statusPages.get(decodeURIComponent(page[1] as string));
      if (!row) {
        // ref: in 1.23 an unknown slug never answers (2.x: 404).
        if (v2) return send(404, { msg: "Not Found" });
        hangingRequests.add(response);
        return;
      }
      return send(200, {
        config: { slug: row.slug, title: row.title, description: row.description, icon: row.icon, theme: row.theme, footerText: row.footerText },
        ...(atLeast(2, 1) ? { incidents: [] } : { incident: null }),
        publicGroupList: row.groups.map((g) => ({
          id: g.id, name: g.name, weight: 1,
          monitorList: g.monitorIds.filter((id) => monitors.has(id)).map((id) => ({ id, name: monitors.get(id)?.name, type: monitors.get(id)?.type })),
        })),
        maintenanceList: [],
      });
    }
    send(404, { error: "not found" });
  }

  io.on("connection", async (socket: Socket) => {
    let handlersReady = false;
    socket.onAny((event: string) => {
      if (!handlersReady) droppedEvents.push(event);
    });
    // ref: the server pushes `info` (and `setup` on a fresh instance) before it registers its handlers.
    await sleep(options.handlerDelayMs ?? 25);
    socket.emit("info", { primaryBaseURL: null, serverTimezone: "UTC", serverTimezoneOffset: "+00:00" });
    if (!user) socket.emit("setup");
    registerHandlers(socket);
    handlersReady = true;
  });

  function afterLogin(socket: Socket) {
    socket.data.userID = 1;
    void socket.join("user-1");
    // ref: pushed after login (src: afterLogin is not awaited: the lists may follow the login ack).
    setTimeout(() => {
      socket.emit("monitorList", monitorListOf());
      socket.emit("notificationList", notificationListOf());
      socket.emit("info", {
        version: options.version, latestVersion: options.version, primaryBaseURL: null, serverTimezone: "UTC",
        ...(v2 ? { dbType: "sqlite", isContainer: true, runtime: { platform: "linux", arch: "x64" } } : {}),
      });
    }, 5);
    setTimeout(() => socket.emit("statusPageList", Object.fromEntries([...statusPages.values()].map((p) => [p.id, { id: p.id, slug: p.slug, title: p.title }]))), 50);
  }

  // ref: login is rate-limited (about 20 a minute, logout counts too); loginByToken is not.
  const rateLimited = () => {
    const now = Date.now();
    while (loginTimes.length > 0 && (loginTimes[0] as number) < now - 60_000) loginTimes.shift();
    if (loginTimes.length >= 20) return true;
    loginTimes.push(now);
    return false;
  };

  const broadcastMonitor = (id: number) => {
    // ref: 2.x pushes only the changed monitor; 1.23 the whole list.
    if (v2) {
      const row = monitors.get(id);
      if (row) io.to("user-1").emit("updateMonitorIntoList", { [String(id)]: monitorJson(row) });
    } else io.to("user-1").emit("monitorList", monitorListOf());
  };

  function registerHandlers(socket: Socket) {
    const checkLogin = () => {
      if (!socket.data.userID) throw new Error("You are not logged in.");
    };
    type Callback = (ack: unknown) => void;
    const guarded = (event: string, handler: (...args: unknown[]) => unknown) => {
      socket.on(event, async (...args: unknown[]) => {
        const callback = args[args.length - 1];
        try {
          await handler(...args);
        } catch (error) {
          if (typeof callback === "function") (callback as Callback)({ ok: false, msg: (error as Error).message });
        }
      });
    };

    socket.on("needSetup", (callback: Callback) => callback(user === undefined));

    socket.on("setup", (username: string, password: string, callback: Callback) => {
      counts.setups += 1;
      if (user) return callback({ ok: false, msg: "Uptime Kuma has been initialized. If you want to run setup again, please delete the database." });
      // ref: >= 6 characters and 2 character classes.
      const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
      if (password.length < 6 || classes < 2) {
        return callback({ ok: false, ...say("Password is too weak. It should contain alphabetic and numeric characters.", "passwordTooWeak") });
      }
      user = { username, password, twoFactor: false };
      callback({ ok: true, ...say("Added Successfully.", "successAdded") });
    });

    socket.on("login", (data: { username: string; password: string; token?: string }, callback: Callback) => {
      counts.passwordLogins += 1;
      if (rateLimited()) return callback({ ok: false, msg: "Too frequently, try again later." });
      if (!user || data.username !== user.username || data.password !== user.password) {
        return callback({ ok: false, ...say("Incorrect username or password.", "authIncorrectCreds") });
      }
      if (user.twoFactor && !data.token) return callback({ tokenRequired: true });
      if (user.twoFactor) return callback({ ok: false, msg: "Invalid Token!" });
      const token = randomBytes(16).toString("hex");
      tokens.add(token);
      afterLogin(socket);
      callback({ ok: true, token });
    });

    socket.on("loginByToken", (token: string, callback: Callback) => {
      counts.tokenLogins += 1;
      if (!tokens.has(token)) return callback({ ok: false, ...say("Invalid token.", "authInvalidToken") });
      afterLogin(socket);
      callback({ ok: true });
    });

    socket.on("logout", (callback: Callback) => {
      rateLimited();
      socket.data.userID = undefined;
      if (typeof callback === "function") callback({});
    });

    guarded("getMonitorList", (callback) => {
      checkLogin();
      socket.emit("monitorList", monitorListOf());
      (callback as Callback)({ ok: true });
    });

    guarded("add", (monitor, callback) => {
      checkLogin();
      const input = { ...(monitor as Record<string, unknown>) };
      const notificationIDList = input.notificationIDList;
      delete input.notificationIDList;
      // src: accepted_statuscodes is stored as JSON (ref: required).
      const accepted = input.accepted_statuscodes;
      delete input.accepted_statuscodes;
      if (!Array.isArray(accepted)) throw new Error("NOT NULL constraint failed: monitor.accepted_statuscodes_json");
      const conditions = input.conditions;
      delete input.conditions;
      // ref: 2.x add needs conditions (NOT NULL); 1.23 has no such column.
      if (v2 && conditions === undefined) throw new Error("SQLITE_CONSTRAINT: NOT NULL constraint failed: monitor.conditions");
      if (!v2 && conditions !== undefined) throw new Error("SQLITE_ERROR: table monitor has no column named conditions");
      for (const key of Object.keys(input)) {
        // ref: unknown keys are SQL errors.
        if (!MONITOR_COLUMNS.has(key)) throw new Error(`SQLITE_ERROR: table monitor has no column named ${key}`);
      }
      validateMonitor(input);
      const id = nextId.monitor++;
      const row: FakeMonitorRow = {
        id, ...Object.fromEntries([...MONITOR_COLUMNS].map((c) => [c, null])), ...input,
        // ref: an omitted timeout is stored as 0.
        timeout: input.timeout ?? 0,
        active: input.active !== false,
        accepted_statuscodes_json: JSON.stringify(accepted),
        ...(v2 ? { conditions: JSON.stringify(conditions) } : {}),
      };
      monitors.set(id, row);
      // ref: a failed add can leave the row behind (here: the notification links fail after the insert).
      linkNotifications(id, notificationIDList);
      broadcastMonitor(id);
      (callback as Callback)({ ok: true, ...say("Added Successfully.", "successAdded"), monitorID: id });
    });

    guarded("editMonitor", (monitor, callback) => {
      checkLogin();
      const input = monitor as Record<string, unknown>;
      const row = monitors.get(Number(input.id));
      if (!row) throw new Error("Cannot read properties of null (reading 'user_id')");
      if (!Array.isArray(input.accepted_statuscodes)) throw new Error("NOT NULL constraint failed: monitor.accepted_statuscodes_json");
      const next: FakeMonitorRow = { ...row };
      // ref: editMonitor writes every column from the payload (unknown keys are ignored; `active` never changes).
      for (const column of EDITED_COLUMNS) next[column] = input[column] ?? null;
      next.accepted_statuscodes_json = JSON.stringify(input.accepted_statuscodes);
      // ref: 2.x keeps the stored conditions when the edit has none.
      if (v2 && input.conditions !== undefined) next.conditions = JSON.stringify(input.conditions);
      validateMonitor(next);
      monitors.set(row.id, next);
      // ref: notificationIDList is replaced (omitted: every notification is detached).
      linkNotifications(row.id, input.notificationIDList);
      broadcastMonitor(row.id);
      (callback as Callback)({ ok: true, msg: "Saved.", ...(v2 ? { msgi18n: true } : {}), monitorID: row.id });
    });

    guarded("getMonitor", (id, callback) => {
      checkLogin();
      const row = monitors.get(Number(id));
      if (!row) throw new Error("Cannot read properties of null (reading 'toJSON')");
      (callback as Callback)({ ok: true, monitor: monitorJson(row) });
    });

    // ref: 2.5 deleteMonitor(id, deleteChildren?, cb); before, deleteMonitor(id, cb) (src: a non-function
    // callback throws inside the handler and no ack is sent).
    socket.on("deleteMonitor", (id: unknown, second: unknown, third: unknown) => {
      const callback = (atLeast(2, 5) && typeof second !== "function" ? third : second) as Callback;
      if (typeof callback !== "function") return;
      if (!socket.data.userID) return callback({ ok: false, msg: "You are not logged in." });
      const monitorId = Number(id);
      monitors.delete(monitorId);
      monitorNotifications.delete(monitorId);
      // ref: ok even for a missing id.
      if (v2) io.to("user-1").emit("deleteMonitorFromList", monitorId);
      else io.to("user-1").emit("monitorList", monitorListOf());
      callback({ ok: true, ...say("Deleted Successfully.", "successDeleted") });
    });

    guarded("addNotification", (notification, id, callback) => {
      checkLogin();
      const input = notification as Record<string, unknown>;
      let row: NotificationRow;
      if (id !== null && id !== undefined) {
        const existing = notifications.get(Number(id));
        if (!existing) throw new Error("notification not found");
        row = existing;
      } else {
        row = { id: nextId.notification++, name: "", config: "{}", isDefault: false };
      }
      // src: Notification.save stores the whole object as the config JSON.
      row.name = String(input.name);
      row.config = JSON.stringify(input);
      row.isDefault = input.isDefault === true;
      notifications.set(row.id, row);
      if (input.applyExisting) for (const links of monitorNotifications.values()) links.add(row.id);
      io.to("user-1").emit("notificationList", notificationListOf());
      (callback as Callback)({ ok: true, msg: "Saved.", ...(v2 ? { msgi18n: true } : {}), id: row.id });
    });

    guarded("deleteNotification", (id, callback) => {
      checkLogin();
      if (!notifications.delete(Number(id))) throw new Error("notification not found");
      for (const links of monitorNotifications.values()) links.delete(Number(id));
      io.to("user-1").emit("notificationList", notificationListOf());
      (callback as Callback)({ ok: true, msg: "Deleted" });
    });

    // src: checkSlug (ref: ^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$ after lowercasing).
    const checkSlug = (slug: unknown) => {
      if (typeof slug !== "string") throw new Error("Slug -Accept string only");
      if (!/^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$/.test(slug)) throw new Error("Invalid Slug");
    };

    guarded("addStatusPage", (title, slug, callback) => {
      checkLogin();
      const cleanTitle = typeof title === "string" ? title.trim() : "";
      let cleanSlug = typeof slug === "string" ? slug.trim() : "";
      if (!cleanTitle || !cleanSlug) throw new Error("Please input all fields");
      cleanSlug = cleanSlug.toLowerCase();
      checkSlug(cleanSlug);
      // ref: a duplicate is a raw UNIQUE constraint error.
      if (statusPages.has(cleanSlug)) throw new Error("SQLITE_CONSTRAINT: UNIQUE constraint failed: status_page.slug");
      statusPages.set(cleanSlug, {
        id: nextId.statusPage++, slug: cleanSlug, title: cleanTitle, description: null, footerText: null, icon: "",
        theme: "auto", published: true, showTags: false, customCSS: "", showPoweredBy: true, domainNameList: [],
        analyticsType: null, autoRefreshInterval: 300, groups: [],
      });
      (callback as Callback)({ ok: true, ...say("Added Successfully.", "successAdded"), slug: cleanSlug });
    });

    guarded("getStatusPage", (slug, callback) => {
      checkLogin();
      const row = statusPages.get(String(slug));
      if (!row) throw new Error("No slug?");
      const json: Record<string, unknown> = { ...row, icon: row.icon || "/icon.svg" };
      delete json.groups;
      if (!v2) {
        delete json.analyticsType;
        delete json.autoRefreshInterval;
      }
      (callback as Callback)({ ok: true, config: json });
    });

    guarded("saveStatusPage", (slug, config, imgDataUrl, publicGroupList, callback) => {
      checkLogin();
      const row = statusPages.get(String(slug));
      if (!row) throw new Error("No slug?");
      const c = config as Record<string, unknown>;
      checkSlug(c.slug);
      if (typeof imgDataUrl !== "string") throw new Error("Cannot read properties of undefined (reading 'startsWith')");
      // ref: 2.x analyticsType must be null or valid from 2.2 (undefined is neither).
      if (atLeast(2, 2) && c.analyticsType !== null && !["google", "umami", "plausible", "matomo", "rybbit"].includes(String(c.analyticsType))) {
        throw new Error("Invalid analytics type");
      }
      // ref: domainNameList must be an array.
      if (!Array.isArray(c.domainNameList)) throw new Error("domainNameList.map is not a function");
      const groups = (publicGroupList as { id?: number; name: string; monitorList: { id: number }[] }[]).map((g) => {
        const existing = g.id === undefined ? undefined : row.groups.find((x) => x.id === g.id);
        return { id: existing?.id ?? nextId.group++, name: g.name, monitorIds: g.monitorList.map((m) => Number(m.id)) };
      });
      const next: StatusPageRow = {
        ...row, slug: String(c.slug), title: String(c.title), description: (c.description as string) ?? null,
        footerText: (c.footerText as string) ?? null, icon: imgDataUrl, customCSS: String(c.customCSS ?? ""),
        showTags: Boolean(c.showTags), showPoweredBy: Boolean(c.showPoweredBy), domainNameList: (c.domainNameList as unknown[]).map(String),
        analyticsType: v2 ? ((c.analyticsType as string | null) ?? null) : null,
        // ref: publicGroupList fully replaces the groups; a different config.slug renames the page.
        groups,
      };
      statusPages.delete(row.slug);
      statusPages.set(next.slug, next);
      (callback as Callback)({ ok: true, publicGroupList: groups.map((g) => ({ id: g.id, name: g.name, monitorList: g.monitorIds.map((id) => ({ id })) })) });
    });

    guarded("deleteStatusPage", (slug, callback) => {
      checkLogin();
      statusPages.delete(String(slug));
      (callback as Callback)({ ok: true });
    });
  }

  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const port = (http.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    version: options.version,
    monitors,
    monitorNotifications,
    notifications,
    statusPages,
    counts,
    droppedEvents,
    pushes,
    editMonitorInUi(id, changes) {
      const row = monitors.get(id);
      if (!row) throw new Error(`no monitor ${id}`);
      const { notificationIDList, ...columns } = changes;
      monitors.set(id, { ...row, ...columns });
      if (notificationIDList !== undefined) linkNotifications(id, notificationIDList);
    },
    editStatusPageInUi(slug, changes) {
      const row = statusPages.get(slug);
      if (!row) throw new Error(`no status page ${slug}`);
      statusPages.set(slug, { ...row, ...changes });
    },
    editNotificationInUi(id, changes) {
      const row = notifications.get(id);
      if (!row) throw new Error(`no notification ${id}`);
      const config = { ...JSON.parse(row.config), ...changes };
      notifications.set(id, { ...row, name: String(config.name), config: JSON.stringify(config) });
      io.to("user-1").emit("notificationList", notificationListOf());
    },
    disconnectAll() {
      io.disconnectSockets(true);
    },
    async close() {
      for (const response of hangingRequests) response.destroy();
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => io.close(() => resolve()));
      http.closeAllConnections();
    },
  };
}

// The prod stack's rendered Prometheus and Alertmanager configuration running on 127.0.0.1 against real
// exporters, PostgreSQL and Redis and a synthetic API, with faults injected one at a time. Only the timings
// differ from production (TEST_TIMINGS through RenderOptions.timings, and Prometheus's alert resend delay):
// the same rules, routes, receivers, templates and inhibitions.
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ALL_ALERTS } from "../../config/alertRules";
import { parseDuration } from "../../config/promDuration";
import { scrapeTargets } from "../../config/targets";
import { alertmanagerAlerts, prometheusAlerts, waitForNotifications, waitUntilInactive } from "../../scripts/sandbox/liveChecks";
import { matching, type Channel } from "../../scripts/sandbox/notifications";
import { httpJson, NOT_AVAILABLE, Sandbox } from "../../scripts/sandbox/sandbox";
import { monitoringStackSettings } from "../../scripts/sandbox/stackSettings";
import { groupAlive, waitFor } from "../../scripts/sandbox/supervisor";
import { SINK_PATHS } from "../../scripts/sandbox/webhookSink";
import { TEST_TIMINGS } from "../../scripts/sandbox/timings";

const STACK = "prod";
const CRITICAL: Channel[] = ["slack", "discord", "email"];
const WARNING: Channel[] = ["email"];
/** Long enough for any fault under TEST_TIMINGS (the ratio alerts wait for their 5m windows to move). */
const ALERT_TIMEOUT = 120_000;

let sandbox: Sandbox;
let suiteStartedAt = 0;
let sandboxStartedAt = 0;

interface RuleGroupFile { groups: { name: string; rules: { record?: string; alert?: string; expr: string }[] }[] }

function renderedRules(): { record?: string; alert?: string; expr: string }[] {
  return Object.entries(sandbox.files)
    .filter(([path]) => path.startsWith("prometheus/rules/"))
    .flatMap(([, content]) => (parse(content) as RuleGroupFile).groups.flatMap((g) => g.rules));
}

interface Route { matchers?: string[]; match?: Record<string, string>; repeat_interval?: string; group_interval?: string; routes?: Route[] }

/** The rendered route the Watchdog takes, with the intervals it inherits. */
function watchdogRoute(): { repeatMs: number; groupIntervalMs: number } {
  const config = parse(sandbox.files["alertmanager/alertmanager.yml"] as string) as { route: Route };
  const find = (route: Route, repeat: string, group: string): { repeatMs: number; groupIntervalMs: number } | undefined => {
    const r = route.repeat_interval ?? repeat;
    const g = route.group_interval ?? group;
    const matches = (route.matchers ?? []).some((m) => /alertname\s*=~?\s*"?\^?\(?Watchdog/.test(m)) || route.match?.alertname === "Watchdog";
    if (matches) return { repeatMs: parseDuration(r), groupIntervalMs: parseDuration(g) };
    for (const child of route.routes ?? []) {
      const found = find(child, r, g);
      if (found) return found;
    }
    return undefined;
  };
  const found = find(config.route, "4h", "5m");
  if (!found) throw new Error("no Alertmanager route for the Watchdog");
  return found;
}

/** Channels an alert of this severity reaches (the stack's routes: critical to chat and email, warning by email). */
function channelsFor(alertname: string): Channel[] {
  const severity = ALL_ALERTS.find((a) => a.alert === alertname)?.severity;
  return severity === "critical" ? CRITICAL : WARNING;
}

describe.sequential(`the ${STACK} stack's alerting, live on 127.0.0.1`, () => {
  beforeAll(async () => {
    suiteStartedAt = Date.now();
    sandbox = await Sandbox.start({ settings: monitoringStackSettings(STACK), timings: TEST_TIMINGS, alertResendDelay: "1s" });
    sandboxStartedAt = Date.now();
    // Ctrl-C on the test run still stops every process.
    sandbox.supervisor.installExitHandlers();
  });

  afterAll(async () => {
    const pids = sandbox?.supervisor.running().map((p) => p.pid) ?? [];
    const dirs = sandbox?.supervisor.tempDirs() ?? [];
    await sandbox?.stop();
    console.log(`live alerting suite: ${Math.round((Date.now() - suiteStartedAt) / 1000)} s`);
    // Nothing left behind: every process group and every temp dir is gone.
    expect(pids.filter(groupAlive)).toEqual([]);
    expect(dirs.filter((d) => existsSync(d))).toEqual([]);
  });

  it("scrapes every target it runs; only the services without a binary here are left out", async () => {
    const expected = sandbox.targets.map((t) => `${t.job}/${t.instance}`).sort();
    const health = await waitFor("every target up", async () => {
      const body = await httpJson<{ data: { activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] } }>(
        `${sandbox.urls.prometheus}/api/v1/targets?state=active`,
      );
      const targets = body.data.activeTargets;
      return targets.length === expected.length && targets.every((t) => t.health === "up") ? targets : undefined;
    }, 30_000);
    expect(health.map((t) => `${t.labels.job}/${t.labels.instance}`).sort()).toEqual(expected);
    const deployedJobs = new Set(scrapeTargets(sandbox.options.settings, { profile: "deployed" }).map((t) => t.job));
    const localJobs = new Set(sandbox.targets.map((t) => t.job));
    expect([...deployedJobs].filter((j) => !localJobs.has(j)).sort()).toEqual(["alloy", "grafana", "loki", "uptime-kuma"]);
    expect(NOT_AVAILABLE).toHaveLength(4);
  });

  it("evaluates every recording rule to data and every alert expression without error", async () => {
    const rules = renderedRules();
    const records = rules.filter((r) => r.record !== undefined);
    expect(records.length).toBeGreaterThan(20);
    // Rate windows need two samples of every series; p99 needs traffic.
    const empty = await waitFor("every recording rule to return a number", async () => {
      const missing: string[] = [];
      for (const r of records) {
        const result = await sandbox.query(r.record as string);
        if (result.length === 0 || result.some((s) => !Number.isFinite(Number(s.value[1])))) missing.push(r.record as string);
      }
      return missing.length === 0 ? missing : undefined;
    }, 30_000, 1_000);
    expect(empty).toEqual([]);
    for (const r of rules.filter((x) => x.alert !== undefined)) {
      await expect(sandbox.query(r.expr), r.alert).resolves.toBeInstanceOf(Array);
    }
  });

  it("HighErrorRate: 5 % of requests fail -> chat and email; cleared -> resolved", async () => {
    const since = Date.now();
    await sandbox.setApiFaults({ errorRatio: 0.05 });
    const fired = await waitForNotifications(sandbox, "HighErrorRate", "firing", channelsFor("HighErrorRate"), since, ALERT_TIMEOUT);
    expect(fired.email?.text).toContain("HighErrorRate");
    const cleared = Date.now();
    await sandbox.setApiFaults({ errorRatio: 0 });
    await waitForNotifications(sandbox, "HighErrorRate", "resolved", channelsFor("HighErrorRate"), cleared, ALERT_TIMEOUT);
  });

  it("HighLatency: slow responses -> email (a warning); cleared -> resolved", async () => {
    const since = Date.now();
    await sandbox.setApiFaults({ slowRatio: 0.03, slowSeconds: 0.3 });
    await waitForNotifications(sandbox, "HighLatency", "firing", channelsFor("HighLatency"), since, ALERT_TIMEOUT);
    const cleared = Date.now();
    await sandbox.setApiFaults({ slowRatio: 0 });
    await waitForNotifications(sandbox, "HighLatency", "resolved", channelsFor("HighLatency"), cleared, ALERT_TIMEOUT);
    // A warning never reaches the chat channels.
    const chat = sandbox.notifications().filter((n) => n.alertnames.includes("HighLatency") && n.channel !== "email");
    expect(chat).toEqual([]);
  });

  it("APIDown: the API stops answering -> Slack, Discord and email; back -> resolved", async () => {
    const since = Date.now();
    await sandbox.setApiFaults({ down: true });
    await waitForNotifications(sandbox, "APIDown", "firing", CRITICAL, since, ALERT_TIMEOUT);
    // The instances go down in the same second but are scraped at different moments: the second may come in
    // the group's next notification. Every instance is named, on every channel.
    for (const channel of CRITICAL) {
      await waitFor(`every API instance in APIDown on ${channel}`, () => {
        const text = matching(sandbox.notifications(), "APIDown", "firing", since).filter((n) => n.channel === channel).map((n) => n.text).join("\n");
        return sandbox.apis.every((api) => text.includes(api.instance)) || undefined;
      }, 30_000);
    }
    const cleared = Date.now();
    await sandbox.setApiFaults({ down: false });
    await waitForNotifications(sandbox, "APIDown", "resolved", CRITICAL, cleared, ALERT_TIMEOUT);
  });

  it("DatabaseDown: PostgreSQL stopped -> chat and email, the alerts it inhibits stay quiet; Alertmanager restarted keeps its silence and sends nothing twice; back -> resolved", async () => {
    const since = Date.now();
    await sandbox.postgres.stop();
    await waitForNotifications(sandbox, "DatabaseDown", "firing", CRITICAL, since, ALERT_TIMEOUT);

    // A warning about the same database while it is down: the stack's inhibition must hold it back.
    const inhibitedProbe = {
      alertname: "PostgreSQLTooManyConnections", severity: "warning", job: "postgresql",
      instance: sandbox.options.settings.monitored.postgresql.name, environment: sandbox.options.settings.environment,
    };
    await postAlert(inhibitedProbe);

    // A silence, then a restart of Alertmanager on the same storage.
    const silenced = { alertname: "SandboxSilenceProbe", severity: "critical", instance: "sandbox" };
    const silenceId = await createSilence("SandboxSilenceProbe");
    const beforeRestart = Date.now();
    await sandbox.restartAlertmanager();
    // Prometheus re-sends its firing alerts to the new process (resend delay 1s); wait until it has them.
    await waitFor("Alertmanager to know DatabaseDown again", async () =>
      (await alertmanagerAlerts(sandbox)).some((a) => a.labels.alertname === "DatabaseDown") || undefined, 30_000);
    const silence = await httpJson<{ status: { state: string } }>(`${sandbox.urls.alertmanager}/api/v2/silence/${silenceId}`);
    expect(silence.status.state).toBe("active");
    await postAlert(silenced);
    await postAlert(inhibitedProbe);
    // Several group_wait + group_interval rounds: what was sent before the restart is not sent again.
    await new Promise((r) => setTimeout(r, 8_000));
    const amAlerts = await alertmanagerAlerts(sandbox);
    expect(amAlerts.find((a) => a.labels.alertname === "SandboxSilenceProbe")?.status.silencedBy).toEqual([silenceId]);
    expect(amAlerts.find((a) => a.labels.alertname === inhibitedProbe.alertname)?.status.inhibitedBy.length).toBeGreaterThan(0);
    const resent = matching(sandbox.notifications(), "DatabaseDown", "firing", beforeRestart).filter((n) => n.channel !== "watchdog");
    expect(resent).toEqual([]);

    // Every PostgreSQL alert that fired while the database was down was inhibited by DatabaseDown.
    const pgFiring = (await prometheusAlerts(sandbox)).filter((a) => a.labels.job === "postgresql" && a.labels.alertname !== "DatabaseDown");
    const arrived = sandbox.notifications().filter((n) => n.at >= since && n.channel !== "watchdog");
    for (const name of [inhibitedProbe.alertname, "SandboxSilenceProbe", ...pgFiring.map((a) => a.labels.alertname as string)]) {
      expect(arrived.filter((n) => n.text.includes(name)), name).toEqual([]);
    }

    await postAlert(silenced, true);
    await postAlert(inhibitedProbe, true);
    const cleared = Date.now();
    await sandbox.postgres.start();
    await waitForNotifications(sandbox, "DatabaseDown", "resolved", CRITICAL, cleared, ALERT_TIMEOUT);
    await waitUntilInactive(sandbox, "DatabaseDown", 30_000);
  });

  it("RedisDown: Redis stopped -> chat and email; back -> resolved", async () => {
    const since = Date.now();
    await sandbox.redis.stop();
    await waitForNotifications(sandbox, "RedisDown", "firing", CRITICAL, since, ALERT_TIMEOUT);
    const cleared = Date.now();
    await sandbox.redis.start();
    await waitForNotifications(sandbox, "RedisDown", "resolved", CRITICAL, cleared, ALERT_TIMEOUT);
  });

  it("sends the Watchdog heartbeat to the Uptime Kuma push URL all along", () => {
    const beats = sandbox.notifications().filter((n) => n.channel === "watchdog" && n.alertnames.includes("Watchdog"));
    expect(beats.length).toBeGreaterThanOrEqual(2);
    expect(beats.every((b) => b.status === "firing")).toBe(true);
    // Uptime Kuma counts a push as a heartbeat only with status=up.
    const pushes = sandbox.webhooks.on(SINK_PATHS.watchdog);
    expect(pushes.every((p) => new URLSearchParams(p.query).get("status") === "up")).toBe(true);
    // Nothing else goes to the push URL, and the heartbeat never reaches on-call.
    expect(sandbox.notifications().filter((n) => n.channel === "watchdog" && !n.alertnames.includes("Watchdog"))).toEqual([]);
    expect(sandbox.notifications().filter((n) => n.channel !== "watchdog" && n.alertnames.includes("Watchdog"))).toEqual([]);
    // repeat_interval is shorter than group_interval: a beat at every group_interval tick (the median gap), and
    // never more than one tick missed, even around the Alertmanager restart of the silence test.
    const route = watchdogRoute();
    expect(route.repeatMs).toBeLessThan(route.groupIntervalMs);
    const gaps = beats.slice(1).map((b, i) => b.at - (beats[i] as { at: number }).at).sort((a, b) => a - b);
    expect(gaps[Math.floor(gaps.length / 2)]).toBeLessThanOrEqual(route.groupIntervalMs + 2_000);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(2 * route.groupIntervalMs + 5_000);
    expect(beats.length).toBeGreaterThanOrEqual(Math.floor((Date.now() - sandboxStartedAt) / (2 * route.groupIntervalMs)));
  });

  it("delivered every notification: no SMTP login refused, no failed integration", async () => {
    expect(sandbox.smtp.refusedLogins).toEqual([]);
    // Over the whole run, also before the Alertmanager restart reset the counters.
    const failed = await sandbox.query('max by (integration) (max_over_time(alertmanager_notifications_failed_total{job="alertmanager"}[30m])) > 0');
    expect(failed).toEqual([]);
  });
});

/** Posts an alert straight to Alertmanager; `resolve` ends it (so it cannot notify once the test is over). */
async function postAlert(labels: Record<string, string>, resolve = false): Promise<void> {
  const endsAt = new Date(Date.now() + (resolve ? 0 : 10 * 60_000)).toISOString();
  await httpJson(`${sandbox.urls.alertmanager}/api/v2/alerts`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify([{ labels, annotations: { summary: `${labels.alertname} (sandbox probe)` }, endsAt }]),
  });
}

async function createSilence(alertname: string): Promise<string> {
  const body = await httpJson<{ silenceID: string }>(`${sandbox.urls.alertmanager}/api/v2/silences`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      matchers: [{ name: "alertname", value: alertname, isRegex: false, isEqual: true }],
      startsAt: new Date().toISOString(),
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      createdBy: "live test",
      comment: "must survive an Alertmanager restart",
    }),
  });
  return body.silenceID;
}

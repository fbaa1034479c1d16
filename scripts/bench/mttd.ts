// npm run bench:mttd -- <stack> [--runs N] [--error-runs M]
// Mean time to detect: runs the sandbox with the stack's PRODUCTION timings (scrape and evaluation intervals,
// `for:` durations, group_wait), injects each critical fault several times and measures the seconds from the
// fault to the first notification at a sink (Slack, Discord or email, whichever arrives first). Prints one row
// per alert with the theoretical bound (docs/sandbox.md explains the formula) and, last, the line
// `MTTD APIDown median <s> s, bound <s> s`. Not part of npm test: a run takes about 35 minutes.
import { ALL_ALERTS } from "../../config/alertRules";
import { parseDuration } from "../../config/promDuration";
import { PRODUCTION_TIMINGS, type Timings } from "../../config/renderOptions";
import { waitForNotifications, waitUntilInactive } from "../sandbox/liveChecks";
import type { Channel } from "../sandbox/notifications";
import { Sandbox } from "../sandbox/sandbox";
import { monitoringStackSettings } from "../sandbox/stackSettings";
import { Supervisor, waitFor } from "../sandbox/supervisor";

const CHAT_AND_EMAIL: Channel[] = ["slack", "discord", "email"];
/** Alerts on a target that refuses connections, injected together: independent targets, separate groups. */
const TARGET_DOWN = ["APIDown", "DatabaseDown", "RedisDown"] as const;
/** The injected error share, and the HighErrorRate threshold and window it must cross. */
const ERROR_SHARE = 0.05;
const ERROR_THRESHOLD = 0.01;
const RATE_WINDOW_S = 300;

interface Bound {
  seconds: number;
  formula: string;
}

const seconds = (d: string) => parseDuration(d) / 1000;

/**
 * Worst case from the fault to the notification: the next scrape sees it (scrape interval), the next rule
 * evaluation sees that sample (evaluation interval; one more when the alert reads a recording rule of
 * another group), the signal must cross the threshold (`onset`: 0 for a target that refuses connections),
 * the alert stays pending for `for:`, and a new Alertmanager group waits group_wait before it notifies.
 */
export function detectionBound(alertname: string, timings: Timings, onsetSeconds = 0): Bound {
  const alert = ALL_ALERTS.find((a) => a.alert === alertname);
  if (!alert) throw new Error(`no alert ${alertname}`);
  const scrape = seconds(timings.scrapeInterval);
  const evaluation = seconds(timings.evaluationInterval);
  const hops = alert.expr.includes("roadwave:") ? 2 : 1;
  const forSeconds = (parseDuration(alert.for) / 1000) * (timings.forScale ?? 1);
  const groupWait = seconds(timings.groupWait);
  const parts = [`scrape ${scrape}`, `eval ${evaluation}${hops > 1 ? ` x${hops} (recording rule)` : ""}`];
  if (onsetSeconds > 0) parts.push(`onset ${onsetSeconds}`);
  parts.push(`for ${forSeconds}`, `group_wait ${groupWait}`);
  return { seconds: scrape + evaluation * hops + onsetSeconds + forSeconds + groupWait, formula: parts.join(" + ") };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => new Date().toISOString().slice(11, 19);

function argValue(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} needs a positive whole number`);
  return value;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const stack = args.find((a, i) => !a.startsWith("--") && !(args[i - 1] ?? "").startsWith("--"));
  if (!stack) {
    console.error("usage: npm run bench:mttd -- <stack> [--runs N] [--error-runs M]");
    process.exit(2);
  }
  const runs = argValue(args, "--runs", 3);
  // A HighErrorRate run takes about 7 minutes, then 5 more for its errors to leave the rate window.
  const errorRuns = argValue(args, "--error-runs", Math.min(runs, 2));
  const timings = PRODUCTION_TIMINGS;
  const settings = monitoringStackSettings(stack);
  const supervisor = new Supervisor("roadwave-mttd");
  supervisor.installExitHandlers({ catchErrors: true, onSignal: (why) => console.log(`bench: ${why}: stopping`) });
  console.log(`bench: stack ${stack}, production timings ${JSON.stringify(timings)}`);
  console.log(`bench: ${runs} run(s) of ${TARGET_DOWN.join(", ")} (injected together: independent targets and groups), ${errorRuns} of HighErrorRate`);
  const sandbox = await Sandbox.start({ settings, timings, supervisor, log: (m) => console.log(`bench: ${m}`) });
  const timeout = (b: Bound) => (2 * b.seconds + 60) * 1000;
  const bounds: Record<string, Bound> = {
    ...Object.fromEntries(TARGET_DOWN.map((alert) => [alert, detectionBound(alert, timings)])),
    HighErrorRate: detectionBound("HighErrorRate", timings, (RATE_WINDOW_S * ERROR_THRESHOLD) / ERROR_SHARE),
  };
  const measured: Record<string, number[]> = { ...Object.fromEntries(TARGET_DOWN.map((alert) => [alert, []])), HighErrorRate: [] };
  const firstArrival = (found: Record<Channel, { at: number } | undefined>) =>
    Math.min(...CHAT_AND_EMAIL.map((c) => found[c]?.at ?? Infinity));

  try {
    await waitFor("every target up", async () => {
      const up = await sandbox.query("up");
      return up.length === sandbox.targets.length && up.every((s) => s.value[1] === "1") || undefined;
    }, 120_000, 1_000);

    // Targets that refuse connections: the API instances stop listening, PostgreSQL and Redis are shut down.
    for (let run = 1; run <= runs; run++) {
      await sleep(Math.random() * seconds(timings.scrapeInterval) * 1000); // vary the phase against scrapes
      const t0 = Date.now();
      console.log(`bench: ${now()} run ${run}/${runs}: API down, PostgreSQL and Redis stopped`);
      await Promise.all([sandbox.setApiFaults({ down: true }), sandbox.postgres.stop(), sandbox.redis.stop()]);
      const found = await Promise.all(TARGET_DOWN.map((alert) =>
        waitForNotifications(sandbox, alert, "firing", CHAT_AND_EMAIL, t0, timeout(bounds[alert] as Bound))));
      TARGET_DOWN.forEach((alert, i) => measured[alert]?.push((firstArrival(found[i] as Record<Channel, { at: number } | undefined>) - t0) / 1000));
      console.log(`bench: ${now()}   ${TARGET_DOWN.map((a) => `${a} ${measured[a]?.at(-1)} s`).join(", ")}`);
      await Promise.all([sandbox.setApiFaults({ down: false }), sandbox.postgres.start(), sandbox.redis.start()]);
      await Promise.all(TARGET_DOWN.map((alert) => waitUntilInactive(sandbox, alert, 120_000)));
      // A fresh Alertmanager: the next fault opens a new group (group_wait), as after a quiet period.
      await sandbox.restartAlertmanager(true);
    }
    const apiBackAt = Date.now();

    // A 5xx share: the ratio over 5 minutes must first cross 1 %; the window must hold 5 minutes of clean traffic.
    for (let run = 1; run <= errorRuns; run++) {
      const cleanUntil = apiBackAt + (RATE_WINDOW_S + 30) * 1000;
      if (run === 1 && Date.now() < cleanUntil) {
        console.log(`bench: ${now()} waiting ${Math.round((cleanUntil - Date.now()) / 1000)} s for 5 minutes of clean API traffic`);
        await sleep(cleanUntil - Date.now());
      }
      await sleep(Math.random() * seconds(timings.scrapeInterval) * 1000);
      const t0 = Date.now();
      console.log(`bench: ${now()} run ${run}/${errorRuns}: ${ERROR_SHARE * 100} % of API requests fail`);
      await sandbox.setApiFaults({ errorRatio: ERROR_SHARE });
      const found = await waitForNotifications(sandbox, "HighErrorRate", "firing", CHAT_AND_EMAIL, t0, timeout(bounds.HighErrorRate as Bound));
      measured.HighErrorRate?.push((firstArrival(found) - t0) / 1000);
      console.log(`bench: ${now()}   HighErrorRate ${measured.HighErrorRate?.at(-1)} s`);
      await sandbox.setApiFaults({ errorRatio: 0 });
      if (run < errorRuns) {
        console.log(`bench: ${now()} waiting for the errors to leave the 5-minute window`);
        await waitFor("no 5xx in the rate window", async () => {
          const ratio = await sandbox.query("roadwave:http_requests_5xx:ratio_rate5m");
          return ratio.every((s) => Number(s.value[1]) === 0) || undefined;
        }, (RATE_WINDOW_S + 120) * 1000, 5_000);
        await waitUntilInactive(sandbox, "HighErrorRate", 120_000);
        await sandbox.restartAlertmanager(true);
      }
    }
  } finally {
    await sandbox.stop();
  }

  const rows = Object.entries(measured).map(([alert, values]) => {
    const bound = bounds[alert] as Bound;
    const worst = Math.max(...values);
    return [alert, String(values.length), median(values).toFixed(1), worst.toFixed(1), bound.seconds.toFixed(1),
      (median(values) / bound.seconds).toFixed(2), (worst / bound.seconds).toFixed(2), bound.formula];
  });
  const header = ["alert", "runs", "median s", "worst s", "bound s", "median/bound", "worst/bound", "bound = (seconds)"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number))).join("  ");
  console.log(`\nMTTD, stack ${stack}, production timings (fault -> first notification at a sink)`);
  console.log(line(header));
  for (const r of rows) console.log(line(r));
  const api = measured.APIDown as number[];
  console.log(`MTTD APIDown median ${median(api).toFixed(1)} s, bound ${(bounds.APIDown as Bound).seconds.toFixed(1)} s`);
}

main().then(() => process.exit(0), (error: unknown) => {
  console.error(`bench: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  process.exit(1);
});

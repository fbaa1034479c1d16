// npm run sandbox -- <stack> [--fast]
// Runs the stack's rendered Prometheus and Alertmanager configuration on 127.0.0.1 with everything they watch
// and notify, prints the local URLs, and stays up until Ctrl-C, then stops every process it started.
// --fast renders with the short test timings instead of the stack's production timings.
import { PRODUCTION_TIMINGS } from "../../config/renderOptions";
import { NOT_AVAILABLE, Sandbox } from "./sandbox";
import { SINK_PATHS } from "./webhookSink";
import { monitoringStackSettings } from "./stackSettings";
import { Supervisor } from "./supervisor";
import { TEST_TIMINGS } from "./timings";

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const stack = args.find((a) => !a.startsWith("--"));
  if (!stack) {
    console.error("usage: npm run sandbox -- <stack> [--fast]   (stack: prod or staging)");
    process.exit(2);
  }
  const timings = args.includes("--fast") ? TEST_TIMINGS : PRODUCTION_TIMINGS;
  const settings = monitoringStackSettings(stack);
  console.log(`sandbox: stack ${stack}, timings ${JSON.stringify(timings)}`);
  // Installed before anything starts: Ctrl-C during start-up also stops what was started.
  const supervisor = new Supervisor();
  supervisor.installExitHandlers({
    catchErrors: true,
    onSignal: (why) => console.log(`\nsandbox: ${why}: stopping every process`),
  });
  const sandbox = await Sandbox.start({ settings, timings, supervisor, log: (m) => console.log(`sandbox: ${m}`) });
  const u = sandbox.urls;
  const w = u.webhookSink;
  console.log(`
RoadWave monitoring sandbox (${stack}) is up. Everything listens on 127.0.0.1.
  Prometheus      ${u.prometheus}        (targets: ${u.prometheus}/targets, alerts: ${u.prometheus}/alerts)
  Alertmanager    ${u.alertmanager}
  API control     ${u.control}           GET / | GET /sinks | POST /faults/api | /faults/postgresql | /faults/redis
  API instances   ${sandbox.apis.map((a) => `${a.instance} http://127.0.0.1:${a.port}`).join(", ")}
  Webhook sink    ${w}${SINK_PATHS.slack} (Slack), ${w}${SINK_PATHS.discord} (Discord), ${w}${SINK_PATHS.watchdog} (Uptime Kuma push)
  SMTP sink       ${u.smtpSink}     (STARTTLS + AUTH, stands in for Brevo)
  PostgreSQL 15   127.0.0.1:${sandbox.postgres.port}   Redis 127.0.0.1:${sandbox.redis.port}
  Config          ${sandbox.configDir}
  Logs            ${sandbox.supervisor.logDir}
Not running: ${NOT_AVAILABLE.join(", ")} (no binaries on this machine; their scrape targets are left out).

Faults, e.g.:
  curl -XPOST ${u.control}/faults/api -d '{"down":true}'          # APIDown
  curl -XPOST ${u.control}/faults/api -d '{"errorRatio":0.05}'    # HighErrorRate
  curl -XPOST ${u.control}/faults/api -d '{"slowRatio":0.03}'     # HighLatency
  curl -XPOST ${u.control}/faults/postgresql -d '{"down":true}'   # DatabaseDown
  curl -XPOST ${u.control}/faults/redis -d '{"down":true}'        # RedisDown
  curl -XPOST ${u.control}/faults/api -d '{"down":false,"errorRatio":0,"slowRatio":0}'   # clear
Ctrl-C stops everything.`);
}

main().catch((error: unknown) => {
  console.error(`sandbox: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

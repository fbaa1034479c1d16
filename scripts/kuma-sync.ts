// npm run kuma:sync -- <stack> --url URL --username USER --password-env VAR [--stack-file PATH] [--timeout S]
//                      [--ssh USER@HOST[:PORT] --ssh-key-file PATH]
//
// Applies a stack's Uptime Kuma notifications, monitors and status page to a running Uptime Kuma through the
// same provider code Pulumi uses (components/uptimeKuma/kumaProvider.ts): creates what is missing, updates what
// differs, leaves unmanaged objects alone. Managed objects are found by their ownership marker
// ([roadwave-monitoring/<env>#<key>] in a monitor's description, a roadwaveManagedBy field in a notification's
// config) and the status page by its slug. Secrets come from the environment (ROADWAVE_SMTP_PASSWORD,
// ROADWAVE_SLACK_WEBHOOK_URL, ROADWAVE_DISCORD_WEBHOOK_URL, ROADWAVE_WATCHDOG_PUSH_TOKEN); without them the
// stack file's encrypted secrets get labelled placeholders (fine for a local Uptime Kuma). With --ssh, the URL
// is Kuma's address as that host sees it, reached through an SSH tunnel the provider opens.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parseSettings, splitPulumiConfig, type MonitoringStackSettings } from "../config/settings";
import { declareUptimeKuma, type KumaFieldValue, type KumaSecretName } from "../config/uptimeKuma";
import {
  closeKumaSessions, ensureKumaMonitor, ensureKumaNotification, ensureKumaStatusPage, findMarkedMonitor,
  getKumaMonitor, openKumaSession, type EnsureOutcome, type KumaSession, type KumaSshTunnel,
} from "../components/uptimeKuma/kumaProvider";
import { readStackFile, stackFilePath } from "./stackFile";

const SECRET_ENV: Record<KumaSecretName, string> = {
  smtpPassword: "ROADWAVE_SMTP_PASSWORD",
  slackWebhookUrl: "ROADWAVE_SLACK_WEBHOOK_URL",
  discordWebhookUrl: "ROADWAVE_DISCORD_WEBHOOK_URL",
};
const WATCHDOG_TOKEN_ENV = "ROADWAVE_WATCHDOG_PUSH_TOKEN";

const USAGE =
  "usage: npm run kuma:sync -- <stack> --url URL --username USER --password-env VAR [--stack-file PATH] [--timeout SECONDS] " +
  "[--ssh USER@HOST[:PORT] --ssh-key-file PATH]";

function sshAccess(target: string | undefined, keyFile: string | undefined): KumaSshTunnel | undefined {
  if (target === undefined && keyFile === undefined) return undefined;
  const match = /^([^@\s]+)@([^:\s]+)(?::(\d+))?$/.exec(target ?? "");
  if (!match || keyFile === undefined) throw new Error(`--ssh USER@HOST[:PORT] and --ssh-key-file PATH go together\n${USAGE}`);
  return { user: match[1] as string, host: match[2] as string, ...(match[3] ? { port: Number(match[3]) } : {}), privateKey: readFileSync(keyFile, "utf8") };
}

interface StackInput {
  settings: MonitoringStackSettings;
  secrets: Partial<Record<KumaSecretName, string>>;
  notes: string[];
}

function loadStack(stack: string, path: string): StackInput {
  const offline = readStackFile(path, stack);
  const { raw, secrets: secretValues, plaintextSecrets } = splitPulumiConfig(offline.config, (key) => offline.secretKeys.includes(key));
  const { settings } = parseSettings(stack, raw, secretValues, plaintextSecrets);
  if (settings.environment === "staging-dr") throw new Error(`stack ${stack} (staging-dr) has no Uptime Kuma`);
  const notes: string[] = [];
  const secrets: Partial<Record<KumaSecretName, string>> = {};
  for (const [name, envName] of Object.entries(SECRET_ENV) as [KumaSecretName, string][]) {
    const fromEnv = process.env[envName];
    const placeholder = offline.placeholders.find((p) => p.name === name);
    if (fromEnv) secrets[name] = fromEnv;
    else if (!placeholder) secrets[name] = secretValues[name];
    else if (placeholder.reason === "encrypted" || name === "smtpPassword") {
      secrets[name] = secretValues[name];
      notes.push(`${name}: placeholder value (set ${envName} for the real one)`);
    }
  }
  return { settings, secrets, notes };
}

async function watchdogToken(session: KumaSession, owner: string, key: string): Promise<{ token: string; source: string }> {
  const fromEnv = process.env[WATCHDOG_TOKEN_ENV];
  if (fromEnv) return { token: fromEnv, source: WATCHDOG_TOKEN_ENV };
  const existing = findMarkedMonitor(session, owner, key);
  const live = existing === undefined ? undefined : await getKumaMonitor(session, existing);
  if (typeof live?.pushToken === "string" && live.pushToken !== "") return { token: live.pushToken, source: "kept" };
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return { token: [...randomBytes(32)].map((b) => alphabet[b % alphabet.length]).join(""), source: "generated" };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      url: { type: "string" },
      username: { type: "string" },
      "password-env": { type: "string" },
      "stack-file": { type: "string" },
      timeout: { type: "string" },
      ssh: { type: "string" },
      "ssh-key-file": { type: "string" },
    },
  });
  const stack = positionals[0];
  if (!stack || !values.url || !values.username || !values["password-env"]) throw new Error(USAGE);
  const password = process.env[values["password-env"]];
  if (!password) throw new Error(`the environment variable ${values["password-env"]} (--password-env) is not set`);
  const timeoutSeconds = values.timeout === undefined ? 30 : Number(values.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new Error(`--timeout ${values.timeout} is not a number of seconds`);

  const { settings, secrets, notes } = loadStack(stack, values["stack-file"] ?? stackFilePath(stack));
  const declarations = declareUptimeKuma(settings, { slack: secrets.slackWebhookUrl !== undefined, discord: secrets.discordWebhookUrl !== undefined });
  const ssh = sshAccess(values.ssh, values["ssh-key-file"]);
  const session = await openKumaSession({ url: values.url, username: values.username, password, timeoutSeconds, ...(ssh ? { ssh } : {}) });
  console.log(`kuma:sync ${stack}: Uptime Kuma ${session.version.text} at ${values.url}${ssh ? ` through ${values.ssh}` : ""}`);
  for (const note of notes) console.log(`  note: ${note}`);

  const tally: Record<EnsureOutcome, number> = { created: 0, updated: 0, unchanged: 0 };
  const report = (outcome: EnsureOutcome, what: string) => {
    tally[outcome] += 1;
    console.log(`  ${outcome.padEnd(9)} ${what}`);
  };

  const notificationIds = new Map<string, number>();
  for (const decl of declarations.notifications) {
    const fields: Record<string, KumaFieldValue> = { ...decl.fields };
    for (const [field, secretName] of Object.entries(decl.secretFields)) fields[field] = secrets[secretName] ?? null;
    const { id, outcome } = await ensureKumaNotification(session, { owner: declarations.owner, key: decl.key, name: decl.name, type: decl.type, fields });
    notificationIds.set(decl.key, id);
    report(outcome, `notification ${decl.key} "${decl.name}" (id ${id})`);
  }

  const monitorIds = new Map<string, number>();
  for (const decl of declarations.monitors) {
    const token = decl.watchdog ? await watchdogToken(session, declarations.owner, decl.key) : undefined;
    const { id, outcome } = await ensureKumaMonitor(session, {
      owner: declarations.owner,
      key: decl.key,
      monitor: decl.fields,
      notificationIds: decl.notificationKeys.map((key) => notificationIds.get(key) as number),
      ...(token ? { pushToken: token.token } : {}),
    });
    monitorIds.set(decl.key, id);
    report(outcome, `monitor ${decl.key} "${decl.fields.name}" (id ${id}${token ? `, push token ${token.source}, not shown` : ""})`);
  }

  const page = declarations.statusPage;
  const outcome = await ensureKumaStatusPage(session, {
    slug: page.slug, title: page.title, description: page.description, footerText: page.footerText,
    domainNameList: page.domainNameList,
    groups: page.groups.map((g) => ({ name: g.name, monitorIds: g.monitorKeys.map((key) => monitorIds.get(key) as number) })),
  }, timeoutSeconds * 1000);
  report(outcome, `status page ${page.slug} "${page.title}"`);

  console.log(`kuma:sync ${stack}: created ${tally.created}, updated ${tally.updated}, unchanged ${tally.unchanged}`);
}

main().then(
  () => {
    closeKumaSessions();
  },
  (error: Error) => {
    closeKumaSessions();
    console.error(`kuma:sync: ${error.message}`);
    process.exitCode = 1;
  },
);

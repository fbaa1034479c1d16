// What the sinks received, read back as notifications: which channel, when, firing or resolved, and which
// alerts. Chat and email messages carry rendered text only, so alert names are found in it (every alert
// template shows the alert name); the Uptime Kuma push is Alertmanager's webhook JSON with the labels.
import { ALL_ALERTS } from "../../config/alertRules";
import type { ReceivedMail } from "./smtpSink";
import { SINK_PATHS, type ReceivedRequest } from "./webhookSink";

export type Channel = "slack" | "discord" | "email" | "watchdog" | "other";

export interface Notification {
  channel: Channel;
  at: number;
  status: "firing" | "resolved";
  alertnames: string[];
  text: string;
}

const KNOWN_ALERTS = ALL_ALERTS.map((a) => a.alert);

function alertnamesIn(text: string): string[] {
  return KNOWN_ALERTS.filter((name) => new RegExp(`\\b${name}\\b`).test(text));
}

/** Resolved when the title says so: Alertmanager's default and the stack's templates start with [RESOLVED]. */
function statusOf(title: string): "firing" | "resolved" {
  return /RESOLVED/i.test(title) ? "resolved" : "firing";
}

function channelOf(path: string): Channel {
  if (path === SINK_PATHS.slack) return "slack";
  // Discord is reached through its Slack-compatible endpoint, <webhook URL>/slack.
  if (path === SINK_PATHS.discord || path.startsWith(`${SINK_PATHS.discord}/`)) return "discord";
  if (path === SINK_PATHS.watchdog) return "watchdog";
  return "other";
}

interface SlackBody { attachments?: { title?: string; text?: string; fallback?: string }[]; text?: string }
interface DiscordBody { embeds?: { title?: string; description?: string }[]; content?: string }
interface WebhookBody { status?: string; alerts?: { labels?: Record<string, string> }[] }

export function fromWebhook(r: ReceivedRequest): Notification {
  const channel = channelOf(r.path);
  if (channel === "discord" && (r.json as DiscordBody | undefined)?.embeds !== undefined) {
    const body = r.json as DiscordBody;
    const title = body.embeds?.[0]?.title ?? body.content ?? "";
    return { channel, at: r.at, status: statusOf(title), alertnames: alertnamesIn(r.body), text: r.body };
  }
  if (channel === "slack" || channel === "discord") {
    const body = (r.json ?? {}) as SlackBody;
    const title = body.attachments?.[0]?.title ?? body.text ?? "";
    return { channel, at: r.at, status: statusOf(title), alertnames: alertnamesIn(r.body), text: r.body };
  }
  const body = (r.json ?? {}) as WebhookBody;
  const names = [...new Set((body.alerts ?? []).map((a) => a.labels?.alertname ?? "").filter((n) => n !== ""))];
  return { channel, at: r.at, status: body.status === "resolved" ? "resolved" : "firing", alertnames: names, text: r.body };
}

export function fromMail(m: ReceivedMail): Notification {
  const text = `${m.subject}\n${m.text}\n${m.html}`;
  return { channel: "email", at: m.at, status: statusOf(m.subject), alertnames: alertnamesIn(text), text };
}

export function allNotifications(webhooks: ReceivedRequest[], mails: ReceivedMail[]): Notification[] {
  return [...webhooks.map(fromWebhook), ...mails.map(fromMail)].sort((a, b) => a.at - b.at);
}

/** The notifications about `alertname` with `status` received since `since` (ms), per channel. */
export function matching(
  notifications: Notification[],
  alertname: string,
  status: "firing" | "resolved",
  since = 0,
): Notification[] {
  return notifications.filter((n) => n.at >= since && n.status === status && n.alertnames.includes(alertname));
}

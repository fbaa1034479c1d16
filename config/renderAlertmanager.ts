// alertmanager.yml and its message templates, from the settings. Pure functions.
//
// Secrets: the SMTP password and the Slack and Discord webhook URLs are read by Alertmanager from files
// (auth_password_file, api_url_file: both in Alertmanager 0.25), so alertmanager.yml holds none of them; the
// container component uploads the files from `alertmanagerSecretFiles`. Discord is reached through its
// Slack-compatible endpoint (<webhook>/slack) because 0.25's discord_configs has no webhook_url_file. The one
// value inlined is the Uptime Kuma push URL of the Watchdog (webhook_configs has no url_file in 0.25): the
// render command passes a placeholder, so nothing real reaches build/.
import YAML from "yaml";
import { RULE_FILES } from "./alertRules";
import { scaleDuration } from "./promDuration";
import { DEFAULT_WATCHDOG_REPEAT, type RenderOptions } from "./renderOptions";
import { PLACEHOLDER_MARK, PLACEHOLDER_SECRETS } from "./placeholders";
import type { MonitoringStackSettings, SecretName } from "./settings";
import { scrapeTargets } from "./targets";

export type AlertmanagerSecrets = Partial<Record<SecretName, string>> & {
  /** Uptime Kuma push URL of the Watchdog heartbeat monitor. */
  watchdogPushUrl: string;
};

/**
 * Placeholder secrets for the offline render: config/placeholders.ts plus a Watchdog push URL of the right
 * shape (Uptime Kuma on its private address) that says it is not real.
 */
export function placeholderAlertmanagerSecrets(settings: MonitoringStackSettings): AlertmanagerSecrets {
  const kuma = scrapeTargets(settings, { profile: "deployed" }).find((t) => t.job === "uptime-kuma");
  return { ...PLACEHOLDER_SECRETS, watchdogPushUrl: `http://${kuma?.address ?? "127.0.0.1:3001"}/api/push/${PLACEHOLDER_MARK}` };
}

/** Secret files, relative to the Alertmanager files directory (/etc/alertmanager in the container). */
export const ALERTMANAGER_SECRET_FILES = {
  smtpPassword: "secrets/smtp-password",
  slackWebhookUrl: "secrets/slack-webhook-url",
  /** The Discord webhook URL with /slack appended (Discord's Slack-compatible endpoint). */
  discordWebhookUrl: "secrets/discord-webhook-url",
} as const;

export const ALERTMANAGER_TEMPLATE_FILE = "templates/roadwave.tmpl";
export const RECEIVERS = { email: "email", slack: "slack", discord: "discord", watchdog: "watchdog" } as const;
export const GROUP_BY = ["alertname", "job", "environment"];

function secretPath(options: RenderOptions, file: string): string {
  if (options.addressing.profile === "deployed") return `/etc/alertmanager/${file}`;
  return options.addressing.filesDir ? `${options.addressing.filesDir}/alertmanager/${file}` : file;
}

/**
 * The push URL with `status=up` (Uptime Kuma reads only the query string: any status but "up" counts as down)
 * and a message, unless the URL already sets them. Uptime Kuma accepts the push with any method, so
 * Alertmanager's POST works.
 */
export function watchdogHeartbeatUrl(pushUrl: string): string {
  const url = new URL(pushUrl);
  if (!url.searchParams.has("status")) url.searchParams.set("status", "up");
  if (!url.searchParams.has("msg")) url.searchParams.set("msg", "Watchdog");
  return url.toString();
}

const alertNames = (file: string) => RULE_FILES.find((f) => f.file === file)?.alerts.map((a) => a.alert) ?? [];
const anyOf = (names: string[]) => `alertname=~"${names.join("|")}"`;

/**
 * Inhibitions, always within one environment: a down service silences the alerts that only repeat it.
 * - APIDown: the API's error, latency and SLO alerts;
 * - DatabaseDown: the other PostgreSQL alerts and the WAL archiving alerts (read through the same exporter);
 * - RedisDown: the other Redis alerts;
 * - a fast SLO burn: the slow burn of the same SLO.
 */
function inhibitRules(): object[] {
  const api = [...alertNames("api.yml"), ...alertNames("slo.yml")].filter((n) => n !== "APIDown");
  const postgresql = [...alertNames("postgresql.yml"), "WALArchivingFailing", "WALArchivingStale"].filter((n) => n !== "DatabaseDown");
  const redis = alertNames("redis.yml").filter((n) => n !== "RedisDown");
  const rule = (source: string, targets: string[]) => ({
    source_matchers: [`alertname="${source}"`],
    target_matchers: [anyOf(targets)],
    equal: ["environment"],
  });
  return [
    rule("APIDown", api),
    rule("DatabaseDown", postgresql),
    rule("RedisDown", redis),
    rule("APIAvailabilityBudgetFastBurn", ["APIAvailabilityBudgetSlowBurn"]),
    rule("APILatencyBudgetFastBurn", ["APILatencyBudgetSlowBurn"]),
  ];
}

const slackConfig = (apiUrlFile: string) => ({
  api_url_file: apiUrlFile,
  send_resolved: true,
  color: '{{ template "roadwave.color" . }}',
  title: '{{ template "roadwave.title" . }}',
  text: '{{ template "roadwave.slack.text" . }}',
});

function alertmanagerConfig(settings: MonitoringStackSettings, secrets: AlertmanagerSecrets, options: RenderOptions): object {
  const { timings } = options;
  const { smtp, emailTo, emailFrom } = settings.alerting;
  const chats = [
    ...(secrets.slackWebhookUrl ? [RECEIVERS.slack] : []),
    ...(secrets.discordWebhookUrl ? [RECEIVERS.discord] : []),
  ];
  const critical = [RECEIVERS.email, ...chats];
  const receivers: object[] = [
    {
      name: RECEIVERS.email,
      email_configs: [
        {
          to: emailTo.join(", "),
          send_resolved: true,
          headers: { Subject: '{{ template "roadwave.email.subject" . }}' },
          html: '{{ template "roadwave.email.html" . }}',
          text: '{{ template "roadwave.email.text" . }}',
        },
      ],
    },
    ...(secrets.slackWebhookUrl ? [{ name: RECEIVERS.slack, slack_configs: [slackConfig(secretPath(options, ALERTMANAGER_SECRET_FILES.slackWebhookUrl))] }] : []),
    ...(secrets.discordWebhookUrl ? [{ name: RECEIVERS.discord, slack_configs: [slackConfig(secretPath(options, ALERTMANAGER_SECRET_FILES.discordWebhookUrl))] }] : []),
    // Uptime Kuma's push monitor counts every request as a heartbeat; "resolved" never happens for Watchdog.
    { name: RECEIVERS.watchdog, webhook_configs: [{ url: watchdogHeartbeatUrl(secrets.watchdogPushUrl), send_resolved: false }] },
  ];
  const watchdogRepeat = timings.watchdogRepeatInterval ?? DEFAULT_WATCHDOG_REPEAT;
  const standInSmtp = options.addressing.profile === "local" ? options.addressing.smtpSmarthost : undefined;
  return {
    global: {
      resolve_timeout: "5m",
      smtp_smarthost: standInSmtp ?? `${smtp.host}:${smtp.port}`,
      smtp_from: emailFrom,
      smtp_auth_username: smtp.username,
      smtp_auth_password_file: secretPath(options, ALERTMANAGER_SECRET_FILES.smtpPassword),
      // Brevo's relay takes STARTTLS on 587; a local stand-in speaks plain SMTP.
      smtp_require_tls: standInSmtp === undefined,
    },
    templates: ["templates/*.tmpl"],
    route: {
      receiver: RECEIVERS.email,
      group_by: GROUP_BY,
      group_wait: timings.groupWait,
      group_interval: timings.groupInterval,
      repeat_interval: timings.repeatInterval,
      routes: [
        // The heartbeat, once per group_interval tick. Alertmanager re-sends at a tick only when repeat_interval
        // has passed since the last send, which happened just after the previous tick: with both equal it skips
        // every other tick (measured in the sandbox), so repeat_interval is a little shorter.
        {
          receiver: RECEIVERS.watchdog,
          matchers: ['alertname="Watchdog"'],
          group_wait: "0s",
          group_interval: watchdogRepeat,
          repeat_interval: scaleDuration(watchdogRepeat, 0.8),
        },
        // Critical: email and every chat webhook that is set (`continue` reaches the next route too).
        ...critical.map((receiver, i) => ({
          receiver,
          matchers: ['severity="critical"'],
          ...(i < critical.length - 1 ? { continue: true } : {}),
        })),
        // Warning: email only (also the root's default).
        { receiver: RECEIVERS.email, matchers: ['severity="warning"'] },
      ],
    },
    inhibit_rules: inhibitRules(),
    receivers,
  };
}

export function renderAlertmanagerConfig(settings: MonitoringStackSettings, secrets: AlertmanagerSecrets, options: RenderOptions): string {
  const doc = new YAML.Document(alertmanagerConfig(settings, secrets, options));
  doc.commentBefore =
    ` alertmanager.yml for the ${settings.environment} stack, rendered by config/renderAlertmanager.ts: do not edit.\n` +
    " Secrets are read from files under secrets/ (uploaded separately), never written here.";
  return doc.toString({ lineWidth: 0 });
}

/**
 * Message templates. Every alert of a group is listed with its summary, description, labels and runbook, in
 * every channel: a grouped notification never hides an alert behind the first one.
 */
export function renderAlertmanagerTemplates(): string {
  return `{{/* RoadWave notification templates, rendered by config/renderAlertmanager.ts: do not edit. */}}

{{ define "roadwave.title" -}}
[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }} ({{ or .CommonLabels.environment "unknown environment" }})
{{- end }}

{{ define "roadwave.color" -}}
{{ if eq .Status "firing" }}{{ if eq .CommonLabels.severity "critical" }}danger{{ else }}warning{{ end }}{{ else }}good{{ end }}
{{- end }}

{{ define "roadwave.alert.labels" -}}
{{ range $i, $pair := (.Labels.Remove (stringSlice "alertname" "severity")).SortedPairs }}{{ if $i }} {{ end }}{{ $pair.Name }}={{ $pair.Value }}{{ end }}
{{- end }}

{{ define "roadwave.slack.text" -}}
{{ range .Alerts -}}
{{ if eq .Status "firing" }}:red_circle:{{ else }}:white_check_mark:{{ end }} *{{ .Annotations.summary }}* ({{ .Labels.severity }})
{{ .Annotations.description }}
\`{{ template "roadwave.alert.labels" . }}\` · since {{ .StartsAt.Format "2006-01-02 15:04 MST" }} · <{{ .Annotations.runbook_url }}|Runbook>
{{ end -}}
{{- end }}

{{ define "roadwave.email.subject" -}}
{{ template "roadwave.title" . }}
{{- end }}

{{ define "roadwave.email.text" -}}
{{ template "roadwave.title" . }}
{{ range .Alerts }}
- [{{ .Status | toUpper }}] {{ .Annotations.summary }} ({{ .Labels.severity }})
  {{ .Annotations.description }}
  Labels: {{ template "roadwave.alert.labels" . }}
  Since: {{ .StartsAt.Format "2006-01-02 15:04 MST" }}
  Runbook: {{ .Annotations.runbook_url }}
{{ end }}
Alertmanager: {{ .ExternalURL }}
{{- end }}

{{ define "roadwave.email.html" -}}
<!DOCTYPE html>
<html><body style="font-family: sans-serif">
<h2>{{ template "roadwave.title" . }}</h2>
{{ range .Alerts -}}
<div style="border-left: 4px solid {{ if eq .Status "firing" }}#d32f2f{{ else }}#388e3c{{ end }}; padding-left: 8px; margin-bottom: 16px">
<p><strong>[{{ .Status | toUpper }}] {{ .Annotations.summary }}</strong> ({{ .Labels.severity }})</p>
<p>{{ .Annotations.description }}</p>
<p><small>{{ template "roadwave.alert.labels" . }} &middot; since {{ .StartsAt.Format "2006-01-02 15:04 MST" }}</small></p>
<p><a href="{{ .Annotations.runbook_url }}">Runbook</a></p>
</div>
{{ end -}}
<p><a href="{{ .ExternalURL }}">Alertmanager</a></p>
</body></html>
{{- end }}
`;
}

/** Every Alertmanager file of a stack, by path under build/<stack>/files/. */
export function renderAlertmanagerFiles(settings: MonitoringStackSettings, secrets: AlertmanagerSecrets, options: RenderOptions): Record<string, string> {
  return {
    "alertmanager/alertmanager.yml": renderAlertmanagerConfig(settings, secrets, options),
    [`alertmanager/${ALERTMANAGER_TEMPLATE_FILE}`]: renderAlertmanagerTemplates(),
  };
}

/** The secret files Alertmanager reads, by path under the files tree; for the container component only. */
export function alertmanagerSecretFiles(secrets: AlertmanagerSecrets): Record<string, string> {
  const files: Record<string, string> = {
    [`alertmanager/${ALERTMANAGER_SECRET_FILES.smtpPassword}`]: secrets.smtpPassword ?? "",
  };
  if (secrets.slackWebhookUrl) files[`alertmanager/${ALERTMANAGER_SECRET_FILES.slackWebhookUrl}`] = secrets.slackWebhookUrl;
  if (secrets.discordWebhookUrl) {
    files[`alertmanager/${ALERTMANAGER_SECRET_FILES.discordWebhookUrl}`] = `${secrets.discordWebhookUrl.replace(/\/+$/, "")}/slack`;
  }
  return files;
}

export interface AlertmanagerFlagPaths {
  configFile: string;
  storagePath: string;
  listenAddress: string;
}

/**
 * Alertmanager's command line. One instance per stack: the gossip cluster (on by default, port 9094 on every
 * interface) is turned off with an empty --cluster.listen-address.
 */
export function alertmanagerFlags(paths: Partial<AlertmanagerFlagPaths> = {}): string[] {
  const p = { configFile: "/etc/alertmanager/alertmanager.yml", storagePath: "/alertmanager", listenAddress: "0.0.0.0:9093", ...paths };
  return [`--config.file=${p.configFile}`, `--storage.path=${p.storagePath}`, `--web.listen-address=${p.listenAddress}`, "--cluster.listen-address="];
}

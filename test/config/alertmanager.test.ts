// The rendered Alertmanager files, checked by the real amtool (Debian's 0.25): config, routing, templates.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ALL_ALERTS, runbookUrl } from "../../config/alertRules";
import { PLACEHOLDER_SECRETS } from "../../config/placeholders";
import { alertmanagerFlags, alertmanagerSecretFiles, placeholderAlertmanagerSecrets, renderAlertmanagerFiles, watchdogHeartbeatUrl, type AlertmanagerSecrets } from "../../config/renderAlertmanager";
import { DEPLOYED, PRODUCTION_TIMINGS, type RenderOptions } from "../../config/renderOptions";
import { MONITORING_STACKS, monitoringSettings } from "../support/stackSettings";
import { runTool, writeTree } from "../support/tools";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const SECRETS: AlertmanagerSecrets = {
  ...PLACEHOLDER_SECRETS,
  watchdogPushUrl: "http://10.42.0.11:3001/api/push/OFFLINE-PLACEHOLDER?status=up&msg=OK",
};

function renderTree(stack: (typeof MONITORING_STACKS)[number], secrets: AlertmanagerSecrets, options: RenderOptions = DEPLOYED): string {
  const settings = monitoringSettings(stack);
  const root = writeTree(renderAlertmanagerFiles(settings, secrets, options), `am-${stack}-`);
  dirs.push(root);
  return join(root, "alertmanager");
}

/** A tree whose secret files exist where alertmanager.yml says (the local profile with filesDir). */
function renderLocalTree(stack: (typeof MONITORING_STACKS)[number], secrets: AlertmanagerSecrets): string {
  const settings = monitoringSettings(stack);
  const root = mkdtempSync(join(tmpdir(), `am-local-${stack}-`));
  dirs.push(root);
  const options: RenderOptions = { addressing: { profile: "local", ports: {}, filesDir: root }, timings: PRODUCTION_TIMINGS };
  const files = { ...renderAlertmanagerFiles(settings, secrets, options), ...alertmanagerSecretFiles(secrets) };
  for (const [path, content] of Object.entries(files)) {
    const target = join(root, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  return join(root, "alertmanager");
}

async function routesTo(dir: string, labels: Record<string, string>): Promise<string> {
  const args = ["config", "routes", "test", "--config.file=alertmanager.yml", ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)];
  const result = await runTool("amtool", args, dir);
  expect(result.code, result.stdout + result.stderr).toBe(0);
  return result.stdout.trim();
}

describe.each(MONITORING_STACKS)("alertmanager files of %s", (stack) => {
  it("pass amtool check-config (deployed and local profiles)", async () => {
    for (const dir of [renderTree(stack, SECRETS), renderLocalTree(stack, SECRETS)]) {
      const result = await runTool("amtool", ["check-config", "alertmanager.yml"], dir);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toContain("SUCCESS");
      expect(result.stdout).toContain("5 inhibit rules");
      expect(result.stdout).toContain("1 templates");
    }
  });

  it("route critical to email, Slack and Discord, warning to email, Watchdog to the heartbeat only", async () => {
    const dir = renderTree(stack, SECRETS);
    const base = { environment: stack, job: "roadwave-api" };
    expect(await routesTo(dir, { ...base, alertname: "APIDown", severity: "critical" })).toBe("email,slack,discord");
    expect(await routesTo(dir, { ...base, alertname: "HighLatency", severity: "warning" })).toBe("email");
    expect(await routesTo(dir, { ...base, alertname: "Unknown" })).toBe("email");
    expect(await routesTo(dir, { environment: stack, alertname: "Watchdog", severity: "none" })).toBe("watchdog");
  });

  it("route critical to the chat webhooks that are set only", async () => {
    const { discordWebhookUrl: _discord, ...slackOnly } = SECRETS;
    const { slackWebhookUrl: _slack, ...discordOnly } = SECRETS;
    const labels = { environment: stack, alertname: "DatabaseDown", severity: "critical" };
    expect(await routesTo(renderTree(stack, slackOnly), labels)).toBe("email,slack");
    expect(await routesTo(renderTree(stack, discordOnly), labels)).toBe("email,discord");
  });

  it("hold no secret: passwords and webhook URLs are read from files", () => {
    const dir = renderTree(stack, SECRETS);
    const config = readFileSync(join(dir, "alertmanager.yml"), "utf8");
    for (const name of ["smtpPassword", "slackWebhookUrl", "discordWebhookUrl"] as const) {
      expect(config).not.toContain(PLACEHOLDER_SECRETS[name]);
    }
    expect(config).toContain("auth_password_file: /etc/alertmanager/secrets/smtp-password");
    expect(config).toContain("api_url_file: /etc/alertmanager/secrets/slack-webhook-url");
  });
});

describe("local profile", () => {
  it("sends email to a stand-in SMTP server without STARTTLS when given one", () => {
    const options: RenderOptions = { addressing: { profile: "local", ports: {}, smtpSmarthost: "127.0.0.1:2525" }, timings: PRODUCTION_TIMINGS };
    const config = renderAlertmanagerFiles(monitoringSettings("staging"), SECRETS, options)["alertmanager/alertmanager.yml"]!;
    expect(config).toContain("smtp_smarthost: 127.0.0.1:2525");
    expect(config).toContain("smtp_require_tls: false");
    expect(config).toContain("smtp_auth_password_file: secrets/smtp-password");
  });
});

describe("watchdog heartbeat URL", () => {
  it("reports up to Uptime Kuma unless the push URL already says", () => {
    expect(watchdogHeartbeatUrl("http://10.42.0.11:3001/api/push/abc")).toBe("http://10.42.0.11:3001/api/push/abc?status=up&msg=Watchdog");
    expect(watchdogHeartbeatUrl("http://k:3001/api/push/abc?status=up&msg=OK&ping=")).toBe("http://k:3001/api/push/abc?status=up&msg=OK&ping=");
  });
});

describe("placeholder secrets for the offline render", () => {
  it("give a push URL on the Uptime Kuma host that says it is a placeholder", () => {
    const url = placeholderAlertmanagerSecrets(monitoringSettings("prod")).watchdogPushUrl;
    expect(url).toBe("http://10.42.0.11:3001/api/push/OFFLINE-PLACEHOLDER");
  });
});

describe("alertmanager flags", () => {
  it("turn the gossip cluster off", () => {
    expect(alertmanagerFlags()).toContain("--cluster.listen-address=");
  });
});

describe("alertmanager secret files", () => {
  it("give Discord's Slack-compatible endpoint", () => {
    const files = alertmanagerSecretFiles(SECRETS);
    expect(files["alertmanager/secrets/discord-webhook-url"]).toBe(`${PLACEHOLDER_SECRETS.discordWebhookUrl}/slack`);
    expect(files["alertmanager/secrets/smtp-password"]).toBe(PLACEHOLDER_SECRETS.smtpPassword);
  });
});

describe("notification templates", () => {
  // A grouped notification of three alerts, two firing and one resolved, with real annotations.
  const alerts = ALL_ALERTS.slice(0, 3).map((a, i) => ({
    status: i === 2 ? "resolved" : "firing",
    labels: { alertname: "HighErrorRate", severity: a.severity, environment: "prod", job: "roadwave-api", instance: `api-${i + 1}` },
    annotations: { summary: `summary ${i} of ${a.alert}`, description: `description ${i}: ${a.description}`, runbook_url: runbookUrl(a.alert) },
    startsAt: "2026-12-03T10:00:00Z",
    endsAt: i === 2 ? "2026-12-03T10:05:00Z" : "0001-01-01T00:00:00Z",
    generatorURL: "http://prometheus:9090/graph",
    fingerprint: `f${i}`,
  }));
  const data = {
    receiver: "slack",
    status: "firing",
    alerts,
    groupLabels: { alertname: "HighErrorRate" },
    commonLabels: { alertname: "HighErrorRate", environment: "prod", job: "roadwave-api" },
    commonAnnotations: {},
    externalURL: "http://alertmanager:9093",
  };

  it.each([
    ["roadwave.slack.text", "text"],
    ["roadwave.email.text", "text"],
    ["roadwave.email.html", "html"],
  ])("%s lists every alert of the group with its description and runbook", async (template, type) => {
    const dir = renderTree("prod", SECRETS);
    writeFileSync(join(dir, "data.json"), JSON.stringify(data));
    const result = await runTool(
      "amtool",
      ["template", "render", "--template.glob=templates/*.tmpl", "--template.data=data.json", `--template.type=${type}`, `--template.text={{ template "${template}" . }}`],
      dir,
    );
    expect(result.code, result.stderr).toBe(0);
    const unescape = (s: string) => (type === "html" ? s.replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&").replace(/&#34;/g, '"') : s);
    const out = unescape(result.stdout);
    for (const alert of alerts) {
      expect(out).toContain(alert.annotations.summary);
      expect(out).toContain(alert.annotations.description);
      expect(out).toContain(alert.annotations.runbook_url);
      expect(out).toContain(`instance=${alert.labels.instance}`);
    }
    expect(out).toContain(template === "roadwave.slack.text" ? ":white_check_mark:" : "[RESOLVED]");
  });

  it("title counts the firing alerts and names the environment", async () => {
    const dir = renderTree("prod", SECRETS);
    writeFileSync(join(dir, "data.json"), JSON.stringify(data));
    const result = await runTool("amtool", ["template", "render", "--template.glob=templates/*.tmpl", "--template.data=data.json", '--template.text={{ template "roadwave.email.subject" . }}'], dir);
    expect(result.stdout.trim()).toBe("[FIRING:2] HighErrorRate (prod)");
  });
});

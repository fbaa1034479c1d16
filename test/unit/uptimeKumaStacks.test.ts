// What each stack declares in Uptime Kuma (config/uptimeKuma.ts), and the UptimeKumaChecks component under
// Pulumi mocks: the expected notifications, monitors and status page per stack.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { parseSettings, splitPulumiConfig, type MonitoringStackSettings } from "../../config/settings";
import { declareUptimeKuma, kumaPrivateIp, watchdogPushUrl, WATCHDOG_HEARTBEAT_SECONDS } from "../../config/uptimeKuma";
import { readStackFile, stackFilePath } from "../../scripts/stackFile";

function stackSettings(stack: "prod" | "staging"): MonitoringStackSettings {
  const offline = readStackFile(stackFilePath(stack), stack);
  const { raw, secrets, plaintextSecrets } = splitPulumiConfig(offline.config, (key) => offline.secretKeys.includes(key));
  const { settings } = parseSettings(stack, raw, secrets, plaintextSecrets);
  if (settings.environment === "staging-dr") throw new Error("not a monitoring stack");
  return settings;
}

const EXPECTED = {
  prod: { kumaIp: "10.42.0.11", api: "api.roadwave.fr", auth: "auth.roadwave.fr", grafana: "grafana.roadwave.fr", status: "status.roadwave.fr", slug: "roadwave", title: "RoadWave status" },
  staging: {
    kumaIp: "10.43.0.10", api: "api.staging.roadwave.fr", auth: "auth.staging.roadwave.fr", grafana: "grafana.staging.roadwave.fr",
    status: "status.staging.roadwave.fr", slug: "roadwave-staging", title: "RoadWave staging status",
  },
} as const;

describe.each(["prod", "staging"] as const)("the %s stack's Uptime Kuma declarations", (stack) => {
  const settings = stackSettings(stack);
  const expected = EXPECTED[stack];

  it("checks the public endpoints (with TLS expiry), Zitadel and the Watchdog heartbeat", () => {
    const { owner, monitors } = declareUptimeKuma(settings, { slack: true, discord: false });
    expect(owner).toBe(`roadwave-monitoring/${stack}`);
    expect(monitors.map((m) => [m.key, m.fields.type, m.fields.url ?? null])).toEqual([
      ["api-health", "keyword", `https://${expected.api}/health`],
      ["zitadel", "http", `https://${expected.auth}/debug/ready`],
      ["grafana", "http", `https://${expected.grafana}/api/health`],
      ["status-page", "http", `https://${expected.status}/`],
      ["watchdog", "push", null],
    ]);
    // Every public domain has an https check that warns before its certificate expires.
    const tlsChecked = monitors.filter((m) => m.fields.expiryNotification).map((m) => new URL(m.fields.url as string).hostname);
    expect(tlsChecked.sort()).toEqual([expected.api, expected.auth, expected.grafana, expected.status].sort());
    expect(monitors.find((m) => m.key === "api-health")?.fields.keyword).toBe("ok");
    expect(monitors.find((m) => m.key === "watchdog")).toMatchObject({ watchdog: true, fields: { interval: WATCHDOG_HEARTBEAT_SECONDS } });
    for (const monitor of monitors) {
      expect(monitor.fields.timeout).toBeGreaterThan(0);
      expect(monitor.fields.interval).toBeGreaterThanOrEqual(20);
      expect(monitor.notificationKeys).toEqual(["email", "slack"]);
    }
  });

  it("alerts by email and by the chat webhooks that are set", () => {
    const none = declareUptimeKuma(settings, { slack: false, discord: false }).notifications;
    expect(none.map((n) => n.key)).toEqual(["email"]);
    expect(none[0]).toMatchObject({
      type: "smtp",
      fields: { smtpHost: "smtp-relay.brevo.com", smtpPort: 587, smtpSecure: false, smtpUsername: "alerts@smtp-brevo.com", smtpFrom: "alerts@roadwave.fr" },
      secretFields: { smtpPassword: "smtpPassword" },
    });
    const both = declareUptimeKuma(settings, { slack: true, discord: true }).notifications;
    expect(both.map((n) => [n.key, n.type, n.secretFields])).toEqual([
      ["email", "smtp", { smtpPassword: "smtpPassword" }],
      ["slack", "slack", { slackwebhookURL: "slackWebhookUrl" }],
      ["discord", "discord", { discordWebhookUrl: "discordWebhookUrl" }],
    ]);
  });

  it("publishes a status page of the user-facing services on the status domain", () => {
    const { statusPage } = declareUptimeKuma(settings, { slack: true, discord: false });
    expect(statusPage).toMatchObject({ slug: expected.slug, title: expected.title, domainNameList: [expected.status] });
    expect(statusPage.groups).toEqual([{ name: "RoadWave", monitorKeys: ["api-health", "zitadel"] }]);
  });

  it("gives Alertmanager the push URL on the Kuma host's private IP", () => {
    expect(kumaPrivateIp(settings)).toBe(expected.kumaIp);
    expect(watchdogPushUrl(settings, "abcDEF123")).toBe(`http://${expected.kumaIp}:3001/api/push/abcDEF123?status=up&msg=Watchdog`);
  });
});

// How Pulumi's RPC layer marks a secret value (runtime/rpc specialSigKey / specialSecretSig).
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

// One mocked runtime for the file: a component registers its outputs after the test has its values.
const registered: Registered[] = [];
let nextMonitorId = 100;
pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      registered.push({ type: args.type, name: args.name, inputs: args.inputs });
      if (args.type === "random:index/randomPassword:RandomPassword") return { id: args.name, state: { ...args.inputs, result: "MockedToken0123" } };
      const state: Record<string, unknown> = { ...args.inputs };
      if (args.type.endsWith(":KumaMonitor")) state.monitorId = nextMonitorId++;
      if (args.type.endsWith(":KumaNotification")) state.notificationId = registered.length;
      return { id: `${args.name}-id`, state };
    },
    call: (args) => args.inputs,
  },
  "roadwave-monitoring",
  "test",
  false,
);

describe.each(["prod", "staging"] as const)("UptimeKumaChecks in the %s stack (Pulumi mocks)", (stack) => {
  it("declares the notifications, monitors and status page, and the Watchdog push URL as a secret", async () => {
    // Loaded after setMocks so that the resources register with the mocked runtime.
    const { UptimeKumaChecks } = await import("../../components/uptimeKuma/uptimeKumaChecks");
    const settings = stackSettings(stack);
    const checks = new UptimeKumaChecks(`kuma-${stack}`, {
      settings,
      secrets: {
        smtpPassword: pulumi.secret("smtp-key"),
        uptimeKumaAdminPassword: pulumi.secret("Admin-Password-1"),
        ...(stack === "prod" ? { slackWebhookUrl: pulumi.secret("https://hooks.slack.com/services/T/B/X") } : { discordWebhookUrl: pulumi.secret("https://discord.com/api/webhooks/1/x") }),
      },
      ssh: { host: "198.51.100.7", user: "debian", privateKey: pulumi.secret("-----BEGIN OPENSSH PRIVATE KEY-----\nmock\n-----END OPENSSH PRIVATE KEY-----\n") },
    });
    const monitorIds = await valueOf(checks.monitorIds);
    const pushUrl = await valueOf(checks.watchdogPushUrl);
    expect(await valueOf(checks.statusPageSlug)).toBe(EXPECTED[stack].slug);

    const ofType = (suffix: string) =>
      registered.filter((r) => r.type.endsWith(suffix) && r.name.startsWith(`kuma-${stack}-`)).sort((a, b) => a.name.localeCompare(b.name));
    expect(ofType(":KumaNotification").map((r) => [r.name, r.inputs.type])).toEqual([
      stack === "prod" ? ["kuma-prod-notification-email", "smtp"] : ["kuma-staging-notification-discord", "discord"],
      stack === "prod" ? ["kuma-prod-notification-slack", "slack"] : ["kuma-staging-notification-email", "smtp"],
    ]);
    const monitors = ofType(":KumaMonitor");
    expect(monitors.map((r) => r.name.replace(`kuma-${stack}-monitor-`, ""))).toEqual(["api-health", "grafana", "status-page", "watchdog", "zitadel"]);
    expect(monitors.every((r) => r.type === "pulumi-nodejs:dynamic/uptimeKuma:KumaMonitor")).toBe(true);
    // The provider's code was serialized for the dynamic provider host.
    expect(monitors.every((r) => typeof r.inputs.__provider === "string" && (r.inputs.__provider as string).includes("getMonitor"))).toBe(true);
    expect(monitors.find((r) => r.name.endsWith("-monitor-watchdog"))?.inputs.pushToken).toEqual({ [SECRET_SIG_KEY]: SECRET_SIG, value: "MockedToken0123" });
    expect(monitors.find((r) => r.name.endsWith("-monitor-api-health"))?.inputs).toMatchObject({
      owner: `roadwave-monitoring/${stack}`, key: "api-health",
      monitor: { type: "keyword", url: `https://${EXPECTED[stack].api}/health` },
      // The connection carries the admin password: it reaches the provider as a Pulumi secret.
      connection: {
        [SECRET_SIG_KEY]: SECRET_SIG,
        value: { url: `http://${EXPECTED[stack].kumaIp}:3001`, username: "admin", password: "Admin-Password-1", timeoutSeconds: 60, ssh: { host: "198.51.100.7", user: "debian" } },
      },
    });
    expect(monitors.every((r) => (r.inputs.notificationIds as number[]).length === 2)).toBe(true);

    const pages = ofType(":KumaStatusPage");
    expect(pages).toHaveLength(1);
    expect(pages[0]?.inputs).toMatchObject({
      slug: EXPECTED[stack].slug, title: EXPECTED[stack].title, domainNameList: [EXPECTED[stack].status],
      groups: [{ name: "RoadWave", monitorIds: [monitorIds["api-health"], monitorIds.zitadel] }],
    });

    expect(pushUrl).toBe(`http://${EXPECTED[stack].kumaIp}:3001/api/push/MockedToken0123?status=up&msg=Watchdog`);
    expect(await (checks.watchdogPushUrl as unknown as { isSecret: Promise<boolean> }).isSecret).toBe(true);
  });

  it("uses the caller's Watchdog token when given one, without generating another", async () => {
    const { UptimeKumaChecks } = await import("../../components/uptimeKuma/uptimeKumaChecks");
    const checks = new UptimeKumaChecks(`kuma-given-${stack}`, {
      settings: stackSettings(stack),
      secrets: { smtpPassword: pulumi.secret("smtp-key"), uptimeKumaAdminPassword: pulumi.secret("Admin-Password-1"), slackWebhookUrl: pulumi.secret("https://hooks.slack.com/services/T/B/X") },
      kumaUrl: "http://127.0.0.1:3001",
      watchdogPushToken: pulumi.secret("CallerToken42"),
    });
    expect(await valueOf(checks.watchdogPushUrl)).toBe(`http://${EXPECTED[stack].kumaIp}:3001/api/push/CallerToken42?status=up&msg=Watchdog`);
    await valueOf(checks.statusPageSlug);
    const mine = registered.filter((r) => r.name.startsWith(`kuma-given-${stack}-`));
    expect(mine.filter((r) => r.type === "random:index/randomPassword:RandomPassword")).toEqual([]);
    expect(mine.find((r) => r.name.endsWith("-monitor-watchdog"))?.inputs.pushToken).toEqual({ [SECRET_SIG_KEY]: SECRET_SIG, value: "CallerToken42" });
  });
});

// The whole program under mocks (as the offline preview runs it): each monitoring stack declares its Uptime
// Kuma notifications, monitors and status page through UptimeKumaChecks, reached over the Kuma host's SSH, with
// the environment's Watchdog token (no second one).
import { describe, expect, it } from "vitest";
import { planStack } from "./offlineRun";

const KUMA = "pulumi-nodejs:dynamic/uptimeKuma:";

describe.each([
  ["prod", "10.42.0.11", "roadwave"],
  ["staging", "10.43.0.10", "roadwave-staging"],
])("the %s stack's Uptime Kuma objects", (stack, kumaIp, slug) => {
  it("declares the monitors, notifications and status page under UptimeKumaChecks", async () => {
    const run = await planStack(stack);
    const kuma = run.resources.filter((r) => r.type.startsWith(KUMA));
    expect(kuma.every((r) => r.parent === "roadwave-uptime-kuma-checks")).toBe(true);
    expect(kuma.filter((r) => r.type === `${KUMA}KumaMonitor`).map((r) => r.name).sort()).toEqual(
      ["api-health", "grafana", "status-page", "watchdog", "zitadel"].map((key) => `roadwave-uptime-kuma-checks-monitor-${key}`),
    );
    // The offline run sets placeholders for every chat webhook the stack may use: email, Slack and Discord.
    expect(kuma.filter((r) => r.type === `${KUMA}KumaNotification`).map((r) => String(r.rawInputs.type)).sort()).toEqual(["discord", "slack", "smtp"]);
    const page = kuma.find((r) => r.type === `${KUMA}KumaStatusPage`);
    expect(page?.rawInputs).toMatchObject({ slug, groups: [{ name: "RoadWave" }] });
    // Through the Kuma host's SSH, to Kuma's private address; the password and the key stay secret in the plan.
    expect(page?.rawInputs.connection).toMatchObject({ url: `http://${kumaIp}:3001`, username: "admin", ssh: { user: "debian" } });
    expect(page?.inputs.connection).toMatchObject({ password: "[secret]", ssh: { privateKey: "[secret]" } });
    expect(page?.additionalSecretOutputs).toEqual(["connection"]);
    expect(run.resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword" && r.name.includes("watchdog"))).toHaveLength(1);
    expect(kuma.find((r) => r.name.endsWith("-monitor-watchdog"))?.inputs.pushToken).toBe("[secret]");
  });
});

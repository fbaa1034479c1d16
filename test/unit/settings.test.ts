import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PLACEHOLDER_SECRETS } from "../../config/placeholders";
import { parseSettings, SettingsError, type SecretName } from "../../config/settings";

function rawSettings(stack: string): Record<string, unknown> {
  const config = (parse(readFileSync(`Pulumi.${stack}.yaml`, "utf8")) as { config: Record<string, unknown> }).config;
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k.split(":")[1]!, structuredClone(v)]));
}

const allSecrets: Partial<Record<SecretName, string>> = { ...PLACEHOLDER_SECRETS };
const drSecrets: Partial<Record<SecretName, string>> = { sshPrivateKey: PLACEHOLDER_SECRETS.sshPrivateKey };

function problemsOf(stack: string, mutate: (raw: Record<string, any>) => void, secrets = allSecrets, plaintext: SecretName[] = []) {
  const raw = rawSettings(stack);
  mutate(raw);
  try {
    parseSettings(stack, raw, secrets, plaintext);
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    return { problems: (error as SettingsError).problems, message: (error as Error).message };
  }
  throw new Error("expected the settings to be rejected");
}

describe("the committed stack files", () => {
  it.each(["prod", "staging", "staging-dr"])("%s parses with its secrets set", (stack) => {
    const parsed = parseSettings(stack, rawSettings(stack), stack === "staging-dr" ? drSecrets : allSecrets);
    expect(parsed.settings.environment).toBe(stack);
  });

  it("applies the ADR's default retention when the section is omitted", () => {
    const raw = rawSettings("prod");
    delete raw.retention;
    const { settings } = parseSettings("prod", raw, allSecrets);
    expect(settings.environment !== "staging-dr" && settings.retention).toEqual({ prometheusDays: 15, lokiDays: 7, backupDays: 7 });
  });
});

describe("bad settings: one error naming every problem, the key path and the fix", () => {
  it("1. a CIDR that is not one", () => {
    const { problems } = problemsOf("prod", (r) => (r.network.cidr = "10.42.0.0/33"));
    expect(problems).toContainEqual(expect.objectContaining({ key: "roadwave-monitoring:network.cidr", problem: "is not an IPv4 CIDR like 10.42.0.0/24" }));
    expect(problems[0]!.fix).toContain("pulumi config set --path 'roadwave-monitoring:network.cidr' 10.42.0.0/24 -s prod");
  });

  it("2. a static IP outside the CIDR", () => {
    const { problems } = problemsOf("prod", (r) => (r.hosts.monitoring.privateIp = "10.99.0.10"));
    expect(problems).toContainEqual(expect.objectContaining({ key: "roadwave-monitoring:hosts.monitoring.privateIp", problem: "10.99.0.10 is not a usable address of the private network 10.42.0.0/24" }));
  });

  it("3. two hosts on the same static IP", () => {
    const { problems } = problemsOf("prod", (r) => (r.monitored.redis.privateIp = "10.42.0.31"));
    expect(problems).toContainEqual(expect.objectContaining({ key: "roadwave-monitoring:monitored.redis.privateIp", problem: "10.42.0.31 is already used by roadwave-monitoring:monitored.postgresql.privateIp" }));
  });

  it("4. a static IP inside the DHCP pool", () => {
    const { problems } = problemsOf("prod", (r) => (r.monitored.api[1].privateIp = "10.42.0.200"));
    expect(problems).toContainEqual(expect.objectContaining({ key: "roadwave-monitoring:monitored.api[1].privateIp", problem: "10.42.0.200 is inside the DHCP pool 10.42.0.192-10.42.0.254 of 10.42.0.0/24" }));
  });

  it("5. a retention that is not positive", () => {
    const { problems } = problemsOf("staging", (r) => (r.retention.lokiDays = 0));
    expect(problems).toContainEqual(expect.objectContaining({ key: "roadwave-monitoring:retention.lokiDays", problem: "must be a positive number of days" }));
  });

  it("6. a prod retention below the ADR's", () => {
    const { problems } = problemsOf("prod", (r) => (r.retention.prometheusDays = 7));
    expect(problems).toContainEqual(expect.objectContaining({ key: "roadwave-monitoring:retention.prometheusDays", problem: "7 days is below the 15 days ADR-024 requires in prod" }));
  });

  it("7. prod without its separate Uptime Kuma host", () => {
    const { problems } = problemsOf("prod", (r) => delete r.hosts.uptimeKuma);
    expect(problems).toContainEqual(expect.objectContaining({ key: "roadwave-monitoring:hosts.uptimeKuma" }));
    expect(problems.find((p) => p.key === "roadwave-monitoring:hosts.uptimeKuma")!.problem).toContain("outlives the monitoring host");
  });

  it("8. prod without a backup bucket", () => {
    const { problems } = problemsOf("prod", (r) => delete r.backup);
    expect(problems).toContainEqual(expect.objectContaining({ key: "roadwave-monitoring:backup" }));
  });

  it("9. a missing secret names the exact pulumi command", () => {
    const { problems } = problemsOf("prod", () => undefined, { ...allSecrets, smtpPassword: undefined });
    expect(problems).toEqual([
      {
        key: "roadwave-monitoring:smtpPassword",
        problem: "is missing: the Brevo SMTP key used by Alertmanager, Grafana and Uptime Kuma",
        fix: "run: pulumi config set --secret roadwave-monitoring:smtpPassword <Brevo SMTP key> -s prod",
      },
    ]);
  });

  it("10. a Slack webhook that is not one, without echoing the value", () => {
    const { problems, message } = problemsOf("prod", () => undefined, { ...allSecrets, slackWebhookUrl: "http://example.com/hook-SECRET-VALUE" });
    expect(problems).toContainEqual(expect.objectContaining({ key: "roadwave-monitoring:slackWebhookUrl" }));
    expect(message).not.toContain("SECRET-VALUE");
  });

  it("11. no chat webhook at all", () => {
    const { problems } = problemsOf("staging", () => undefined, { ...allSecrets, slackWebhookUrl: undefined, discordWebhookUrl: undefined });
    expect(problems.map((p) => p.problem)).toContain("no chat webhook is set: critical alerts need Slack or Discord (or both)");
  });

  it("12. a secret stored in plain text in the stack file", () => {
    const { problems } = problemsOf("prod", () => undefined, allSecrets, ["smtpPassword"]);
    expect(problems).toContainEqual(expect.objectContaining({ key: "roadwave-monitoring:smtpPassword", problem: "is stored in plain text in the stack file" }));
  });

  it("13. staging-dr without the prod stack to restore", () => {
    const { problems } = problemsOf("staging-dr", (r) => delete r.dr.prodStack, drSecrets);
    expect(problems).toContainEqual(expect.objectContaining({ key: "roadwave-monitoring:dr.prodStack", problem: "is missing" }));
  });

  it("14. staging-dr naming a stack that is not prod", () => {
    const { problems } = problemsOf("staging-dr", (r) => (r.dr.prodStack = "roadwave/roadwave-monitoring/staging2"), drSecrets);
    expect(problems).toContainEqual(expect.objectContaining({ key: "roadwave-monitoring:dr.prodStack", problem: "roadwave/roadwave-monitoring/staging2 does not name a prod stack" }));
  });

  it("15. an unknown flavor lists the known ones", () => {
    const { problems } = problemsOf("prod", (r) => (r.hosts.monitoring.flavor = "b9-999"));
    expect(problems[0]!.key).toBe("roadwave-monitoring:hosts.monitoring.flavor");
    expect(problems[0]!.problem).toContain("b3-16");
  });

  it("16. a misspelt key", () => {
    const { problems } = problemsOf("prod", (r) => (r.domains.grafanna = "x.roadwave.fr"));
    expect(problems).toContainEqual(expect.objectContaining({ key: "roadwave-monitoring:domains", problem: "has unknown key(s) grafanna" }));
  });

  it("17. an unknown top-level setting", () => {
    const { problems } = problemsOf("prod", (r) => (r.retentionDays = 15));
    expect(problems).toContainEqual(expect.objectContaining({ key: "roadwave-monitoring:retentionDays", problem: "is not a known setting" }));
  });

  it("18. an environment that does not match the stack", () => {
    const { problems } = problemsOf("staging", (r) => (r.environment = "prod"));
    expect(problems).toContainEqual(expect.objectContaining({ key: "roadwave-monitoring:environment", problem: "is prod but the stack is staging" }));
  });

  it("19. a missing section says which fields it needs", () => {
    const { problems } = problemsOf("prod", (r) => delete r.ovh);
    expect(problems).toContainEqual({
      key: "roadwave-monitoring:ovh",
      problem: "is missing",
      fix: 'add a "roadwave-monitoring:ovh:" map to Pulumi.prod.yaml with serviceName, region (see docs/settings.md)',
    });
  });

  it("20. a bad SSH public key and a bad admin CIDR", () => {
    const { problems } = problemsOf("prod", (r) => {
      r.admin.sshPublicKeys = ["not-a-key"];
      r.admin.cidrs = ["203.0.113.0"];
    });
    expect(problems.map((p) => p.key)).toEqual(["roadwave-monitoring:admin.sshPublicKeys[0]", "roadwave-monitoring:admin.cidrs[0]"]);
  });

  it("21. reports every problem at once, settings and secrets together", () => {
    const { problems, message } = problemsOf(
      "prod",
      (r) => {
        r.network.vlanId = 9000;
        r.alerting.emailTo = ["not-an-email"];
        r.domains.statusPage = "Status Page";
      },
      { ...allSecrets, sshPrivateKey: undefined },
    );
    expect(problems.map((p) => p.key)).toEqual([
      "roadwave-monitoring:network.vlanId",
      "roadwave-monitoring:alerting.emailTo[0]",
      "roadwave-monitoring:domains.statusPage",
      "roadwave-monitoring:sshPrivateKey",
    ]);
    expect(message).toMatch(/^Invalid settings for stack "prod" \(4 problems\):/);
  });

  it("22. a secret the stack does not use", () => {
    const { problems } = problemsOf("staging-dr", () => undefined, { ...drSecrets, slackWebhookUrl: PLACEHOLDER_SECRETS.slackWebhookUrl });
    expect(problems).toEqual([expect.objectContaining({ key: "roadwave-monitoring:slackWebhookUrl", fix: "run: pulumi config rm roadwave-monitoring:slackWebhookUrl -s staging-dr" })]);
  });
});

// `npm run render -- <stack>` end to end: spawns scripts/render.ts and checks the tree it writes.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parse, stringify } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { PLACEHOLDER_MARK } from "../../config/placeholders";
import { tempDir } from "../support/processes";

const work = tempDir("render-test");
afterAll(() => work.remove());

const TSX = join(process.cwd(), "node_modules", ".bin", "tsx");
function render(...args: string[]) {
  const result = spawnSync(TSX, ["scripts/render.ts", ...args, "--out-dir", work.path], { encoding: "utf8", timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((p) => statSync(join(dir, p)).isFile())
    .map((p) => relative(dir, join(dir, p)))
    .sort();
}

/** A copy of a repository stack file, changed by `edit`. */
function stackFile(stack: string, edit: (config: Record<string, unknown>) => void): string {
  const doc = parse(readFileSync(`Pulumi.${stack}.yaml`, "utf8")) as { config: Record<string, unknown> };
  edit(doc.config);
  const path = join(work.path, `Pulumi.${stack}.${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, stringify(doc));
  return path;
}

// Files CONTRACT.md lists for issue 3.
const EXPECTED = [
  "alertmanager/alertmanager.yml",
  "alertmanager/templates/roadwave.tmpl",
  "alloy/config.alloy",
  "prometheus/prometheus.yml",
  "prometheus/rules/api.yml",
  "prometheus/rules/recording.yml",
  "prometheus/rules/slo.yml",
  "caddy/Caddyfile",
  "grafana/dashboards/backups.json",
  "grafana/dashboards/logs.json",
  "grafana/dashboards/main.json",
  "grafana/dashboards/postgresql.json",
  "grafana/dashboards/redis.json",
  "grafana/dashboards/slo.json",
  "grafana/provisioning/dashboards/dashboards.yaml",
  "grafana/provisioning/datasources/datasources.yaml",
  "loki/loki.yaml",
];

// Every path CONTRACT.md allows, plus the two extras: the Uptime Kuma host's Caddyfile (prod) and the
// postgres_exporter custom queries.
const ALLOWED = [
  /^prometheus\/prometheus\.yml$/, /^prometheus\/rules\/[a-z0-9-]+\.yml$/, /^alertmanager\/alertmanager\.yml$/,
  /^alertmanager\/templates\/[a-z0-9-]+\.tmpl$/, /^loki\/loki\.yaml$/, /^alloy\/config\.alloy$/,
  /^grafana\/provisioning\/(datasources|dashboards)\/[a-z0-9-]+\.yaml$/, /^grafana\/dashboards\/[a-z0-9-]+\.json$/,
  /^caddy\/Caddyfile$/, /^caddy-uptime-kuma\/Caddyfile$/, /^postgres-exporter\/queries\.yaml$/,
  /^postgresql-host\/(etc\/pgbackrest\/pgbackrest\.conf|usr\/local\/sbin\/roadwave-pgbackrest-backup|etc\/systemd\/system\/roadwave-pgbackrest-[a-z]+\.(service|timer))$/,
];

// Values that would be secrets: keys named like one, webhook URLs, private keys, push tokens.
const SECRET_KEY = /(password|passphrase|secret|token|api_?key|webhook|private_?key|credentials?)["']?\s*[:=]\s*["']?([^\s"',}]+)/gi;
const SECRET_VALUE = [/https:\/\/hooks\.slack\.com\/\S+/g, /https:\/\/discord(app)?\.com\/api\/webhooks\/\S+/g, /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END/g, /\/api\/push\/[^\s?"']+/g];

function secretLookingValues(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(SECRET_KEY)) found.push(m[0]);
  for (const re of SECRET_VALUE) for (const m of text.matchAll(re)) found.push(m[0]);
  return found;
}

describe("npm run render", () => {
  it("prod: wipes the output directory and writes every file, listing them", () => {
    const out = join(work.path, "prod", "files");
    mkdirSync(join(out, "stale"), { recursive: true });
    writeFileSync(join(out, "stale", "old.yml"), "left from an earlier render");
    const result = render("prod");
    expect(result.status, result.stderr).toBe(0);
    const files = tree(out);
    expect(files).toEqual(expect.arrayContaining([...EXPECTED, "caddy-uptime-kuma/Caddyfile"]));
    expect(files).not.toContain("stale/old.yml");
    // Nothing outside the contract, in particular no secret file.
    for (const f of files) expect(ALLOWED.some((re) => re.test(f)), f).toBe(true);
    for (const f of files) expect(result.stdout).toContain(`  ${f}\n`);
    expect(result.stdout).toContain(`prod: ${files.length} files`);
    for (const f of files.filter((f) => f.endsWith(".json"))) expect(() => JSON.parse(readFileSync(join(out, f), "utf8"))).not.toThrow();
    for (const f of files.filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"))) expect(() => parse(readFileSync(join(out, f), "utf8"))).not.toThrow();
  });

  it("staging: one Caddyfile with both sites", () => {
    const result = render("staging");
    expect(result.status, result.stderr).toBe(0);
    const files = tree(join(work.path, "staging", "files"));
    expect(files).toEqual(expect.arrayContaining(EXPECTED));
    expect(files).not.toContain("caddy-uptime-kuma/Caddyfile");
  });

  it("staging-dr: says it has no monitoring services and writes nothing", () => {
    const result = render("staging-dr");
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain("no monitoring service");
    expect(tree(join(work.path, "staging-dr"))).toEqual([]);
  });

  it("never writes a real secret: encrypted values become marked placeholders", () => {
    const ciphertext = "v1:Zm9vYmFyYmF6cXV4c2VjcmV0Y2lwaGVydGV4dA==";
    const path = stackFile("prod", (config) => {
      for (const name of ["smtpPassword", "slackWebhookUrl", "discordWebhookUrl", "uptimeKumaAdminPassword",
        "postgresExporterPassword", "redisPassword", "pgbackrestPassphrase", "sshPrivateKey"]) {
        config[`roadwave-monitoring:${name}`] = { secure: ciphertext };
      }
    });
    const result = render("prod", "--stack-file", path);
    expect(result.status, result.stderr).toBe(0);
    const out = join(work.path, "prod", "files");
    let secretLooking = 0;
    for (const f of tree(out)) {
      const text = readFileSync(join(out, f), "utf8");
      expect(text, f).not.toContain(ciphertext.slice(3, 20));
      for (const value of secretLookingValues(text)) {
        expect(value, `${f}: ${value}`).toContain(PLACEHOLDER_MARK);
        secretLooking++;
      }
    }
    // The Watchdog's push URL is the one secret inlined (Alertmanager 0.25 has no url_file for webhooks).
    expect(secretLooking).toBeGreaterThan(0);
    expect(result.stdout + result.stderr).not.toContain(ciphertext);
  });

  it("the secret scan finds secret-looking values", () => {
    expect(secretLookingValues("smtp_auth_password: hunter2\n")).toEqual(["password: hunter2"]);
    expect(secretLookingValues("api_url: https://hooks.slack.com/services/T1/B2/abc")).toEqual(["https://hooks.slack.com/services/T1/B2/abc"]);
    expect(secretLookingValues("password_file: /etc/x")).toEqual([]);
  });

  it("refuses a stack file with a secret in plain text", () => {
    const path = stackFile("prod", (config) => {
      config["roadwave-monitoring:smtpPassword"] = "a-real-looking-password";
    });
    const result = render("prod", "--stack-file", path);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("roadwave-monitoring:smtpPassword: is stored in plain text");
    expect(result.stderr).not.toContain("a-real-looking-password");
  });

  it("invalid settings: every problem, no stack trace, exit 1, nothing written", () => {
    const out = join(work.path, "prod", "files");
    const before = tree(out);
    const path = stackFile("prod", (config) => {
      (config["roadwave-monitoring:network"] as Record<string, unknown>).cidr = "10.42.0.0/33";
      delete config["roadwave-monitoring:domains"];
    });
    const result = render("prod", "--stack-file", path);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Invalid settings for stack "prod"');
    expect(result.stderr).toContain("roadwave-monitoring:network.cidr");
    expect(result.stderr).toContain("roadwave-monitoring:domains: is missing");
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(tree(out)).toEqual(before);
  });

  it("a missing stack file and bad usage are clear errors", () => {
    const missing = render("prod", "--stack-file", join(work.path, "nope.yaml"));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("cannot read stack settings file");
    const usage = render();
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain("usage: npm run render -- <stack>");
  });
});

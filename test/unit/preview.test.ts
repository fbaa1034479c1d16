// The offline preview command end to end, as a newcomer runs it.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const tmp = mkdtempSync(join(tmpdir(), "roadwave-preview-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function preview(...args: string[]) {
  return spawnSync("npx", ["tsx", "scripts/preview.ts", ...args], { encoding: "utf8", timeout: 120_000 });
}

describe("npm run preview", () => {
  it.each(["prod", "staging", "staging-dr"])("previews %s offline and writes plan.json with secrets masked", (stack) => {
    const result = preview(stack);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("nothing was created");
    expect(result.stdout).toContain("OFFLINE-PLACEHOLDER");
    const text = readFileSync(join("build", stack, "plan.json"), "utf8");
    const plan = JSON.parse(text) as { type: string; name: string; parent: string | null; inputs: Record<string, unknown> }[];
    expect(plan.filter((r) => r.type === "ovh:CloudProject/instance:Instance").length).toBeGreaterThan(0);
    expect(plan.every((r) => r.parent === null || plan.some((p) => p.name === r.parent))).toBe(true);
    expect(text).not.toContain("PRIVATE KEY");
    expect(text).not.toMatch(/OFFLINE-PLACEHOLDER-(smtp|pgbackrest|redis|postgres)/);
    expect(text).toContain('"[secret]"');
  });

  it("previews another settings file with --stack-file", () => {
    const file = join(tmp, "Pulumi.dev.yaml");
    writeFileSync(file, readFileSync("Pulumi.staging.yaml", "utf8").replace("vlanId: 43", "vlanId: 77"));
    const result = preview("dev", "--stack-file", file);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("vlanId=77");
  });

  it("exits 1 with every settings problem before creating anything", () => {
    const file = join(tmp, "Pulumi.bad.yaml");
    writeFileSync(file, readFileSync("Pulumi.prod.yaml", "utf8").replace("cidr: 10.42.0.0/24", "cidr: 10.42.0.0/33").replace("flavor: b3-16", "flavor: b9-1"));
    const result = preview("prod", "--stack-file", file);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Invalid settings for stack "prod" (2 problems)');
    expect(result.stderr).toContain("roadwave-monitoring:network.cidr");
    expect(result.stderr).toContain("roadwave-monitoring:hosts.monitoring.flavor");
    expect(result.stdout).not.toContain("resources,");
  });

  it("refuses a secret written in plain text in the settings file", () => {
    const file = join(tmp, "Pulumi.plain.yaml");
    writeFileSync(file, `${readFileSync("Pulumi.staging.yaml", "utf8")}  roadwave-monitoring:smtpPassword: not-encrypted-value\n`);
    const result = preview("staging", "--stack-file", file);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("roadwave-monitoring:smtpPassword: is stored in plain text in the stack file");
    expect(result.stderr).not.toContain("not-encrypted-value");
  });

  it("rejects bad arguments with the usage", () => {
    expect(preview().stderr).toContain("usage: npm run preview -- <stack>");
    expect(preview("prod", "--bogus").stderr).toContain("unknown option --bogus");
    expect(preview("nosuchstack").stderr).toContain("Pulumi.nosuchstack.yaml does not exist");
  });
});

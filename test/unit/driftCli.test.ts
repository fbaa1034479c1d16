// scripts/drift.ts run as a process: with no Pulumi CLI on PATH, and with a stand-in `pulumi` executable that
// answers the Automation API's calls (version, stack select, config, refresh --preview-only) and sends
// recorded engine events the way the CLI does: streamed over gRPC to the Automation API's events server
// (CLI after 3.205, e.g. the pinned 3.248.0), or appended to the --event-log file (CLI up to 3.205). The real
// CLI is not available here; the stand-in checks the wiring (arguments, event delivery, exit codes, files,
// notification), not the engine.
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "..", "..");
const TSX = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const FIXTURES = join(ROOT, "test", "fixtures", "drift");

let workDir: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runDrift(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [TSX, join(ROOT, "scripts", "drift.ts"), ...args], {
      cwd: ROOT,
      env: { HOME: workDir, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolveRun({ code, stdout, stderr }));
  });
}

/** A directory holding only a stand-in `pulumi`, driven by environment variables. */
function fakePulumiDir(): string {
  const dir = mkdtempSync(join(workDir, "bin-"));
  const script = `#!${process.execPath}
const fs = require("node:fs");
const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_PULUMI_LOG, JSON.stringify(args) + "\\n");
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
if (args[0] === "version") { console.log("v" + (process.env.FAKE_PULUMI_VERSION || "3.248.0")); process.exit(0); }
if (args[0] === "stack" && args[1] === "select") process.exit(0);
if (args[0] === "config" && args.includes("--json")) { console.log(process.env.FAKE_PULUMI_CONFIG || "{}"); process.exit(0); }
const finish = () => {
  if (process.env.FAKE_PULUMI_FAIL) { console.error(process.env.FAKE_PULUMI_FAIL); process.exit(255); }
  process.exit(0);
};
if (args[0] === "refresh" && args.includes("--preview-only")) {
  const log = args[args.indexOf("--event-log") + 1];
  const events = JSON.parse(fs.readFileSync(process.env.FAKE_PULUMI_EVENTS, "utf8"));
  if (log.startsWith("tcp://")) {
    const grpc = require(${JSON.stringify(join(ROOT, "node_modules", "@grpc", "grpc-js"))});
    const { EventsClient } = require(${JSON.stringify(join(ROOT, "node_modules", "@pulumi", "pulumi", "proto", "events_grpc_pb.js"))});
    const { EventRequest } = require(${JSON.stringify(join(ROOT, "node_modules", "@pulumi", "pulumi", "proto", "events_pb.js"))});
    const client = new EventsClient(log.slice("tcp://".length), grpc.credentials.createInsecure());
    const call = client.streamEvents((error) => { if (error) { console.error("error: " + error.message); process.exit(255); } finish(); });
    for (const event of events) call.write(new EventRequest().setEvent(JSON.stringify(event)));
    call.end();
  } else {
    fs.appendFileSync(log, events.map((e) => JSON.stringify(e)).join("\\n") + "\\n");
    sleep(700); // the Automation API tails the event log every 200 ms
    finish();
  }
} else {
  console.error("error: the stand-in pulumi does not know: " + args.join(" "));
  process.exit(255);
}
`;
  writeFileSync(join(dir, "pulumi"), script);
  chmodSync(join(dir, "pulumi"), 0o755);
  return dir;
}

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), "drift-cli-"));
});
afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

// Each run has its own output directory and webhook path. Sequential: each process is CPU-bound at start.
describe("npm run drift", () => {
  it("exits 2 with a clear message when the Pulumi CLI is not on PATH", async () => {
    const emptyBin = mkdtempSync(join(workDir, "empty-"));
    const outDir = join(workDir, "out-missing");
    const run = await runDrift(["prod", "staging", `--out-dir=${outDir}`], { PATH: emptyBin });
    expect(run.code).toBe(2);
    expect(run.stdout).toContain("# Pulumi drift check: CHECK FAILED");
    expect(run.stdout).toContain("the Pulumi CLI was not found on PATH");
    expect(run.stdout + run.stderr).not.toMatch(/^\s+at /m);
    const report = JSON.parse(readFileSync(join(outDir, "prod.json"), "utf8"));
    expect(report).toMatchObject({ stack: "prod", status: "error" });
    expect(existsSync(join(outDir, "staging.md"))).toBe(true);
  });

  it("exits 2 with usage when no stack is named", async () => {
    const run = await runDrift(["--notify"], { PATH: "/nonexistent" });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("usage: npm run drift -- <stack...>");
  });

  describe("through the Automation API with a stand-in pulumi", () => {
    let server: Server;
    let received: { url?: string; body: string }[];
    let webhookBase: string;

    beforeAll(async () => {
      received = [];
      server = createServer((req, res) => {
        let body = "";
        req.on("data", (d: Buffer) => (body += d.toString()));
        req.on("end", () => {
          received.push({ url: req.url, body });
          res.end("ok");
        });
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const address = server.address();
      if (address === null || typeof address === "string") throw new Error("no port");
      webhookBase = `http://127.0.0.1:${address.port}/services/T0ROADWAVE/B0PROD`;
    });
    afterAll(async () => {
      await new Promise<void>((r) => server.close(() => r()));
    });

    /** Environment of one run; `token` is the last part of its webhook path. */
    function env(events: string, token: string, extra: Record<string, string> = {}): Record<string, string> {
      return {
        PATH: fakePulumiDir(),
        FAKE_PULUMI_LOG: join(workDir, `calls-${token}.log`),
        FAKE_PULUMI_EVENTS: join(FIXTURES, events),
        FAKE_PULUMI_CONFIG: JSON.stringify({
          "roadwave-monitoring:environment": { value: "prod", secret: false },
          "roadwave-monitoring:slackWebhookUrl": { value: `${webhookBase}/${token}`, secret: true },
        }),
        ...extra,
      };
    }

    it("exits 0 and writes the reports when nothing drifted", async () => {
      const outDir = join(workDir, "out-clean");
      const run = await runDrift(["prod", `--out-dir=${outDir}`, "--notify"], env("no-drift.events.json", "cleanT0k3n"));
      expect(run.code).toBe(0);
      expect(run.stdout).toContain("# Pulumi drift check: no drift");
      expect(JSON.parse(readFileSync(join(outDir, "prod.json"), "utf8")).status).toBe("no-drift");
      const calls = readFileSync(join(workDir, "calls-cleanT0k3n.log"), "utf8");
      expect(calls).toContain('"refresh","--preview-only"');
      expect(calls).toContain('"--stack","prod"');
      // CLI 3.248 streams its events to the Automation API's gRPC server.
      expect(calls).toMatch(/"--event-log","tcp:\/\/127\.0\.0\.1:\d+"/);
      expect(received.filter((r) => r.url?.endsWith("/cleanT0k3n"))).toHaveLength(0);
    });

    it("exits 1 on drift and posts the report to the stack's webhook without printing it", async () => {
      const outDir = join(workDir, "out-drift");
      const run = await runDrift(["prod", `--out-dir=${outDir}`, "--notify"], env("updated-properties.events.json", "wiringT0k3n"));
      expect(run.code).toBe(1);
      expect(run.stdout).toContain("**prod**: drift in 2 resources");
      expect(readFileSync(join(outDir, "prod.md"), "utf8")).toContain("| `flavorName` | update | `b3-16` | `b3-32` |");
      const posts = received.filter((r) => r.url === "/services/T0ROADWAVE/B0PROD/wiringT0k3n");
      expect(posts).toHaveLength(1);
      const payload = JSON.parse(posts[0]!.body);
      expect(payload.text).toContain("drift detected in stack prod");
      expect(payload.blocks[0].type).toBe("markdown");
      expect(payload.blocks[0].text).toContain("flavorName");
      for (const output of [run.stdout, run.stderr, readFileSync(join(outDir, "prod.json"), "utf8")]) {
        expect(output).not.toContain("wiringT0k3n");
      }
    });

    it("reads the events from the log file of a CLI up to 3.205", async () => {
      const outDir = join(workDir, "out-file-log");
      const run = await runDrift(["prod", `--out-dir=${outDir}`], env("deleted-out-of-band.events.json", "fileLogT0k3n", { FAKE_PULUMI_VERSION: "3.205.0" }));
      expect(run.code).toBe(1);
      expect(run.stdout).toContain("deleted outside Pulumi");
      expect(readFileSync(join(workDir, "calls-fileLogT0k3n.log"), "utf8")).not.toContain("tcp://");
    });

    it("exits 2 with the CLI's error when the refresh fails", async () => {
      const outDir = join(workDir, "out-error");
      const run = await runDrift(
        ["prod", `--out-dir=${outDir}`],
        env("error.events.json", "errorT0k3n", { FAKE_PULUMI_FAIL: "error: preview failed: 1 error occurred: OVHcloud API error (status code 403)" }),
      );
      expect(run.code).toBe(2);
      expect(run.stdout).toContain("This credential is not valid");
      expect(run.stdout).toContain("preview failed: 1 error occurred: OVHcloud API error (status code 403)");
      expect(run.stdout + run.stderr).not.toMatch(/^\s+at /m);
      expect(received.filter((r) => r.url?.endsWith("/errorT0k3n"))).toHaveLength(0);
    });
  });
});

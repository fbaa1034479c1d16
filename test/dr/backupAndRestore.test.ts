// Continuous backups and the DR drill on a real PostgreSQL 15, pgBackRest 2.45 and an S3 server with TLS, all
// on 127.0.0.1. The primary uses archive_timeout = 5 s instead of prod's 60 s so the test is short; the
// guarantee checked is the same: what was committed more than archive_timeout before a crash is restored.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKUP_METRICS_FILE } from "../../config/pgbackrest";
import { asPostgres, DrSandbox, EMPTY_BUCKET, freePort, PG_BIN, run, sleep } from "./sandbox";

const ARCHIVE_TIMEOUT_SECONDS = 5;
// archive_timeout counts whole seconds (up to 1 s late) and the segment then takes a moment to be pushed.
const PUSH_SLACK_SECONDS = 2;
const ONE_LINE_ERROR = /^dr-drill: error: [^\n]+; fix: [^\n]+\n$/;

describe("pgBackRest to S3 and the DR drill", () => {
  let sandbox: DrSandbox;
  let pushgateway: ChildProcess | undefined;
  let pushgatewayPort = 0;
  // Filled by the crash test, used by the point-in-time test.
  let pitr: { targetTime: string; lastSeqBefore: number } | undefined;

  beforeAll(async () => {
    sandbox = await DrSandbox.start({ archiveTimeoutSeconds: ARCHIVE_TIMEOUT_SECONDS });
    pushgatewayPort = await freePort();
    pushgateway = spawn("prometheus-pushgateway", [`--web.listen-address=127.0.0.1:${pushgatewayPort}`], { stdio: "ignore" });
    pushgateway.once("error", (error) => {
      throw new Error(`prometheus-pushgateway did not start (${error.message}): run scripts/install-tools.sh`);
    });
  });

  afterAll(async () => {
    if (pushgateway?.pid !== undefined && pushgateway.exitCode === null) {
      const exited = new Promise((r) => pushgateway?.once("exit", r));
      pushgateway.kill("SIGTERM");
      await exited;
    }
    await sandbox?.stop();
  });

  it("applies the archive settings with ALTER SYSTEM and reports that archive_mode waits for a restart", async () => {
    const pending = await sandbox.applyArchiveSettings();
    expect(pending).toEqual(["archive_mode"]);
    expect(await sandbox.psql("SHOW archive_timeout")).toBe(`${ARCHIVE_TIMEOUT_SECONDS}s\n`);
    await sandbox.pgCtl("restart"); // the operator's scheduled restart
    expect(await sandbox.psql("SHOW archive_mode")).toBe("on\n");
  });

  it("creates the stanza idempotently and archives WAL to the bucket", async () => {
    await sandbox.pgbackrest(["stanza-create"]);
    await sandbox.pgbackrest(["stanza-create"]);
    // check forces a WAL switch and waits until that segment is in the repository.
    await sandbox.pgbackrest(["check"]);
  });

  it("takes full and differential backups through the timers' script and writes the textfile metrics", async () => {
    const full = await sandbox.backup("full");
    expect(full.stderr).toBe("");
    expect(full.code).toBe(0);
    await sandbox.psql("CREATE TABLE events (seq int PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())");
    const diff = await sandbox.backup("diff");
    expect(diff.code).toBe(0);

    const metrics = readFileSync(join(sandbox.textfileDir, BACKUP_METRICS_FILE), "utf8");
    const now = Date.now() / 1000;
    for (const type of ["full", "diff"]) {
      const stamp = Number(metrics.match(new RegExp(`^roadwave_backup_last_success_timestamp_seconds\\{type="${type}"\\} (\\d+)$`, "m"))?.[1]);
      const size = Number(metrics.match(new RegExp(`^roadwave_backup_last_size_bytes\\{type="${type}"\\} (\\d+)$`, "m"))?.[1]);
      expect(now - stamp).toBeLessThan(120);
      expect(size).toBeGreaterThan(0);
    }
    const promtool = await run("bash", ["-c", `promtool check metrics < ${join(sandbox.textfileDir, BACKUP_METRICS_FILE)}`]);
    expect(promtool.stderr + promtool.stdout).toBe("");
    expect(promtool.code).toBe(0);
    const info = JSON.parse(await sandbox.pgbackrest(["--output=json", "info"]));
    expect(info[0].backup.map((b: { type: string }) => b.type)).toEqual(["full", "diff"]);
    expect(info[0].cipher).toBe("aes-256-cbc");
  });

  it("restores after kill -9 everything committed more than archive_timeout before the kill, and pushes the DR metrics", async () => {
    const acked: { seq: number; at: number }[] = [];
    let stopWriting = false;
    const writer = (async () => {
      for (let seq = 1; !stopWriting; seq++) {
        try {
          await sandbox.psql(`INSERT INTO events (seq) VALUES (${seq})`);
        } catch {
          return; // the primary is gone
        }
        acked.push({ seq, at: Date.now() });
        if (seq === 30) {
          // A point in time between two commits, well clear of both, for the next test.
          await sleep(400);
          pitr = { targetTime: new Date().toISOString(), lastSeqBefore: seq };
          await sleep(400);
        }
        await sleep(80);
      }
    })();
    await sleep(16_000);
    // On a loaded machine the writes are slower: make sure the point-in-time target has been archived.
    while (!pitr || Date.now() - Date.parse(pitr.targetTime) < (ARCHIVE_TIMEOUT_SECONDS + PUSH_SLACK_SECONDS + 3) * 1000) await sleep(200);
    const killedAt = await sandbox.killPrimary();
    stopWriting = true;
    await writer;

    const cutoff = killedAt - (ARCHIVE_TIMEOUT_SECONDS + PUSH_SLACK_SECONDS) * 1000;
    const mustHave = acked.filter((a) => a.at < cutoff).length;
    expect(mustHave).toBeGreaterThanOrEqual(30);
    expect(acked.slice(0, mustHave).every((a, i) => a.seq === i + 1)).toBe(true);

    const checks = sandbox.writeChecks("after-crash", [
      { name: "committed_before_cutoff", database: "postgres", sql: `SELECT count(*) FROM events WHERE seq <= ${mustHave}`, min: mustHave },
    ]);
    const drill = await sandbox.drill({ checks, pushgatewayUrl: `http://127.0.0.1:${pushgatewayPort}` });
    expect(drill.stderr).toBe("");
    expect(drill.code).toBe(0);
    expect(drill.result?.status).toBe("ok");
    expect(drill.result?.checks).toEqual([{ name: "committed_before_cutoff", database: "postgres", value: mustHave, min: mustHave, ok: true }]);
    expect(drill.result?.rtoSeconds).toBeGreaterThan(0);
    expect(drill.result?.pushed).toBe(true);
    const restoredTo = Date.parse(drill.result?.restoredTo ?? "");
    expect(restoredTo).toBeGreaterThanOrEqual(acked[mustHave - 1]!.at - 1000);
    expect(restoredTo).toBeLessThanOrEqual(killedAt);
    console.log(`crash test: ${acked.length} commits acknowledged, restored up to ${killedAt - restoredTo} ms before the kill, RTO ${drill.result?.rtoSeconds} s`);

    const pushed = await (await fetch(`http://127.0.0.1:${pushgatewayPort}/metrics`)).text();
    expect(pushed).toMatch(/^roadwave_dr_drill_rto_seconds\{[^}]*job="roadwave-dr-drill"[^}]*\} \d/m);
    const success = Number(pushed.match(/^roadwave_dr_drill_last_success_timestamp_seconds\{[^}]*\} (\S+)$/m)?.[1]);
    expect(Date.now() / 1000 - success).toBeLessThan(60);
  });

  it("restores to a point in time and stops there", async () => {
    expect(pitr).toBeDefined();
    const { targetTime, lastSeqBefore } = pitr!;
    const checks = sandbox.writeChecks("pitr", [
      { name: "commits_before_target", database: "postgres", sql: `SELECT count(*) FROM events WHERE seq <= ${lastSeqBefore}`, min: lastSeqBefore },
      { name: "nothing_after_target", database: "postgres", sql: `SELECT CASE WHEN count(*) = 0 THEN 1 ELSE 0 END FROM events WHERE seq > ${lastSeqBefore}`, min: 1 },
    ]);
    const drill = await sandbox.drill({ checks, targetTime });
    expect(drill.stderr).toBe("");
    expect(drill.code).toBe(0);
    expect(drill.result?.checks?.every((c) => c.ok)).toBe(true);
    expect(Date.parse(drill.result?.targetTime ?? "")).toBe(Date.parse(targetTime));
    expect(Date.parse(drill.result?.restoredTo ?? "")).toBeLessThanOrEqual(Date.parse(targetTime));
  });

  it("fails the verification when a check does not hold", async () => {
    const checks = sandbox.writeChecks("impossible", [
      { name: "too_many_events", database: "postgres", sql: "SELECT count(*) FROM events", min: 1_000_000 },
    ]);
    const drill = await sandbox.drill({ checks, keepRunning: true });
    expect(drill.code).toBe(1);
    expect(drill.result?.status).toBe("verification_failed");
    expect(drill.stderr).toMatch(/^dr-drill: error: verification failed: too_many_events; fix: /);
    // --keep-running leaves the restored server up for inspection (sandbox.stop() stops it).
    const events = await asPostgres(`${PG_BIN}/psql`, ["-X", "-At", "-h", sandbox.drillWorkDir, "-p", String(sandbox.drillPort), "-d", "postgres", "-c", "SELECT count(*) > 0 FROM events"]);
    expect(events).toBe("t\n");
  });

  describe("bad input gives one clear line", () => {
    it("wrong passphrase", async () => {
      const config = sandbox.writeRestoreConf("wrong-passphrase.conf", sandbox.repo({ cipherPass: "not-the-passphrase-of-this-repository" }));
      const drill = await sandbox.drill({ config });
      expect(drill.code).toBe(2);
      expect(drill.stderr).toMatch(ONE_LINE_ERROR);
      expect(drill.stderr).toContain("wrong repository passphrase");
      expect(drill.result).toEqual({ status: "error", error: expect.stringContaining("wrong repository passphrase") });
    });

    it("missing stanza", async () => {
      const drill = await sandbox.drill({ stanza: "billing" });
      expect(drill.code).toBe(2);
      expect(drill.stderr).toMatch(ONE_LINE_ERROR);
      expect(drill.stderr).toContain("stanza billing is missing from the repository in bucket roadwave-test (it holds: roadwave)");
    });

    it("empty bucket", async () => {
      const config = sandbox.writeRestoreConf("empty-bucket.conf", sandbox.repo({ bucket: EMPTY_BUCKET }));
      const drill = await sandbox.drill({ config });
      expect(drill.code).toBe(2);
      expect(drill.stderr).toMatch(ONE_LINE_ERROR);
      expect(drill.stderr).toContain(`the bucket ${EMPTY_BUCKET} holds no pgBackRest repository`);
    });

    it("unreachable endpoint", async () => {
      const closedPort = await freePort();
      const config = sandbox.writeRestoreConf("unreachable.conf", sandbox.repo({ endpointUrl: `https://127.0.0.1:${closedPort}` }));
      const drill = await sandbox.drill({ config });
      expect(drill.code).toBe(2);
      expect(drill.stderr).toMatch(ONE_LINE_ERROR);
      expect(drill.stderr).toContain(`cannot reach the S3 endpoint https://127.0.0.1:${closedPort}`);
    });
  });
});

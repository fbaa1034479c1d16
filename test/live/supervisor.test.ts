// The sandbox's process supervisor: processes are stopped by PID with their whole group, a process that
// ignores SIGTERM is killed, and every temp dir goes, so a failed test leaves nothing running.
import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { freePort, groupAlive, Supervisor } from "../../scripts/sandbox/supervisor";

let supervisor: Supervisor | undefined;
afterEach(async () => {
  await supervisor?.stopAll();
});

describe("Supervisor", () => {
  it("stops a process and its children by PID, SIGKILL for one that ignores SIGTERM, and removes its temp dirs", async () => {
    supervisor = new Supervisor("supervisor-test");
    const dir = supervisor.tempDir("data");
    const polite = supervisor.start("polite", "sleep", ["60"]);
    // bash ignores SIGTERM and has a child: both must go.
    const stubborn = supervisor.start("stubborn", "bash", ["-c", "trap '' TERM; sleep 60 & wait"]);
    await new Promise((r) => setTimeout(r, 300));
    expect(groupAlive(polite.pid)).toBe(true);
    expect(groupAlive(stubborn.pid)).toBe(true);

    await supervisor.stop(polite);
    expect(groupAlive(polite.pid)).toBe(false);
    expect(await polite.exited).toBe("SIGTERM");

    const started = Date.now();
    await supervisor.stop(stubborn, 500);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(groupAlive(stubborn.pid)).toBe(false);
    expect(await stubborn.exited).toBe("SIGKILL");

    supervisor.start("another", "sleep", ["60"]);
    await supervisor.stopAll();
    expect(supervisor.running()).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(supervisor.logDir)).toBe(false);
  });

  it("hands out distinct free ports on 127.0.0.1", async () => {
    const ports = await Promise.all([freePort(), freePort(), freePort()]);
    expect(new Set(ports).size).toBe(3);
    for (const p of ports) expect(p).toBeGreaterThan(1024);
  });
});

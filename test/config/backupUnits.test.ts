// The backup timers and scripts checked by the real tools: systemd-analyze for the units and calendars,
// bash -n for the scripts shipped to the hosts.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BACKUP_SCHEDULE, BACKUP_TYPES, renderBackupScript, renderBackupUnits } from "../../config/pgbackrest";

const dir = mkdtempSync(join(tmpdir(), "backup-units-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("backup units and scripts", () => {
  it("pass systemd-analyze verify", () => {
    const script = join(dir, "roadwave-pgbackrest-backup");
    writeFileSync(script, renderBackupScript(), { mode: 0o755 });
    const files = Object.entries(renderBackupUnits(script)).map(([name, content]) => {
      writeFileSync(join(dir, name), content);
      return join(dir, name);
    });
    const verify = spawnSync("systemd-analyze", ["verify", ...files], { encoding: "utf8" });
    expect(verify.error).toBeUndefined();
    expect(verify.stderr).toBe("");
    expect(verify.status).toBe(0);
  });

  it("have calendars systemd understands", () => {
    for (const type of BACKUP_TYPES) {
      const out = execFileSync("systemd-analyze", ["calendar", BACKUP_SCHEDULE[type]], { encoding: "utf8" });
      expect(out).toContain(`Normalized form: ${BACKUP_SCHEDULE[type]}`);
    }
  });

  it("ship bash that parses", () => {
    execFileSync("bash", ["-n"], { input: renderBackupScript() });
    execFileSync("bash", ["-n", resolve(__dirname, "../../scripts/dr-drill.sh")]);
  });
});

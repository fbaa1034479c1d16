// The pgBackRest / archive / timer / drill renderers. Behaviour against the real tools is in test/dr.
import { s3Endpoint } from "../../config/backupBucket";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { drillCommandLine, parseDrillResult, renderDrillChecks } from "../../config/drDrill";
import { renderFileInstaller } from "../../config/fileInstaller";
import {
  archiveSettingsConfLines,
  archiveSettingsSql,
  parseS3Endpoint,
  PLACEHOLDER_REPOSITORY_CREDENTIALS,
  renderBackupHostFiles,
  renderBackupScript,
  renderBackupUnits,
  renderPgbackrestConf,
  renderPostgresArchiveSettings,
} from "../../config/pgbackrest";
import { PLACEHOLDER_MARK } from "../../config/placeholders";
import { parseSettings, type MonitoringStackSettings } from "../../config/settings";
import { parse as parseYaml } from "yaml";

const repo = {
  endpointUrl: "https://s3.gra.io.cloud.ovh.net",
  region: "GRA",
  bucket: "roadwave-prod-pgbackrest",
  accessKeyId: "AKID",
  secretAccessKey: "SECRET",
  cipherPass: "passphrase-0123456789-0123456789-01",
};

function iniValues(conf: string, section: string): Record<string, string> {
  const out: Record<string, string> = {};
  let current = "";
  for (const line of conf.split("\n")) {
    const header = line.match(/^\[(.+)\]$/);
    if (header) current = header[1]!;
    else if (current === section && line.includes("=")) out[line.slice(0, line.indexOf("="))] = line.slice(line.indexOf("=") + 1);
  }
  return out;
}

describe("renderPgbackrestConf", () => {
  it("puts the repository on the OVH bucket, path-style, encrypted, zstd, async, retained by time", () => {
    const conf = renderPgbackrestConf({ repo, retentionDays: 7, pgDataPath: "/var/lib/postgresql/15/main", pgPort: 5432 });
    expect(iniValues(conf, "global")).toEqual({
      "repo1-type": "s3",
      "repo1-s3-endpoint": "s3.gra.io.cloud.ovh.net",
      "repo1-s3-uri-style": "path",
      "repo1-s3-region": "gra",
      "repo1-s3-bucket": "roadwave-prod-pgbackrest",
      "repo1-s3-key": "AKID",
      "repo1-s3-key-secret": "SECRET",
      "repo1-path": "/pgbackrest",
      "repo1-storage-verify-tls": "y",
      "repo1-cipher-type": "aes-256-cbc",
      "repo1-cipher-pass": repo.cipherPass,
      "repo1-retention-full-type": "time",
      "repo1-retention-full": "7",
      "compress-type": "zst",
      "compress-level": "3",
      "process-max": "2",
      "archive-async": "y",
      "spool-path": "/var/spool/pgbackrest",
      "log-path": "/var/log/pgbackrest",
      "log-level-console": "warn",
      "log-level-file": "info",
      "start-fast": "y",
    });
    expect(iniValues(conf, "roadwave")).toEqual({ "pg1-path": "/var/lib/postgresql/15/main", "pg1-port": "5432" });
  });

  it("takes a non-default port and CA file (the tests' S3 server)", () => {
    const conf = renderPgbackrestConf({ repo: { ...repo, endpointUrl: "https://127.0.0.1:9443", caFile: "/tmp/ca.crt" }, retentionDays: 3, pgDataPath: "/d" });
    expect(iniValues(conf, "global")).toMatchObject({ "repo1-s3-endpoint": "127.0.0.1", "repo1-storage-port": "9443", "repo1-storage-ca-file": "/tmp/ca.crt" });
  });

  it("refuses values that would break the file or the transport", () => {
    expect(() => renderPgbackrestConf({ repo: { ...repo, secretAccessKey: "a\nrepo1-type=posix" }, retentionDays: 7, pgDataPath: "/d" })).toThrow(/one non-empty line/);
    expect(() => renderPgbackrestConf({ repo: { ...repo, cipherPass: "" }, retentionDays: 7, pgDataPath: "/d" })).toThrow(/repo1-cipher-pass/);
    expect(() => parseS3Endpoint("http://s3.gra.io.cloud.ovh.net")).toThrow(/https/);
    expect(() => parseS3Endpoint("https://s3.gra.io.cloud.ovh.net/bucket")).toThrow(/no path/);
    expect(() => renderPgbackrestConf({ repo, retentionDays: 0, pgDataPath: "/d" })).toThrow(/retentionDays/);
  });

  it("derives the OVH endpoint from the region", () => {
    expect(s3Endpoint("GRA")).toBe("https://s3.gra.io.cloud.ovh.net");
  });
});

describe("archive settings", () => {
  it("archives every WAL segment through pgBackRest at least every 60 s", () => {
    expect(renderPostgresArchiveSettings()).toEqual({
      archive_mode: "on",
      archive_command: "pgbackrest --stanza=roadwave archive-push %p",
      archive_timeout: "60s",
      wal_level: "replica",
    });
    expect(renderPostgresArchiveSettings({ configPath: "/t/p.conf", archiveTimeoutSeconds: 5 }).archive_command).toBe(
      "pgbackrest --config=/t/p.conf --stanza=roadwave archive-push %p",
    );
  });

  it("renders ALTER SYSTEM statements with a reload, never a restart", () => {
    const sql = archiveSettingsSql(renderPostgresArchiveSettings());
    expect(sql).toBe(
      "ALTER SYSTEM SET archive_mode = 'on';\n" +
        "ALTER SYSTEM SET archive_command = 'pgbackrest --stanza=roadwave archive-push %p';\n" +
        "ALTER SYSTEM SET archive_timeout = '60s';\n" +
        "ALTER SYSTEM SET wal_level = 'replica';\n" +
        "SELECT pg_reload_conf();\n",
    );
    expect(archiveSettingsConfLines({ a: "it's" })).toBe("a = 'it''s'\n");
  });
});

describe("backup timers", () => {
  it("schedules a weekly full and a daily differential backup, caught up after downtime", () => {
    const units = renderBackupUnits();
    expect(Object.keys(units).sort()).toEqual([
      "roadwave-pgbackrest-diff.service", "roadwave-pgbackrest-diff.timer", "roadwave-pgbackrest-full.service", "roadwave-pgbackrest-full.timer",
    ]);
    expect(units["roadwave-pgbackrest-full.timer"]).toContain("OnCalendar=Sun *-*-* 01:00:00 UTC\n");
    expect(units["roadwave-pgbackrest-diff.timer"]).toContain("OnCalendar=Mon..Sat *-*-* 01:00:00 UTC\n");
    for (const type of ["full", "diff"]) {
      expect(units[`roadwave-pgbackrest-${type}.timer`]).toContain("Persistent=true\n");
      expect(units[`roadwave-pgbackrest-${type}.service`]).toContain(`ExecStart=/usr/local/sbin/roadwave-pgbackrest-backup ${type}\n`);
    }
  });

  it("runs the backup then writes the metrics atomically to the textfile collector", () => {
    const script = renderBackupScript();
    execFileSync("bash", ["-n"], { input: script });
    expect(script).toContain("runuser -u postgres -- pgbackrest --stanza=roadwave \"$@\"");
    expect(script).toContain("as_postgres_pgbackrest --type=\"$type\" backup");
    expect(script).toContain("dir=/var/lib/node_exporter/textfile_collector");
    expect(script).toMatch(/mktemp "\$dir\/\.roadwave_backup\.prom\.XXXXXX"/);
    expect(script).toContain('mv -f "$tmp" "$file"');
    expect(script).toContain('roadwave_backup_last_success_timestamp_seconds{type=\\"$type\\"} $stop');
    expect(script).toContain('roadwave_backup_last_size_bytes{type=\\"$type\\"} $size');
  });
});

describe("renderBackupHostFiles (offline render)", () => {
  it("uses placeholders, never real credentials", () => {
    const raw = parseYaml(readFileSync(join(__dirname, "../../Pulumi.prod.yaml"), "utf8")).config as Record<string, unknown>;
    const plain = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.replace(/^roadwave-monitoring:/, ""), v]));
    const secrets = {
      smtpPassword: "x".repeat(20), slackWebhookUrl: "https://hooks.slack.com/services/T/B/X",
      sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n",
      uptimeKumaAdminPassword: "Abcdefghijkl-1", postgresExporterPassword: "p".repeat(20), pgbackrestPassphrase: "q".repeat(40),
    };
    const { settings } = parseSettings("prod", plain, secrets);
    const files = renderBackupHostFiles(settings as MonitoringStackSettings);
    const conf = files["/etc/pgbackrest/pgbackrest.conf"]!;
    expect(iniValues(conf, "global")["repo1-s3-key-secret"]).toBe(PLACEHOLDER_REPOSITORY_CREDENTIALS.secretAccessKey);
    expect(iniValues(conf, "global")["repo1-cipher-pass"]).toContain(PLACEHOLDER_MARK);
    expect(iniValues(conf, "global")["repo1-s3-bucket"]).toBe("roadwave-prod-pgbackrest");
    expect(Object.keys(files)).toContain("/etc/systemd/system/roadwave-pgbackrest-full.timer");
  });
});

describe("renderFileInstaller", () => {
  it("writes each file byte for byte with its mode, whatever it contains", () => {
    const dir = mkdtempSync(join(tmpdir(), "installer-"));
    try {
      const tricky = "a=$HOME `id` 'q' \"d\" \\n\nEOF\nROADWAVE_EOF_x\n";
      execFileSync("bash", ["-s"], {
        input: renderFileInstaller([
          { path: `${dir}/etc/x.conf`, content: tricky, mode: "0640" },
          { path: `${dir}/bin/run`, content: "#!/bin/sh\necho hi\n", mode: "0755" },
        ]),
      });
      expect(readFileSync(`${dir}/etc/x.conf`, "utf8")).toBe(tricky);
      expect(statSync(`${dir}/etc/x.conf`).mode & 0o777).toBe(0o640);
      expect(statSync(`${dir}/bin/run`).mode & 0o777).toBe(0o755);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects relative paths and bad modes", () => {
    expect(() => renderFileInstaller([{ path: "etc/x", content: "", mode: "0644" }])).toThrow(/absolute/);
    expect(() => renderFileInstaller([{ path: "/etc/x", content: "", mode: "644" }])).toThrow(/octal/);
  });
});

describe("drill inputs and result", () => {
  it("renders the checks as one tab-separated line each", () => {
    expect(renderDrillChecks([{ name: "users_present", database: "roadwave", sql: "SELECT count(*)\n  FROM users", min: 1 }])).toBe(
      "users_present\troadwave\t1\tSELECT count(*) FROM users\n",
    );
    expect(() => renderDrillChecks([])).toThrow(/at least one/);
    expect(() => renderDrillChecks([{ name: "a b", database: "d", sql: "SELECT 1", min: 1 }])).toThrow(/name/);
  });

  it("quotes the command line for the shell", () => {
    expect(drillCommandLine("/usr/local/sbin/roadwave-dr-drill", { config: "/c", workDir: "/w", targetTime: "2026-12-01T04:00:00Z", pushgatewayUrl: "http://h:9091/it's" })).toBe(
      "'/usr/local/sbin/roadwave-dr-drill' '--config' '/c' '--work-dir' '/w' '--target-time' '2026-12-01T04:00:00Z' '--pushgateway-url' 'http://h:9091/it'\\''s'",
    );
  });

  it("reads the JSON result from the last line", () => {
    expect(parseDrillResult('noise\n{"status":"ok","rtoSeconds":3.5}\n')).toEqual({ status: "ok", rtoSeconds: 3.5 });
    expect(() => parseDrillResult("dr-drill: error: x")).toThrow(/no JSON/);
  });
});

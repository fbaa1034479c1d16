// npm run bench:dr -- [--size-gb N] [--archive-timeout S] [--write-seconds S]
// Grows a database (pgbench plus an incompressible random-bytes table) to about N GB on a local PostgreSQL 15
// archiving through pgBackRest to a TLS S3 server on 127.0.0.1 (the DR test sandbox), then measures the full
// backup, the data lost when the primary is killed during writes (RPO, with prod's archive_timeout of 60 s
// by default), and the drill's restore to a running, verified server (RTO). Prints a table; the last line is
// `RTO <s> s for <GB> GB (extrapolated 10 GB: <s> s), RPO <s> s`.
import { DrSandbox, PG_BIN, runOk, sleep } from "../test/dr/sandbox";
import { ARCHIVE_TIMEOUT_SECONDS } from "../config/pgbackrest";

interface Options {
  sizeGb: number;
  archiveTimeoutSeconds: number;
  writeSeconds: number;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { sizeGb: 1, archiveTimeoutSeconds: ARCHIVE_TIMEOUT_SECONDS, writeSeconds: 0 };
  for (let i = 0; i < argv.length; i += 2) {
    const value = Number(argv[i + 1]);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${argv[i]} needs a positive number`);
    if (argv[i] === "--size-gb") options.sizeGb = value;
    else if (argv[i] === "--archive-timeout") options.archiveTimeoutSeconds = value;
    else if (argv[i] === "--write-seconds") options.writeSeconds = value;
    else throw new Error(`unknown option ${argv[i]} (use --size-gb, --archive-timeout, --write-seconds)`);
  }
  // Writes span more than one archive_timeout so the kill lands at a random phase of the WAL switch cycle.
  if (options.writeSeconds === 0) options.writeSeconds = Math.round(options.archiveTimeoutSeconds * 1.5 + 10);
  return options;
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);
const gb = (bytes: number) => (bytes / 1024 ** 3).toFixed(2);

async function timed<T>(what: string, f: () => Promise<T>): Promise<[T, number]> {
  process.stderr.write(`bench-dr: ${what}...\n`);
  const start = Date.now();
  const result = await f();
  return [result, Date.now() - start];
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const sandbox = await DrSandbox.start({ archiveTimeoutSeconds: o.archiveTimeoutSeconds, processMax: 2 });
  const stopOnSignal = () => void sandbox.stop().then(() => process.exit(130));
  process.once("SIGINT", stopOnSignal);
  process.once("SIGTERM", stopOnSignal);
  try {
    await sandbox.applyArchiveSettings();
    await sandbox.pgCtl("restart");
    await sandbox.pgbackrest(["stanza-create"]);

    // About 70 % pgbench (compressible) and 30 % random bytes (not compressible); a pgbench scale unit is ~15 MB.
    const targetBytes = o.sizeGb * 1024 ** 3;
    const scale = Math.max(1, Math.round((targetBytes * 0.7) / (15 * 1024 ** 2)));
    const randomRows = Math.max(1000, Math.round((targetBytes * 0.3) / 1170)); // ~7 rows of 1000 random bytes per 8 kB page
    const [, growMs] = await timed(`growing the database to ~${o.sizeGb} GB (pgbench scale ${scale}, ${randomRows} random rows)`, async () => {
      await runOk(`${PG_BIN}/pgbench`, ["-i", "-q", "-s", String(scale), "-h", "127.0.0.1", "-p", String(sandbox.pgPort), "-U", "postgres", "postgres"]);
      await sandbox.psql(`CREATE EXTENSION IF NOT EXISTS pgcrypto;
        CREATE TABLE random_blobs AS SELECT g AS id, gen_random_bytes(1000) AS payload FROM generate_series(1, ${randomRows}) g;
        CREATE TABLE events (seq int PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp());
        CHECKPOINT;`);
    });
    const dbBytes = Number(await sandbox.psql("SELECT pg_database_size('postgres')"));

    const [, backupMs] = await timed("full backup", () => sandbox.pgbackrest(["--type=full", "backup"]));
    const info = JSON.parse(await sandbox.pgbackrest(["--output=json", "info"]));
    const backupInfo = info[0].backup.at(-1).info;
    const repoBytes = Number(backupInfo.repository.size);

    // Commits every ~100 ms until the kill; the RPO is what of it the restore lacks.
    const acked: { seq: number; at: number }[] = [];
    let stop = false;
    process.stderr.write(`bench-dr: writing for ${o.writeSeconds} s, then kill -9 of the primary...\n`);
    const writer = (async () => {
      for (let seq = 1; !stop; seq++) {
        try {
          await sandbox.psql(`INSERT INTO events (seq) VALUES (${seq})`);
        } catch {
          return;
        }
        acked.push({ seq, at: Date.now() });
        await sleep(100);
      }
    })();
    await sleep(o.writeSeconds * 1000);
    const killedAt = await sandbox.killPrimary();
    stop = true;
    await writer;

    const checks = sandbox.writeChecks("bench", [
      { name: "pgbench_accounts", database: "postgres", sql: "SELECT count(*) FROM pgbench_accounts", min: scale * 100_000 },
      { name: "random_blobs", database: "postgres", sql: "SELECT count(*) FROM random_blobs", min: randomRows },
      { name: "events_max_seq", database: "postgres", sql: "SELECT coalesce(max(seq), 0) FROM events", min: 0 },
    ]);
    const [drill, drillWallMs] = await timed("restore with the drill", () => sandbox.drill({ checks, timeoutSeconds: 3600 }));
    if (drill.code !== 0 || drill.result?.status !== "ok") throw new Error(`drill failed: ${drill.stderr}`);
    const rto = drill.result.rtoSeconds ?? NaN;
    const restoredSeq = drill.result.checks?.find((c) => c.name === "events_max_seq")?.value ?? 0;
    const lastRestored = acked.find((a) => a.seq === restoredSeq);
    const rpoSeconds = lastRestored ? (killedAt - lastRestored.at) / 1000 : NaN;
    const lost = acked.length - restoredSeq;
    const sizeGb = dbBytes / 1024 ** 3;
    const rto10 = (rto * 10) / sizeGb;

    const rows: [string, string][] = [
      ["database size", `${gb(dbBytes)} GB (pgbench scale ${scale} + ${randomRows} rows of random bytes)`],
      ["grow time", `${seconds(growMs)} s`],
      ["full backup", `${seconds(backupMs)} s (${(dbBytes / 1024 ** 2 / (backupMs / 1000)).toFixed(0)} MB/s)`],
      ["backup in the repository", `${gb(repoBytes)} GB (zst + aes-256-cbc, ratio ${(dbBytes / repoBytes).toFixed(2)})`],
      ["archive_timeout", `${o.archiveTimeoutSeconds} s`],
      ["writes before the kill", `${acked.length} commits over ${o.writeSeconds} s`],
      ["restore to a verified server (RTO)", `${rto.toFixed(1)} s (drill wall time ${seconds(drillWallMs)} s)`],
      ["data lost at the kill (RPO)", `${rpoSeconds.toFixed(1)} s (${lost} acknowledged commits)`],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    console.log(`| ${"measure".padEnd(width)} | value |`);
    console.log(`|${"-".repeat(width + 2)}|-------|`);
    for (const [k, v] of rows) console.log(`| ${k.padEnd(width)} | ${v} |`);
    console.log(`RTO ${rto.toFixed(1)} s for ${sizeGb.toFixed(2)} GB (extrapolated 10 GB: ${rto10.toFixed(0)} s), RPO ${rpoSeconds.toFixed(1)} s`);
  } finally {
    await sandbox.stop();
  }
}

main().catch((error: unknown) => {
  console.error(`bench-dr: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

// Inputs and output of the DR drill script (scripts/dr-drill.sh): the checks file it reads, its command line,
// and the JSON result it prints. Pure functions, shared by the staging-dr component, the tests and the benchmark.
import { createHash } from "node:crypto";

export const DRILL_SCRIPT_REMOTE_PATH = "/usr/local/sbin/roadwave-dr-drill";
export const DRILL_CHECKS_PATH = "/etc/roadwave/dr-checks.tsv";
export const DRILL_WORK_DIR = "/var/lib/postgresql/dr-drill";
export const DRILL_PORT = 5433;

export interface VerificationQuery {
  name: string;
  database: string;
  /** Returns one number. */
  sql: string;
  /** The check passes when the number is at least this. */
  min: number;
}

/** One check per line: name, database, min, SQL, tab-separated (the SQL on one line). */
export function renderDrillChecks(queries: readonly VerificationQuery[]): string {
  if (queries.length === 0) throw new Error("the drill needs at least one verification query");
  return queries
    .map((q) => {
      for (const [field, value] of [["name", q.name], ["database", q.database]] as const) {
        if (!/^[A-Za-z0-9_.-]+$/.test(value)) throw new Error(`verification query ${field} ${JSON.stringify(value)} must be letters, digits, _ . -`);
      }
      if (!Number.isFinite(q.min)) throw new Error(`verification query ${q.name}: min must be a number`);
      const sql = q.sql.replace(/\s+/g, " ").trim();
      if (sql === "") throw new Error(`verification query ${q.name}: sql is empty`);
      return `${q.name}\t${q.database}\t${q.min}\t${sql}\n`;
    })
    .join("");
}

export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export interface DrillOptions {
  config: string;
  workDir: string;
  stanza?: string;
  pgBin?: string;
  port?: number;
  targetTime?: string;
  checks?: string;
  pushgatewayUrl?: string;
  timeoutSeconds?: number;
  keepRunning?: boolean;
}

/** The drill's arguments, in the order the script documents them. */
export function drillArgs(o: DrillOptions): string[] {
  const args = ["--config", o.config, "--work-dir", o.workDir];
  if (o.stanza !== undefined) args.push("--stanza", o.stanza);
  if (o.pgBin !== undefined) args.push("--pg-bin", o.pgBin);
  if (o.port !== undefined) args.push("--port", String(o.port));
  if (o.targetTime !== undefined) args.push("--target-time", o.targetTime);
  if (o.checks !== undefined) args.push("--checks", o.checks);
  if (o.pushgatewayUrl !== undefined) args.push("--pushgateway-url", o.pushgatewayUrl);
  if (o.timeoutSeconds !== undefined) args.push("--timeout", String(o.timeoutSeconds));
  if (o.keepRunning) args.push("--keep-running");
  return args;
}

export function drillCommandLine(script: string, o: DrillOptions): string {
  return [script, ...drillArgs(o)].map(shellQuote).join(" ");
}

export interface DrillCheckResult {
  name: string;
  database: string;
  value: number | null;
  min: number;
  ok: boolean;
  error?: string;
}

export interface DrillResult {
  status: "ok" | "verification_failed" | "error";
  error?: string;
  restoredTo?: string;
  rtoSeconds?: number;
  targetTime?: string | null;
  backup?: string;
  checks?: DrillCheckResult[];
  pushed?: boolean;
  dataDir?: string;
}

/** The drill prints its result as the last line of stdout. */
export function parseDrillResult(stdout: string): DrillResult {
  const last = stdout.trim().split("\n").pop() ?? "";
  let parsed: unknown;
  try {
    parsed = JSON.parse(last);
  } catch {
    throw new Error(`the drill printed no JSON result (last line: ${JSON.stringify(last.slice(0, 200))})`);
  }
  if (typeof parsed !== "object" || parsed === null || !("status" in parsed)) {
    throw new Error("the drill's result has no status");
  }
  return parsed as DrillResult;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

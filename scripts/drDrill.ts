// Verdict of the monthly DR drill from the staging-dr stack outputs (`pulumi stack output --json`):
// drRestoredTo (ISO time the restore reached), drRtoSeconds (measured RTO), drVerification (results of the
// verification queries). Pure: the workflow writes the outputs to a file, scripts/drCheck.ts reads it.

/** The ADR's RTO: one hour. */
export const DEFAULT_MAX_RTO_SECONDS = 3600;

export interface VerificationCheck {
  name: string;
  passed: boolean;
  detail?: string;
}

export interface DrillVerdict {
  passed: boolean;
  restoredTo?: string;
  rtoSeconds?: number;
  maxRtoSeconds: number;
  checks: VerificationCheck[];
  /** Why the drill failed; empty when it passed. */
  problems: string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function passedFlag(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value === "string") return /^(passed|pass|ok|success|true)$/i.test(value.trim());
  if (isRecord(value)) {
    for (const key of ["passed", "ok", "success"]) if (typeof value[key] === "boolean") return value[key] as boolean;
  }
  return undefined;
}

function detailOf(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined;
  const parts = ["value", "min", "error", "message"].filter((k) => value[k] !== undefined).map((k) => `${k}=${JSON.stringify(value[k])}`);
  return parts.length > 0 ? parts.join(", ") : undefined;
}

/**
 * Reads drVerification in the shapes a stack output can take: a boolean or "passed"; a list of checks
 * `[{name, passed}]`; an object `{passed, checks: [...]}`; or a map `{<check name>: {passed} | boolean}`.
 */
function verificationChecks(value: unknown): { checks: VerificationCheck[]; overall?: boolean } {
  const fromList = (items: unknown[]): VerificationCheck[] =>
    items.map((item, i) => {
      const name = isRecord(item) && typeof item.name === "string" ? item.name : `check ${i + 1}`;
      const detail = detailOf(item);
      return { name, passed: passedFlag(item) === true, ...(detail ? { detail } : {}) };
    });
  if (Array.isArray(value)) return { checks: fromList(value) };
  if (isRecord(value)) {
    const list = [value.checks, value.results, value.queries].find(Array.isArray) as unknown[] | undefined;
    const overall = passedFlag(value);
    if (list) return { checks: fromList(list), overall };
    if (overall !== undefined) return { checks: [{ name: "verification", passed: overall }], overall };
    return {
      checks: Object.entries(value).map(([name, v]) => {
        const detail = detailOf(v);
        return { name, passed: passedFlag(v) === true, ...(detail ? { detail } : {}) };
      }),
    };
  }
  const flag = passedFlag(value);
  return { checks: flag === undefined ? [] : [{ name: "verification", passed: flag }], overall: flag };
}

export function evaluateDrill(outputs: Record<string, unknown> | undefined, maxRtoSeconds = DEFAULT_MAX_RTO_SECONDS): DrillVerdict {
  const problems: string[] = [];
  if (outputs === undefined) {
    return {
      passed: false,
      maxRtoSeconds,
      checks: [],
      problems: ["the drill produced no stack outputs (pulumi up failed or was cancelled: see the run's log)"],
    };
  }
  const verdict: DrillVerdict = { passed: false, maxRtoSeconds, checks: [], problems };

  const rto = typeof outputs.drRtoSeconds === "string" ? Number(outputs.drRtoSeconds) : outputs.drRtoSeconds;
  if (typeof rto !== "number" || !Number.isFinite(rto) || rto < 0) {
    problems.push(`drRtoSeconds is missing or not a number of seconds (got ${JSON.stringify(outputs.drRtoSeconds)})`);
  } else {
    verdict.rtoSeconds = rto;
    if (rto >= maxRtoSeconds) problems.push(`the measured RTO ${rto} s is not below the target ${maxRtoSeconds} s`);
  }

  const restoredTo = outputs.drRestoredTo;
  if (typeof restoredTo !== "string" || Number.isNaN(Date.parse(restoredTo))) {
    problems.push(`drRestoredTo is missing or not a time (got ${JSON.stringify(restoredTo)})`);
  } else {
    verdict.restoredTo = restoredTo;
  }

  const verification = outputs.drVerification;
  if (verification === "[secret]") {
    problems.push("drVerification is a secret output and cannot be checked: export it as a plain output");
  } else {
    const { checks, overall } = verificationChecks(verification);
    verdict.checks = checks;
    if (checks.length === 0) problems.push(`drVerification has no results (got ${JSON.stringify(verification)})`);
    for (const check of checks.filter((c) => !c.passed)) problems.push(`verification "${check.name}" failed${check.detail ? ` (${check.detail})` : ""}`);
    if (overall === false && checks.every((c) => c.passed)) problems.push("the verification reported failure");
  }
  verdict.passed = problems.length === 0;
  return verdict;
}

export type StepOutcome = "success" | "failure" | "cancelled" | "skipped";

/** The Markdown message of the drill (Slack, job summary). */
export function renderDrillMarkdown(verdict: DrillVerdict, destroyOutcome?: StepOutcome): string {
  const cleanedUp = destroyOutcome === undefined || destroyOutcome === "success";
  const ok = verdict.passed && cleanedUp;
  const lines = [
    `## DR drill (staging-dr): ${verdict.passed ? "PASSED" : "FAILED"}`,
    "",
    "| | |",
    "|---|---|",
    `| restored to | ${verdict.restoredTo ?? "_(unknown)_"} |`,
    `| measured RTO | ${verdict.rtoSeconds !== undefined ? `${verdict.rtoSeconds} s` : "_(unknown)_"} (target: below ${verdict.maxRtoSeconds} s) |`,
    ...verdict.checks.map((c) => `| verification \`${c.name}\` | ${c.passed ? "passed" : "FAILED"}${c.detail ? ` (${c.detail})` : ""} |`),
  ];
  if (destroyOutcome !== undefined) lines.push(`| restore host destroyed | ${cleanedUp ? "yes" : `NO (${destroyOutcome}): run \`pulumi destroy -s staging-dr\`` } |`);
  if (verdict.problems.length > 0) lines.push("", ...verdict.problems.map((p) => `- ${p}`));
  lines.push("", ok ? "Backups restore within the RTO target." : "Action needed: see the problems above and the workflow run's log.");
  return `${lines.join("\n")}\n`;
}

// Builds drift reports from what the Pulumi engine says about a preview-only refresh. Pure functions: no
// Pulumi CLI, no network, no files. scripts/drift.ts feeds them the engine events it receives through the
// Automation API's `onEvent`; tests feed them recorded events (test/fixtures/drift/).
//
// Two input formats are understood, both as Pulumi documents them:
// - engine events (apitype.EngineEvent, the objects passed to `onEvent` and written by `--event-log`);
// - the document printed by `pulumi preview --json` / `pulumi refresh --preview-only --json` (PreviewDigest).
// Secret values never leave here in clear: the engine blinds them, and every value that still looks secret
// (a secret envelope, a property with a secret-sounding name, a known secret config value) becomes "[secret]".

export const SECRET_MASK = "[secret]";
/** Pulumi's serialized secret envelope: {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ...}. */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** Property names whose values are masked even when the provider did not mark them secret. */
const SECRET_NAME = /(password|passphrase|secret|token|private_?key|privatekey|api_?key|credential|webhook)/i;
/** Chat webhook URLs carry their credential in the path: masked wherever they appear. */
const WEBHOOK_URL = /https:\/\/(hooks\.slack\.com\/services|(?:discord|discordapp)\.com\/api\/webhooks)\/[^\s"',;]+/g;
/** Longest rendering of a value in the Markdown report. */
const MAX_VALUE_CHARS = 200;

export type DriftOperation = "update" | "delete" | "replace" | "create";
export type DriftStatus = "no-drift" | "drift" | "error";

export interface PropertyChange {
  /** Pulumi property path, e.g. `tags.env` or `securityGroups[0]`. */
  path: string;
  /** The engine's diff kind: add, delete, update (+ "-replace"). */
  kind: string;
  /** Value recorded in the stack state (masked). Absent when the property did not exist. */
  recorded?: unknown;
  /** Value found in the cloud (masked). Absent when the property does not exist any more. */
  actual?: unknown;
}

export interface DriftedResource {
  urn: string;
  type: string;
  name: string;
  id?: string;
  operation: DriftOperation;
  changes: PropertyChange[];
}

export interface DriftReport {
  stack: string;
  status: DriftStatus;
  /** ISO time the check finished. */
  checkedAt: string;
  resources: DriftedResource[];
  /** Resource counts per operation, from the engine's summary (result of the refresh). */
  changeSummary: Record<string, number>;
  /** Engine errors and failures (masked); non-empty means status "error". */
  errors: string[];
  /** Things the reader should know that are neither drift nor errors. */
  notes: string[];
}

export interface BuildOptions {
  stack: string;
  checkedAt: string;
  /** Known secret values (e.g. the stack's secret config) masked wherever they appear. */
  secretValues?: readonly string[];
  /** The operation itself failed (CLI missing, backend, credentials...): its message. */
  failure?: string;
}

// ---- input shapes (only the fields used; both documented by Pulumi) ------------------------------------

interface StateLike {
  type?: string;
  urn?: string;
  id?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

interface StepLike {
  op: string;
  urn: string;
  type?: string;
  old?: StateLike | null;
  new?: StateLike | null;
  diffs?: string[] | null;
  detailedDiff?: Record<string, { diffKind?: string; kind?: string }> | null;
  /**
   * Whether `new` is the state read from the cloud. True for an outputs event (sent after the read); false for
   * a pre event and a `--json` digest, which are built before the read and carry no new state for a refresh.
   */
  afterRead?: boolean;
}

/** apitype.EngineEvent, as passed to the Automation API's onEvent (and written by --event-log). */
export interface EngineEventLike {
  sequence?: number;
  diagnosticEvent?: { urn?: string; message: string; severity: string; prefix?: string };
  summaryEvent?: { resourceChanges?: Record<string, number> };
  resourcePreEvent?: { metadata: StepLike };
  resOutputsEvent?: { metadata: StepLike };
  resOpFailedEvent?: { metadata: StepLike; status?: number };
  errorEvent?: { error: string };
}

/** display.PreviewDigest, printed by `pulumi preview --json`. */
export interface PreviewDigestLike {
  steps?: {
    op: string;
    urn: string;
    oldState?: StateLike | null;
    newState?: StateLike | null;
    diffReasons?: string[] | null;
    detailedDiff?: Record<string, { kind?: string }> | null;
  }[];
  diagnostics?: { urn?: string; message?: string; severity?: string }[];
  changeSummary?: Record<string, number>;
}

// ---- masking --------------------------------------------------------------------------------------------

function isSecretEnvelope(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Replaces every occurrence of a known secret value in a string. */
export function maskText(text: string, secretValues: readonly string[] = []): string {
  let masked = text;
  // Longest first, so a secret that contains another is replaced whole. Very short values would mask noise.
  for (const secret of [...secretValues].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length)) {
    masked = masked.split(secret).join(SECRET_MASK);
  }
  return masked.replace(WEBHOOK_URL, SECRET_MASK);
}

/** Masks secret envelopes, values of secret-sounding keys and known secret values, at any depth. */
export function maskValue(value: unknown, secretValues: readonly string[] = [], key?: string): unknown {
  if (value === undefined || value === null) return value;
  if (isSecretEnvelope(value)) return SECRET_MASK;
  if (key !== undefined && SECRET_NAME.test(key)) return SECRET_MASK;
  if (typeof value === "string") return maskText(value, secretValues);
  if (Array.isArray(value)) return value.map((item) => maskValue(item, secretValues));
  if (typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, maskValue(v, secretValues, k)]),
    );
  }
  return value;
}

// ---- property paths -------------------------------------------------------------------------------------

/** Splits a Pulumi property path (`a.b[0]["c.d"]`) into its keys and indexes. */
export function parsePropertyPath(path: string): (string | number)[] {
  const parts: (string | number)[] = [];
  let i = 0;
  while (i < path.length) {
    const ch = path[i];
    if (ch === ".") {
      i++;
    } else if (ch === "[") {
      const close = path[i + 1] === '"' ? path.indexOf('"]', i + 2) : path.indexOf("]", i);
      if (close < 0) return [...parts, path.slice(i)];
      if (path[i + 1] === '"') {
        parts.push(path.slice(i + 2, close));
        i = close + 2;
      } else {
        const inner = path.slice(i + 1, close);
        parts.push(/^\d+$/.test(inner) ? Number(inner) : inner);
        i = close + 1;
      }
    } else {
      let end = i;
      while (end < path.length && path[end] !== "." && path[end] !== "[") end++;
      parts.push(path.slice(i, end));
      i = end;
    }
  }
  return parts;
}

const NOT_FOUND = Symbol("not found");

/** Value at a property path; a secret met on the way hides everything below it. */
function lookUp(root: Record<string, unknown> | undefined, path: (string | number)[]): unknown {
  let current: unknown = root;
  for (const part of path) {
    if (isSecretEnvelope(current)) return SECRET_MASK;
    if (current === null || typeof current !== "object") return NOT_FOUND;
    const container = current as Record<string | number, unknown>;
    if (!(part in container)) return NOT_FOUND;
    current = container[part];
  }
  return current;
}

function valueAt(state: StateLike | null | undefined, path: string): unknown {
  if (!state) return NOT_FOUND;
  const parts = parsePropertyPath(path);
  const fromOutputs = lookUp(state.outputs, parts);
  return fromOutputs !== NOT_FOUND ? fromOutputs : lookUp(state.inputs, parts);
}

// ---- steps -> drifted resources -------------------------------------------------------------------------

const REPLACE_OPS = new Set(["replace", "create-replacement", "delete-replaced", "discard-replaced", "read-replacement", "import-replacement"]);
const NO_CHANGE_OPS = new Set(["same", "read", "discard", "remove-pending-replace"]);

/** Type token and name from a URN: urn:pulumi:<stack>::<project>::<parent$type>::<name>. */
export function urnParts(urn: string): { type: string; name: string } {
  const segments = urn.split("::");
  const qualifiedType = segments[2] ?? "";
  return { type: qualifiedType.split("$").pop() ?? qualifiedType, name: segments.slice(3).join("::") };
}

function topLevelChanges(old: Record<string, unknown> = {}, now: Record<string, unknown> = {}): string[] {
  const keys = new Set([...Object.keys(old), ...Object.keys(now)]);
  return [...keys].filter((k) => JSON.stringify(old[k]) !== JSON.stringify(now[k])).sort();
}

interface Classified {
  operation: DriftOperation;
  /** path -> diff kind */
  paths: [string, string][];
  /** Found only by comparing outputs (the engine gave no diff for it). */
  fromOutputs: boolean;
}

function classify(step: StepLike): Classified | undefined {
  const detailed = step.detailedDiff ? Object.entries(step.detailedDiff) : [];
  const paths: [string, string][] =
    detailed.length > 0
      ? detailed.map(([path, diff]) => [path, diff.diffKind ?? diff.kind ?? "update"])
      : (step.diffs ?? []).map((key) => [key, "update"]);
  if (NO_CHANGE_OPS.has(step.op)) return undefined;
  if (step.op === "refresh") {
    if (paths.length > 0) return { operation: "update", paths, fromOutputs: false };
    // Before the read nothing is known yet: the engine's summary still counts what changed.
    if (!step.afterRead) return undefined;
    // After the read, a refresh step has no new state when the resource is gone from the cloud.
    if (!step.new) return { operation: "delete", paths: [], fromOutputs: false };
    // No diff from the provider: compare recorded and actual outputs (Pulumi's legacy refresh diff).
    if (step.detailedDiff === undefined || step.detailedDiff === null) {
      const changed = topLevelChanges(step.old?.outputs, step.new.outputs);
      if (changed.length > 0) return { operation: "update", paths: changed.map((k) => [k, "update"]), fromOutputs: true };
    }
    return undefined;
  }
  if (REPLACE_OPS.has(step.op)) return { operation: "replace", paths, fromOutputs: false };
  if (step.op === "update" || step.op === "delete" || step.op === "create") return { operation: step.op, paths, fromOutputs: false };
  return { operation: "update", paths, fromOutputs: false };
}

function toResource(step: StepLike, found: Classified, secretValues: readonly string[]): DriftedResource {
  const { type: urnType, name } = urnParts(step.urn);
  const changes = found.paths.map(([path, kind]): PropertyChange => {
    // A secret-sounding name anywhere on the path (e.g. `credentials.user`) masks the value.
    const keys = parsePropertyPath(path).map(String);
    const key = keys.find((k) => SECRET_NAME.test(k)) ?? keys.at(-1);
    const change: PropertyChange = { path, kind };
    const recorded = valueAt(step.old, path);
    const actual = valueAt(step.new, path);
    if (recorded !== NOT_FOUND) change.recorded = maskValue(recorded, secretValues, key);
    if (actual !== NOT_FOUND) change.actual = maskValue(actual, secretValues, key);
    return change;
  }).sort((a, b) => a.path.localeCompare(b.path));
  const id = step.old?.id ?? step.new?.id;
  return {
    urn: step.urn,
    type: step.type ?? step.old?.type ?? step.new?.type ?? urnType,
    name,
    ...(id ? { id } : {}),
    operation: found.operation,
    changes,
  };
}

function countChanges(summary: Record<string, number>): number {
  return Object.entries(summary)
    .filter(([op]) => !NO_CHANGE_OPS.has(op))
    .reduce((sum, [, n]) => sum + n, 0);
}

function assemble(
  steps: StepLike[],
  diagnostics: string[],
  summary: Record<string, number> | undefined,
  options: BuildOptions,
): DriftReport {
  const secretValues = options.secretValues ?? [];
  const notes: string[] = [];
  const found: { step: StepLike; classified: Classified }[] = [];
  for (const step of steps) {
    const classified = classify(step);
    if (classified) found.push({ step, classified });
  }
  let drifted = found;
  if (summary !== undefined && countChanges(summary) === 0) {
    // The engine's own count says nothing changed: outputs-only differences are noise (e.g. timestamps).
    drifted = found.filter((f) => !f.classified.fromOutputs);
  }
  const resources = drifted.map((f) => toResource(f.step, f.classified, secretValues));
  const errors = diagnostics.map((message) => maskText(message, secretValues));
  if (options.failure !== undefined) errors.push(maskText(options.failure, secretValues));
  if (summary !== undefined && resources.length === 0 && countChanges(summary) > 0) {
    notes.push(`the engine counted ${countChanges(summary)} changed resource(s) but its events carried no per-resource detail`);
  }
  if (drifted.some((f) => f.classified.fromOutputs)) {
    notes.push("some changes were found by comparing recorded and actual outputs (the provider reported no diff)");
  }
  const hasDrift = resources.length > 0 || (summary !== undefined && countChanges(summary) > 0);
  const status: DriftStatus = errors.length > 0 ? "error" : hasDrift ? "drift" : "no-drift";
  return {
    stack: options.stack,
    status,
    checkedAt: options.checkedAt,
    resources: resources.sort((a, b) => a.urn.localeCompare(b.urn)),
    changeSummary: summary ?? {},
    errors,
    notes,
  };
}

/** Drift report from the engine events of a `pulumi refresh --preview-only` (or a refresh preview). */
export function reportFromEngineEvents(events: readonly EngineEventLike[], options: BuildOptions): DriftReport {
  // Keep the last step seen per URN; an outputs event (after the read) wins over the pre event.
  const steps = new Map<string, { step: StepLike; fromOutputs: boolean }>();
  const diagnostics: string[] = [];
  let summary: Record<string, number> | undefined;
  const ordered = [...events].sort((a, b) => (a.sequence ?? 0) - (b.sequence ?? 0));
  for (const event of ordered) {
    if (event.diagnosticEvent?.severity === "error") {
      const { urn, message } = event.diagnosticEvent;
      diagnostics.push(`${urn ? `${urnParts(urn).name}: ` : ""}${message.trim()}`);
    }
    if (event.errorEvent) diagnostics.push(event.errorEvent.error.trim());
    if (event.resOpFailedEvent) {
      const { metadata } = event.resOpFailedEvent;
      diagnostics.push(`${metadata.urn}: the ${metadata.op} operation failed`);
    }
    if (event.summaryEvent) summary = event.summaryEvent.resourceChanges ?? {};
    const pre = event.resourcePreEvent?.metadata;
    const out = event.resOutputsEvent?.metadata;
    if (out) steps.set(out.urn, { step: { ...out, afterRead: true }, fromOutputs: true });
    if (pre && !steps.get(pre.urn)?.fromOutputs) steps.set(pre.urn, { step: { ...pre, afterRead: false }, fromOutputs: false });
  }
  return assemble([...steps.values()].map((s) => s.step), diagnostics, summary, options);
}

/** Drift report from the JSON document printed by `pulumi preview --json` (or `refresh --preview-only --json`). */
export function reportFromPreviewJson(digest: PreviewDigestLike, options: BuildOptions): DriftReport {
  const steps: StepLike[] = (digest.steps ?? []).map((s) => ({
    op: s.op,
    urn: s.urn,
    type: s.newState?.type ?? s.oldState?.type,
    old: s.oldState ?? null,
    new: s.newState ?? null,
    diffs: s.diffReasons ?? null,
    detailedDiff: s.detailedDiff ?? null,
    afterRead: false,
  }));
  const diagnostics = (digest.diagnostics ?? [])
    .filter((d) => d.severity === "error" && d.message)
    .map((d) => `${d.urn ? `${urnParts(d.urn).name}: ` : ""}${(d.message ?? "").trim()}`);
  return assemble(steps, diagnostics, digest.changeSummary, options);
}

/** Recognises the input format of a recorded file. */
export function reportFromRecording(recording: unknown, options: BuildOptions): DriftReport {
  if (Array.isArray(recording)) return reportFromEngineEvents(recording as EngineEventLike[], options);
  if (recording && typeof recording === "object") {
    const doc = recording as { events?: unknown; steps?: unknown; changeSummary?: unknown };
    if (Array.isArray(doc.events)) return reportFromEngineEvents(doc.events as EngineEventLike[], options);
    if (Array.isArray(doc.steps) || doc.changeSummary !== undefined) return reportFromPreviewJson(doc as PreviewDigestLike, options);
  }
  throw new Error("not a recording of engine events (an array, or {events: [...]}) nor a `pulumi preview --json` document");
}

// ---- exit codes and errors ------------------------------------------------------------------------------

export const EXIT_NO_DRIFT = 0;
export const EXIT_DRIFT = 1;
export const EXIT_ERROR = 2;

/** 2 if any stack could not be checked, else 1 if any drifted, else 0. */
export function exitCodeFor(reports: readonly Pick<DriftReport, "status">[]): 0 | 1 | 2 {
  if (reports.length === 0 || reports.some((r) => r.status === "error")) return EXIT_ERROR;
  return reports.some((r) => r.status === "drift") ? EXIT_DRIFT : EXIT_NO_DRIFT;
}

/**
 * A short, readable reason from an Automation API error. Its message is the CLI's whole result
 * ("code: N\n stdout: ...\n stderr: ...\n err?: ..."); keep the `error:` lines of stderr.
 */
export function describeFailure(message: string): string {
  if (/ENOENT/.test(message) && /\bpulumi\b/.test(message)) {
    return "the Pulumi CLI was not found on PATH: install it (https://www.pulumi.com/docs/iac/download-install/) or, in GitHub Actions, add the pulumi/actions step before this one";
  }
  const stderr = /\n stderr: ([\s\S]*?)(\n err\?: [\s\S]*)?$/.exec(message)?.[1] ?? message;
  const lines = stderr.split("\n").map((l) => l.trim()).filter((l) => l.length > 0);
  const errorLines = lines.filter((l) => /^error:/i.test(l)).map((l) => l.replace(/^error:\s*/i, ""));
  const chosen = errorLines.length > 0 ? errorLines : lines.filter((l) => !/^\s*at\s/.test(l)).slice(0, 5);
  return chosen.length > 0 ? chosen.join("; ") : "the Pulumi command failed without a message";
}

// ---- Markdown --------------------------------------------------------------------------------------------

const OPERATION_SIGN: Record<DriftOperation, string> = { update: "~", delete: "-", replace: "+-", create: "+" };
const OPERATION_TEXT: Record<DriftOperation, string> = {
  update: "changed outside Pulumi",
  delete: "deleted outside Pulumi",
  replace: "would be replaced",
  create: "missing from the cloud, would be created",
};

function cell(value: unknown): string {
  if (value === undefined) return "_(absent)_";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const short = text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}…` : text;
  return `\`${short.replace(/`/g, "'").replace(/\|/g, "\\|").replace(/\n/g, " ")}\``;
}

function headline(report: DriftReport): string {
  if (report.status === "error") return `**${report.stack}**: could not be checked`;
  if (report.status === "no-drift") return `**${report.stack}**: no drift`;
  const n = report.resources.length;
  return `**${report.stack}**: drift in ${n} resource${n === 1 ? "" : "s"}`;
}

/** The Markdown report of one stack. */
export function renderMarkdown(report: DriftReport): string {
  const lines = [`## Drift check: ${report.stack}`, "", `${headline(report)} (checked ${report.checkedAt})`, ""];
  for (const error of report.errors) lines.push(`- error: ${error}`);
  if (report.errors.length > 0) lines.push("");
  for (const resource of report.resources) {
    lines.push(`### ${OPERATION_SIGN[resource.operation]} ${resource.type} \`${resource.name}\`: ${OPERATION_TEXT[resource.operation]}`, "");
    lines.push(`URN: \`${resource.urn}\`${resource.id ? `, id: \`${resource.id}\`` : ""}`, "");
    if (resource.changes.length > 0) {
      lines.push("| property | change | recorded in state | actual |", "|---|---|---|---|");
      for (const c of resource.changes) lines.push(`| \`${c.path}\` | ${c.kind} | ${cell(c.recorded)} | ${cell(c.actual)} |`);
      lines.push("");
    }
  }
  for (const note of report.notes) lines.push(`_Note: ${note}._`);
  if (report.status === "drift") {
    lines.push(
      "",
      `To keep the code as the truth: \`pulumi up -s ${report.stack}\`. To accept the cloud's values: \`pulumi refresh -s ${report.stack}\` and update the settings or program.`,
    );
  }
  return `${lines.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd()}\n`;
}

/** The combined summary of several stacks (stdout, Slack). */
export function renderSummary(reports: readonly DriftReport[]): string {
  const code = exitCodeFor(reports);
  const verdict = code === EXIT_NO_DRIFT ? "no drift" : code === EXIT_DRIFT ? "DRIFT DETECTED" : "CHECK FAILED";
  const lines = [`# Pulumi drift check: ${verdict}`, "", ...reports.map((r) => `- ${headline(r)}`), ""];
  return `${lines.join("\n")}\n${reports.map(renderMarkdown).join("\n")}`;
}

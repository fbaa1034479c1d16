// npm run dr-check -- --outputs=<file> [--max-rto=3600] [--destroy-outcome=<outcome>] [--notify-stack=<stack>]
//                      [--out-dir=build/dr]
//
// Checks the monthly DR drill from the staging-dr stack outputs saved by `pulumi stack output --json`
// (a missing or empty file means the drill did not get that far), prints the verdict as Markdown, writes
// build/dr/drill.{json,md}, and with --notify-stack posts it to that stack's Slack webhook (secret config).
// Exit 0 when the drill passed and the restore host was destroyed, 1 otherwise, 2 on bad arguments.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describeFailure } from "./driftReport";
import { DEFAULT_MAX_RTO_SECONDS, evaluateDrill, renderDrillMarkdown, type StepOutcome } from "./drDrill";
import { postToSlack, slackPayload, slackWebhookOf } from "./slack";

const PROJECT_DIR = resolve(__dirname, "..");
const OUTCOMES: readonly StepOutcome[] = ["success", "failure", "cancelled", "skipped"];
const USAGE =
  "usage: npm run dr-check -- --outputs=<file> [--max-rto=3600] [--destroy-outcome=success|failure|cancelled|skipped] [--notify-stack=<stack>] [--out-dir=<dir>]";

function readOutputs(file: string): Record<string, unknown> | undefined {
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, "utf8").trim();
  if (text === "") return undefined;
  const parsed: unknown = JSON.parse(text);
  return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
}

async function main(argv: string[]): Promise<number> {
  const options = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([a-z-]+)=(.*)$/.exec(arg);
    if (!match || !["outputs", "max-rto", "destroy-outcome", "notify-stack", "out-dir"].includes(match[1]!)) {
      console.error(`dr-check: unknown argument ${arg}\n${USAGE}`);
      return 2;
    }
    options.set(match[1]!, match[2]!);
  }
  const outputsFile = options.get("outputs");
  const maxRto = Number(options.get("max-rto") ?? DEFAULT_MAX_RTO_SECONDS);
  const destroyOutcome = options.get("destroy-outcome");
  if (!outputsFile || !Number.isFinite(maxRto) || maxRto <= 0 || (destroyOutcome !== undefined && !OUTCOMES.includes(destroyOutcome as StepOutcome))) {
    console.error(USAGE);
    return 2;
  }
  let outputs: Record<string, unknown> | undefined;
  try {
    outputs = readOutputs(resolve(outputsFile));
  } catch (error) {
    console.error(`dr-check: ${outputsFile} is not the JSON of \`pulumi stack output --json\`: ${(error as Error).message}`);
  }
  const verdict = evaluateDrill(outputs, maxRto);
  const markdown = renderDrillMarkdown(verdict, destroyOutcome as StepOutcome | undefined);
  const outDir = resolve(options.get("out-dir") ?? join(PROJECT_DIR, "build", "dr"));
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "drill.json"), `${JSON.stringify({ ...verdict, destroyOutcome }, null, 2)}\n`);
  writeFileSync(join(outDir, "drill.md"), markdown);
  process.stdout.write(markdown);

  const notifyStack = options.get("notify-stack");
  if (notifyStack) {
    try {
      const webhook = await slackWebhookOf(notifyStack, PROJECT_DIR);
      if (webhook) {
        await postToSlack(webhook, slackPayload(`DR drill ${verdict.passed ? "passed" : "FAILED"}`, markdown));
        console.error("dr-check: verdict posted to Slack");
      } else {
        console.error(`dr-check: stack ${notifyStack} has no slackWebhookUrl secret: not notified`);
      }
    } catch (error) {
      console.error(`dr-check: Slack notification failed: ${describeFailure((error as Error).message)}`);
    }
  }
  return verdict.passed && (destroyOutcome === undefined || destroyOutcome === "success") ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`dr-check: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);

// npm run drift -- <stack...> [--notify] [--out-dir=<dir>]
//
// Drift detection: for each stack, a preview-only refresh through the Pulumi Automation API (the Pulumi CLI
// must be on PATH, logged in to the stack's backend, with the provider credentials in the environment).
// Writes build/drift/<stack>.json and build/drift/<stack>.md, prints the combined Markdown summary, and exits
// 0 (no drift), 1 (drift) or 2 (a stack could not be checked: CLI, backend, credentials, program error).
// With --notify, each drifted stack's report is posted to the Slack webhook of that stack's secret config.
//
// Why `stack.previewRefresh()` (`pulumi refresh --preview-only`) and not `stack.preview({ refresh: true,
// expectNoChanges: true })`: the refresh compares the recorded state with the cloud, which is what drift is;
// a refreshing preview also reports every change the program would make (a merged but undeployed commit),
// and `expectNoChanges` turns drift into a CLI failure that cannot be told from a real error. Pulumi Cloud's
// own drift detection is this same preview-only refresh. The program is not run (runProgram stays off), so
// the check needs no program secrets beyond what the providers need.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { LocalWorkspace, type EngineEvent } from "@pulumi/pulumi/automation";
import { PROJECT } from "../config/settings";
import {
  EXIT_ERROR,
  describeFailure,
  exitCodeFor,
  renderMarkdown,
  renderSummary,
  reportFromEngineEvents,
  type DriftReport,
} from "./driftReport";
import { postToSlack, slackPayload } from "./slack";

const PROJECT_DIR = resolve(__dirname, "..");
const DEFAULT_OUT_DIR = join(PROJECT_DIR, "build", "drift");
const USAGE = "usage: npm run drift -- <stack...> [--notify] [--out-dir=<dir>]   (e.g. npm run drift -- prod staging)";

interface StackCheck {
  report: DriftReport;
  slackWebhookUrl?: string;
}

async function checkStack(stackName: string): Promise<StackCheck> {
  const events: EngineEvent[] = [];
  let secretValues: string[] = [];
  let slackWebhookUrl: string | undefined;
  const options = () => ({ stack: stackName, checkedAt: new Date().toISOString(), secretValues });
  try {
    const stack = await LocalWorkspace.selectStack({ stackName, workDir: PROJECT_DIR });
    // Decrypted secret config: masked wherever it shows up in the report.
    const config = await stack.getAllConfig();
    secretValues = Object.values(config).filter((c) => c.secret).map((c) => c.value);
    slackWebhookUrl = config[`${PROJECT}:slackWebhookUrl`]?.value || undefined;
    await stack.previewRefresh({ onEvent: (event) => events.push(event) });
    return { report: reportFromEngineEvents(events, options()), slackWebhookUrl };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { report: reportFromEngineEvents(events, { ...options(), failure: describeFailure(message) }), slackWebhookUrl };
  }
}

/** File name of a stack's report: a fully qualified name (org/project/stack) keeps its last part. */
function fileStem(stackName: string): string {
  return (stackName.split("/").pop() ?? stackName).replace(/[^A-Za-z0-9_.-]/g, "_");
}

async function main(argv: string[]): Promise<number> {
  const notify = argv.includes("--notify");
  const outDirArg = argv.find((a) => a.startsWith("--out-dir="));
  const outDir = outDirArg ? resolve(outDirArg.slice("--out-dir=".length)) : DEFAULT_OUT_DIR;
  const unknown = argv.filter((a) => a.startsWith("-") && a !== "--notify" && a !== outDirArg);
  const stacks = argv.filter((a) => !a.startsWith("-"));
  if (unknown.length > 0 || stacks.length === 0) {
    console.error(unknown.length > 0 ? `drift: unknown option ${unknown.join(", ")}` : "drift: name at least one stack");
    console.error(USAGE);
    return EXIT_ERROR;
  }
  mkdirSync(outDir, { recursive: true });
  const checks: StackCheck[] = [];
  for (const stack of stacks) {
    const check = await checkStack(stack);
    checks.push(check);
    writeFileSync(join(outDir, `${fileStem(stack)}.json`), `${JSON.stringify(check.report, null, 2)}\n`);
    writeFileSync(join(outDir, `${fileStem(stack)}.md`), renderMarkdown(check.report));
  }
  const reports = checks.map((c) => c.report);
  process.stdout.write(renderSummary(reports));
  const code = exitCodeFor(reports);
  if (notify) {
    for (const { report, slackWebhookUrl } of checks.filter((c) => c.report.status === "drift")) {
      if (!slackWebhookUrl) {
        console.error(`drift: stack ${report.stack} has no ${PROJECT}:slackWebhookUrl secret: not notified`);
        continue;
      }
      try {
        const fallback = `Pulumi drift detected in stack ${report.stack} (${report.resources.length} resources)`;
        await postToSlack(slackWebhookUrl, slackPayload(fallback, renderMarkdown(report)));
        console.error(`drift: ${report.stack}: report posted to Slack`);
      } catch (error) {
        console.error(`drift: ${report.stack}: Slack notification failed: ${(error as Error).message}`);
      }
    }
  }
  console.error(`drift: reports in ${outDir}; exit ${code} (0 no drift, 1 drift, 2 error)`);
  return code;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`drift: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(EXIT_ERROR);
  },
);

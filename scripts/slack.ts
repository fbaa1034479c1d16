// Posts a Markdown report to a Slack incoming webhook, and reads that webhook from a stack's secret config.
// The webhook URL is a credential: it is never printed, logged or written to a file.
import { PROJECT } from "../config/settings";

/** Slack's markdown block takes at most 12,000 characters per message. */
const MAX_MARKDOWN_CHARS = 11_000;

export interface SlackPayload {
  text: string;
  blocks: { type: "markdown"; text: string }[];
}

/** The message: `fallback` for notifications, the Markdown (cut to Slack's limit) as a markdown block. */
export function slackPayload(fallback: string, markdown: string): SlackPayload {
  const text =
    markdown.length > MAX_MARKDOWN_CHARS
      ? `${markdown.slice(0, MAX_MARKDOWN_CHARS)}\n\n_(cut: the full report is in the CI run's artifacts)_`
      : markdown;
  return { text: fallback, blocks: [{ type: "markdown", text }] };
}

/** Sends the payload; errors name the HTTP status, never the URL. */
export async function postToSlack(webhookUrl: string, payload: SlackPayload): Promise<void> {
  let response: Response;
  try {
    response = await fetch(webhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    throw new Error(`could not reach the Slack webhook (${(error as Error).name})`);
  }
  if (!response.ok) {
    const body = (await response.text()).slice(0, 100);
    throw new Error(`the Slack webhook answered HTTP ${response.status} ${body}`.trim());
  }
}

/** The stack's slackWebhookUrl secret (decrypted by the Pulumi CLI), or undefined when it is not set. */
export async function slackWebhookOf(stackName: string, workDir: string): Promise<string | undefined> {
  // Loaded on demand: the Automation API is heavy and only needed when notifying.
  const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
  const stack = await LocalWorkspace.selectStack({ stackName, workDir });
  const config = await stack.getAllConfig();
  const value = config[`${PROJECT}:slackWebhookUrl`]?.value;
  return value ? value : undefined;
}

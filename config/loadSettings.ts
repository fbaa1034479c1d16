// Reads the stack's settings from the Pulumi config (namespace roadwave-monitoring:) and validates them with
// `parseSettings`. Secrets leave here only as Pulumi secret Outputs.
import * as pulumi from "@pulumi/pulumi";
import { PROJECT, SettingsError, parseSettings, splitPulumiConfig, type SecretName, type Settings } from "./settings";

export type StackSecrets = Partial<Record<SecretName, pulumi.Output<string>>>;

export interface StackConfig {
  stack: string;
  settings: Settings;
  /** The secrets that are set, as secret Outputs. */
  secrets: StackSecrets;
}

// Public at runtime but marked @internal in the SDK's types; it tells whether a key was stored encrypted.
const { isConfigSecret } = pulumi.runtime as unknown as { isConfigSecret(key: string): boolean };

export function loadSettings(): StackConfig {
  const stack = pulumi.getStack();
  const { raw, secrets: secretValues, plaintextSecrets } = splitPulumiConfig(pulumi.runtime.allConfig(), isConfigSecret);
  let parsed: ReturnType<typeof parseSettings>;
  try {
    parsed = parseSettings(stack, raw, secretValues, plaintextSecrets);
  } catch (error) {
    // RunError: Pulumi prints the message alone, without a stack trace.
    if (error instanceof SettingsError) throw new pulumi.RunError(error.message);
    throw error;
  }
  const { settings, secretsSet } = parsed;
  const config = new pulumi.Config(PROJECT);
  const secrets: StackSecrets = {};
  for (const name of secretsSet) secrets[name] = config.requireSecret(name);
  return { stack, settings, secrets };
}

// Reads the stack's settings from the Pulumi config (namespace roadwave-monitoring:) and validates them with
// `parseSettings`. Secrets leave here only as Pulumi secret Outputs.
import * as pulumi from "@pulumi/pulumi";
import { PROJECT, SECRET_NAMES, SettingsError, parseSettings, type SecretName, type Settings } from "./settings";

export type StackSecrets = Partial<Record<SecretName, pulumi.Output<string>>>;

export interface StackConfig {
  stack: string;
  settings: Settings;
  /** The secrets that are set, as secret Outputs. */
  secrets: StackSecrets;
}

/** Pulumi passes structured config values as JSON text and plain values as strings. */
function decode(value: string): unknown {
  if (/^\s*[[{]/.test(value)) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (value === "true" || value === "false") return value === "true";
  return value;
}

// Public at runtime but marked @internal in the SDK's types; it tells whether a key was stored encrypted.
const { isConfigSecret } = pulumi.runtime as unknown as { isConfigSecret(key: string): boolean };

export function loadSettings(): StackConfig {
  const stack = pulumi.getStack();
  const prefix = `${PROJECT}:`;
  const all = pulumi.runtime.allConfig();
  const raw: Record<string, unknown> = {};
  const secretValues: Partial<Record<SecretName, string>> = {};
  const plaintext: SecretName[] = [];
  for (const [fullKey, value] of Object.entries(all)) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    if ((SECRET_NAMES as string[]).includes(key)) {
      secretValues[key as SecretName] = value;
      if (!isConfigSecret(fullKey)) plaintext.push(key as SecretName);
    }
    else raw[key] = decode(value);
  }
  let parsed: ReturnType<typeof parseSettings>;
  try {
    parsed = parseSettings(stack, raw, secretValues, plaintext);
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

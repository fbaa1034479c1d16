// Reads a Pulumi.<stack>.yaml settings file for the offline modes (preview, render, sandbox) and turns it
// into the Pulumi config map the program reads. Encrypted values cannot be decrypted offline: they and the
// missing secrets get the placeholders of config/placeholders.ts, and the caller is told which.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { PLACEHOLDER_SECRETS } from "../config/placeholders";
import { PROJECT, SECRET_NAMES, secretsUsedBy, STACKS, type SecretName, type StackName } from "../config/settings";

export interface OfflineStackConfig {
  /** Pulumi config map (full keys, values as the Pulumi runtime passes them: strings, objects as JSON). */
  config: Record<string, string>;
  /** Full keys of the config entries stored encrypted (or given a placeholder). */
  secretKeys: string[];
  /** Secrets that got a placeholder value, and why. */
  placeholders: { name: SecretName; reason: "encrypted" | "not set" }[];
}

export function stackFilePath(stack: string): string {
  return `Pulumi.${stack}.yaml`;
}

export function readStackFile(path: string, stack: string): OfflineStackConfig {
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`cannot read stack settings file ${path}: ${(error as Error).message}`);
  }
  const entries = (doc as { config?: Record<string, unknown> } | null)?.config;
  if (entries === undefined || entries === null || typeof entries !== "object") {
    throw new Error(`${path} has no "config:" map (expected the format of Pulumi.<stack>.yaml)`);
  }
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const placeholders: OfflineStackConfig["placeholders"] = [];
  for (const [key, value] of Object.entries(entries)) {
    const fullKey = key.includes(":") ? key : `${PROJECT}:${key}`;
    const name = fullKey.slice(PROJECT.length + 1) as SecretName;
    const isSecret = fullKey.startsWith(`${PROJECT}:`) && SECRET_NAMES.includes(name);
    if (isSecret) {
      const encrypted = typeof value === "object" && value !== null && "secure" in value;
      config[fullKey] = encrypted ? PLACEHOLDER_SECRETS[name] : String(value);
      // A secret written in plain text is not a secret key: the settings check reports it.
      if (encrypted) {
        secretKeys.push(fullKey);
        placeholders.push({ name, reason: "encrypted" });
      }
      continue;
    }
    config[fullKey] = typeof value === "string" ? value : JSON.stringify(value);
  }
  // Fill in the secrets the stack uses but the file does not set, so the program can run offline.
  const environment = entries[`${PROJECT}:environment`];
  const env = (STACKS as readonly unknown[]).includes(environment) ? (environment as StackName) : undefined;
  const stackEnv = env ?? ((STACKS as readonly string[]).includes(stack) ? (stack as StackName) : undefined);
  if (stackEnv) {
    for (const name of secretsUsedBy(stackEnv)) {
      const fullKey = `${PROJECT}:${name}`;
      if (fullKey in config) continue;
      config[fullKey] = PLACEHOLDER_SECRETS[name];
      secretKeys.push(fullKey);
      placeholders.push({ name, reason: "not set" });
    }
  }
  return { config, secretKeys, placeholders };
}

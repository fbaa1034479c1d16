// The repository's stack files, validated as the render command does (placeholder secrets).
import { PLACEHOLDER_SECRETS } from "../../config/placeholders";
import { PROJECT, SECRET_NAMES, parseSettings, type MonitoringStackSettings, type SecretName } from "../../config/settings";
import { readStackFile } from "../../scripts/stackFile";

export function monitoringStack(stack: "prod" | "staging"): MonitoringStackSettings {
  const offline = readStackFile(`Pulumi.${stack}.yaml`, stack);
  const raw: Record<string, unknown> = {};
  const secrets: Partial<Record<SecretName, string>> = {};
  for (const [fullKey, value] of Object.entries(offline.config)) {
    const key = fullKey.slice(PROJECT.length + 1);
    if ((SECRET_NAMES as string[]).includes(key)) secrets[key as SecretName] = PLACEHOLDER_SECRETS[key as SecretName];
    else raw[key] = /^\s*[[{]/.test(value) ? JSON.parse(value) : value;
  }
  const { settings } = parseSettings(stack, raw, secrets);
  if (settings.environment === "staging-dr") throw new Error(`${stack} is not a monitoring stack`);
  return settings;
}

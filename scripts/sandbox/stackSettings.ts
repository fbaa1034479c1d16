// The validated settings of a monitoring stack, read offline from Pulumi.<stack>.yaml: the secrets get the
// placeholders of config/placeholders.ts (the sandbox never needs real ones).
import { readStackFile, stackFilePath } from "../stackFile";
import { parseSettings, PROJECT, SECRET_NAMES, type MonitoringStackSettings, type SecretName } from "../../config/settings";

export function monitoringStackSettings(stack: string, file = stackFilePath(stack)): MonitoringStackSettings {
  const { config } = readStackFile(file, stack);
  const raw: Record<string, unknown> = {};
  const secrets: Partial<Record<SecretName, string>> = {};
  for (const [fullKey, value] of Object.entries(config)) {
    if (!fullKey.startsWith(`${PROJECT}:`)) continue;
    const key = fullKey.slice(PROJECT.length + 1);
    if ((SECRET_NAMES as string[]).includes(key)) secrets[key as SecretName] = value;
    else raw[key] = /^\s*[[{]/.test(value) ? JSON.parse(value) : value;
  }
  const { settings } = parseSettings(stack, raw, secrets);
  if (settings.environment === "staging-dr") {
    throw new Error(`stack ${stack} is the DR stack: it has no monitoring services to run (use prod or staging)`);
  }
  return settings;
}

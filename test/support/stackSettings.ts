// Test helpers: the settings of the committed stack files, validated as the program does, with placeholder secrets.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { PLACEHOLDER_SECRETS } from "../../config/placeholders";
import { parseSettings, PROJECT, type MonitoringStackSettings } from "../../config/settings";

export const MONITORING_STACKS = ["prod", "staging"] as const;

export function monitoringSettings(stack: (typeof MONITORING_STACKS)[number]): MonitoringStackSettings {
  const entries = (parse(readFileSync(`Pulumi.${stack}.yaml`, "utf8")) as { config: Record<string, unknown> }).config;
  const raw = Object.fromEntries(Object.entries(entries).map(([k, v]) => [k.replace(`${PROJECT}:`, ""), v]));
  const { settings } = parseSettings(stack, raw, PLACEHOLDER_SECRETS);
  if (settings.environment === "staging-dr") throw new Error(`${stack} is not a monitoring stack`);
  return settings;
}

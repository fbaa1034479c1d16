// The configuration files the sandbox runs: exactly what the stack deploys, rendered by the same renderers
// with the local addressing profile and the caller's timings.
import { renderAlertmanagerFiles } from "../../config/renderAlertmanager";
import { renderPrometheusFiles } from "../../config/renderPrometheus";
import type { RenderOptions } from "../../config/renderOptions";
import type { MonitoringStackSettings, SecretName } from "../../config/settings";

export type SandboxSecrets = Record<SecretName, string> & { watchdogPushUrl: string };

export function renderLocalStack(
  settings: MonitoringStackSettings,
  secrets: SandboxSecrets,
  options: RenderOptions,
): Record<string, string> {
  return { ...renderPrometheusFiles(settings, options), ...renderAlertmanagerFiles(settings, secrets, options) };
}

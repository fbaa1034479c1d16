// Every configuration file of a monitoring stack, as deployed under build/<stack>/files/ (CONTRACT.md):
// the single list the render command writes and the container components upload.
import { renderAlloyConfig } from "./alloy";
import { renderCaddyFiles } from "./caddy";
import { renderGrafanaFiles } from "./grafana";
import { renderLokiConfig } from "./loki";
import type { RenderOptions } from "./renderOptions";
import { renderAlertmanagerFiles, type AlertmanagerSecrets } from "./renderAlertmanager";
import { renderPrometheusFiles } from "./renderPrometheus";
import type { MonitoringStackSettings } from "./settings";

/**
 * The secret values renderers need: the stack's secrets plus the Watchdog's Uptime Kuma push URL. Offline
 * modes pass `placeholderAlertmanagerSecrets(settings)`.
 */
export type RenderSecrets = AlertmanagerSecrets;

/** relative path -> content, for every file of the stack, sorted by path. */
export function renderAllFiles(
  settings: MonitoringStackSettings,
  secrets: RenderSecrets,
  options: RenderOptions,
): Record<string, string> {
  const files: Record<string, string> = {
    ...renderPrometheusFiles(settings, options),
    ...renderAlertmanagerFiles(settings, secrets, options),
    "loki/loki.yaml": renderLokiConfig(settings, options),
    "alloy/config.alloy": renderAlloyConfig(settings, options),
    ...renderGrafanaFiles(settings, options),
    ...renderCaddyFiles(settings, options),
  };
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b)));
}

// Grafana's files: provisioned datasources, the dashboard provider, and the dashboards as JSON.
import { dashboards } from "./dashboards";
import { renderGrafanaDashboardProvider, renderGrafanaDatasources } from "./grafanaDatasources";
import type { RenderOptions } from "./renderOptions";
import type { MonitoringStackSettings } from "./settings";

export function renderGrafanaFiles(settings: MonitoringStackSettings, options: RenderOptions): Record<string, string> {
  const files: Record<string, string> = {
    "grafana/provisioning/datasources/datasources.yaml": renderGrafanaDatasources(settings, options),
    "grafana/provisioning/dashboards/dashboards.yaml": renderGrafanaDashboardProvider(),
  };
  for (const [name, dashboard] of Object.entries(dashboards())) {
    files[`grafana/dashboards/${name}`] = `${JSON.stringify(dashboard, null, 2)}\n`;
  }
  return files;
}

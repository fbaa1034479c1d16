// Grafana's provisioned datasources. Their uids are fixed (CONTRACT.md) and every dashboard panel and query
// references a datasource by uid, so renaming a datasource never breaks a dashboard.
import { stringify } from "yaml";
import { monitoringServiceAddress } from "./monitoringServices";
import type { RenderOptions } from "./renderOptions";
import type { MonitoringStackSettings } from "./settings";

export const DATASOURCES = {
  prometheus: { name: "Prometheus", ref: { type: "prometheus", uid: "prometheus" } },
  loki: { name: "Loki", ref: { type: "loki", uid: "loki" } },
  alertmanager: { name: "Alertmanager", ref: { type: "alertmanager", uid: "alertmanager" } },
} as const;

export const DATASOURCE_UIDS: readonly string[] = Object.values(DATASOURCES).map((d) => d.ref.uid);

/** Where Grafana reads the provisioned dashboards (the grafana/dashboards directory is mounted there). */
export const GRAFANA_DASHBOARDS_DIR = "/var/lib/grafana/dashboards";

/** grafana/provisioning/datasources/datasources.yaml */
export function renderGrafanaDatasources(settings: MonitoringStackSettings, options: RenderOptions): string {
  const url = (service: "prometheus" | "loki" | "alertmanager") =>
    `http://${monitoringServiceAddress(settings, options.addressing, service)}`;
  const doc = {
    apiVersion: 1,
    datasources: [
      {
        name: DATASOURCES.prometheus.name,
        type: DATASOURCES.prometheus.ref.type,
        uid: DATASOURCES.prometheus.ref.uid,
        access: "proxy",
        url: url("prometheus"),
        isDefault: true,
        editable: false,
        jsonData: {
          httpMethod: "POST",
          // $__rate_interval needs the real scrape interval.
          timeInterval: options.timings.scrapeInterval,
          alertmanagerUid: DATASOURCES.alertmanager.ref.uid,
        },
      },
      {
        name: DATASOURCES.loki.name,
        type: DATASOURCES.loki.ref.type,
        uid: DATASOURCES.loki.ref.uid,
        access: "proxy",
        url: url("loki"),
        editable: false,
        jsonData: { maxLines: 1000 },
      },
      {
        name: DATASOURCES.alertmanager.name,
        type: DATASOURCES.alertmanager.ref.type,
        uid: DATASOURCES.alertmanager.ref.uid,
        access: "proxy",
        url: url("alertmanager"),
        editable: false,
        // Alerts are Prometheus rules routed by Alertmanager; Grafana only shows and silences them.
        jsonData: { implementation: "prometheus", handleGrafanaManagedAlerts: false },
      },
    ],
  };
  return stringify(doc);
}

/** grafana/provisioning/dashboards/dashboards.yaml: load every JSON file of GRAFANA_DASHBOARDS_DIR. */
export function renderGrafanaDashboardProvider(): string {
  return stringify({
    apiVersion: 1,
    providers: [
      {
        name: "roadwave",
        orgId: 1,
        folder: "RoadWave",
        type: "file",
        disableDeletion: true,
        // The files are the source of truth: UI edits are not saved back (change config/dashboards instead).
        allowUiUpdates: false,
        updateIntervalSeconds: 30,
        options: { path: GRAFANA_DASHBOARDS_DIR, foldersFromFilesStructure: false },
      },
    ],
  });
}

// Every provisioned dashboard, by file name under grafana/dashboards/.
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { backupsDashboard } from "./backups";
import { logsDashboard } from "./logs";
import { mainDashboard } from "./main";
import { postgresqlDashboard } from "./postgresql";
import { redisDashboard } from "./redis";
import { sloDashboard } from "./slo";

export function dashboards(): Record<string, Dashboard> {
  return {
    "main.json": mainDashboard(),
    "postgresql.json": postgresqlDashboard(),
    "redis.json": redisDashboard(),
    "slo.json": sloDashboard(),
    "backups.json": backupsDashboard(),
    "logs.json": logsDashboard(),
  };
}

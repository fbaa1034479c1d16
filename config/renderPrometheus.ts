// prometheus.yml, the rule files and the container flags, from the settings. Pure functions.
import YAML from "yaml";
import { ruleFilesFor, runbookUrl, type RuleFile } from "./alertRules";
import { POSTGRES_EXPORTER_QUERIES_PATH, renderPostgresExporterQueries } from "./postgresExporterQueries";
import { scaleDuration } from "./promDuration";
import { JOBS, type RenderOptions, type Timings } from "./renderOptions";
import type { MonitoringStackSettings, SecretName } from "./settings";
import { scrapeTargets, STANDARD_PORTS } from "./targets";

/**
 * Secret files Prometheus reads, relative to prometheus.yml (Prometheus resolves relative paths against the
 * config file's directory: /etc/prometheus/secrets/... in the container). They are never rendered to build/:
 * the container component uploads them from `prometheusSecretFiles`.
 */
export const PROMETHEUS_SECRET_FILES = {
  /** Password of the Uptime Kuma admin user (or an Uptime Kuma API key) for its /metrics. */
  uptimeKumaPassword: "secrets/uptime-kuma-password",
} as const;

const YAML_OPTIONS = { lineWidth: 0 } as const;

function prometheusConfig(settings: MonitoringStackSettings, options: RenderOptions, ruleFiles: RuleFile[]): object {
  const targets = scrapeTargets(settings, options.addressing);
  const alertmanagers = targets.filter((t) => t.job === "alertmanager").map((t) => t.address);
  const scrapeConfigs = JOBS.flatMap((job) => {
    const ofJob = targets.filter((t) => t.job === job);
    const first = ofJob[0];
    if (!first) return [];
    return [
      {
        job_name: job,
        metrics_path: first.metricsPath,
        scheme: first.scheme,
        // The Pushgateway's series carry the pushing job's own job/instance labels.
        ...(job === "pushgateway" ? { honor_labels: true } : {}),
        ...(job === "uptime-kuma"
          ? { basic_auth: { username: settings.uptimeKuma.adminUsername, password_file: PROMETHEUS_SECRET_FILES.uptimeKumaPassword } }
          : {}),
        // instance is the host name, not ip:port: alerts and dashboards stay readable and identical in every profile.
        static_configs: ofJob.map((t) => ({ targets: [t.address], labels: { instance: t.instance } })),
      },
    ];
  });
  return {
    global: {
      scrape_interval: options.timings.scrapeInterval,
      evaluation_interval: options.timings.evaluationInterval,
      external_labels: { environment: settings.environment },
    },
    ...(alertmanagers.length > 0 ? { alerting: { alertmanagers: [{ static_configs: [{ targets: alertmanagers }] }] } } : {}),
    rule_files: ruleFiles.map((f) => `rules/${f.file}`),
    scrape_configs: scrapeConfigs,
  };
}

export function renderPrometheusConfig(settings: MonitoringStackSettings, options: RenderOptions): string {
  const header =
    ` prometheus.yml for the ${settings.environment} stack, rendered by config/renderPrometheus.ts: do not edit.\n` +
    ` Retention and listen address are container flags (prometheusFlags), not settings of this file.`;
  const doc = new YAML.Document(prometheusConfig(settings, options, ruleFilesFor(settings)));
  doc.commentBefore = header;
  return doc.toString(YAML_OPTIONS);
}

/** One rule file; `for:` durations are multiplied by timings.forScale (1 in production). */
export function renderRuleFile(ruleFile: RuleFile, timings: Pick<Timings, "forScale">): string {
  const scale = timings.forScale ?? 1;
  const rules = [
    ...ruleFile.records.map((r) => ({ record: r.record, expr: r.expr })),
    ...ruleFile.alerts.map((a) => ({
      alert: a.alert,
      expr: a.expr,
      for: scaleDuration(a.for, scale),
      labels: { severity: a.severity },
      annotations: { summary: a.summary, description: a.description, runbook_url: runbookUrl(a.alert) },
    })),
  ];
  const doc = new YAML.Document({ groups: [{ name: ruleFile.group, rules }] });
  doc.commentBefore = ` ${ruleFile.comment}\n Generated from config/alertRules.ts: do not edit.`;
  const ruleNodes = (doc.getIn(["groups", 0, "rules"]) as YAML.YAMLSeq<YAML.YAMLMap>).items;
  ruleFile.alerts.forEach((a, i) => {
    const node = ruleNodes[ruleFile.records.length + i];
    if (node && a.comment) node.commentBefore = a.comment.split("\n").map((l) => ` ${l}`).join("\n");
  });
  return doc.toString(YAML_OPTIONS);
}

/**
 * Every Prometheus file of a stack, by path under build/<stack>/files/: prometheus/prometheus.yml,
 * prometheus/rules/*.yml, and the postgres_exporter custom queries the PostgreSQL alerts rely on.
 */
export function renderPrometheusFiles(settings: MonitoringStackSettings, options: RenderOptions): Record<string, string> {
  const files: Record<string, string> = { "prometheus/prometheus.yml": renderPrometheusConfig(settings, options) };
  for (const ruleFile of ruleFilesFor(settings)) files[`prometheus/rules/${ruleFile.file}`] = renderRuleFile(ruleFile, options.timings);
  files[POSTGRES_EXPORTER_QUERIES_PATH] = renderPostgresExporterQueries();
  return files;
}

/** The secret files Prometheus needs, by path under the files tree; for the container component only. */
export function prometheusSecretFiles(secrets: Partial<Record<SecretName, string>>): Record<string, string> {
  return { [`prometheus/${PROMETHEUS_SECRET_FILES.uptimeKumaPassword}`]: secrets.uptimeKumaAdminPassword ?? "" };
}

export interface PrometheusFlagPaths {
  configFile: string;
  storagePath: string;
  listenAddress: string;
}

const CONTAINER_PATHS: PrometheusFlagPaths = {
  configFile: "/etc/prometheus/prometheus.yml",
  storagePath: "/prometheus",
  listenAddress: `0.0.0.0:${STANDARD_PORTS.prometheus}`,
};

/**
 * Prometheus's command line. Retention comes from the settings. --web.enable-lifecycle stays off: nobody on
 * the private network may reload or stop Prometheus over HTTP (a changed config restarts the container).
 */
export function prometheusFlags(settings: MonitoringStackSettings, paths: Partial<PrometheusFlagPaths> = {}): string[] {
  const p = { ...CONTAINER_PATHS, ...paths };
  return [
    `--config.file=${p.configFile}`,
    `--storage.tsdb.path=${p.storagePath}`,
    `--storage.tsdb.retention.time=${settings.retention.prometheusDays}d`,
    `--web.listen-address=${p.listenAddress}`,
  ];
}

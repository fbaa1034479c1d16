// The containers of the prod and staging stacks under Pulumi mocks (issue: monitoring services and exporters
// as Docker containers over SSH). One stack per test file would be the vitest default; here both stacks run
// in sequence in one file through separate child processes of the preview, so each gets a clean runtime.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { plainServiceFiles } from "../../components/monitoringServices";
import { stackContainers } from "../../config/containers";
import { isPinned } from "../../config/images";
import { parseSettings, type MonitoringStackSettings } from "../../config/settings";
import { PLACEHOLDER_SECRETS } from "../../config/placeholders";
import { parse } from "yaml";

interface PlanEntry {
  type: string;
  name: string;
  parent: string | null;
  inputs: Record<string, any>;
}

const plans: Record<string, PlanEntry[]> = {};
beforeAll(() => {
  for (const stack of ["prod", "staging"]) {
    const result = spawnSync("npx", ["tsx", "scripts/preview.ts", stack], { encoding: "utf8", timeout: 120_000 });
    if (result.status !== 0) throw new Error(`preview ${stack} failed: ${result.stderr}`);
    plans[stack] = JSON.parse(readFileSync(join("build", stack, "plan.json"), "utf8")) as PlanEntry[];
  }
}, 240_000);

function settingsOf(stack: string): MonitoringStackSettings {
  const config = (parse(readFileSync(`Pulumi.${stack}.yaml`, "utf8")) as { config: Record<string, unknown> }).config;
  const raw = Object.fromEntries(Object.entries(config).map(([k, v]) => [k.split(":")[1]!, v]));
  return parseSettings(stack, raw, PLACEHOLDER_SECRETS).settings as MonitoringStackSettings;
}

const containersOf = (stack: string) => plans[stack]!.filter((r) => r.type === "docker:index/container:Container");
const imagesOf = (stack: string) => plans[stack]!.filter((r) => r.type === "docker:index/remoteImage:RemoteImage");
const onHost = (stack: string, host: string) =>
  containersOf(stack).filter((c) => c.parent === `roadwave-services-${host}` || c.parent === `roadwave-exporters-${host}`).map((c) => c.inputs.name).sort();

describe.each(["prod", "staging"])("containers of the %s stack", (stack) => {
  it("deploys the expected set per host", () => {
    const monitoring = ["alertmanager", "alloy", "caddy", "grafana", "loki", "node-exporter", "prometheus"];
    if (stack === "prod") {
      expect(onHost(stack, "monitoring")).toEqual(monitoring);
      expect(onHost(stack, "uptime-kuma")).toEqual(["alloy", "caddy", "node-exporter", "uptime-kuma"]);
    } else {
      expect(onHost(stack, "monitoring")).toEqual([...monitoring, "pushgateway", "uptime-kuma"].sort());
    }
    expect(onHost(stack, "api-1")).toEqual(["alloy", "node-exporter"]);
    expect(onHost(stack, "db-1")).toEqual(["alloy", "node-exporter", "postgres-exporter"]);
    expect(onHost(stack, "redis-1")).toEqual(["alloy", "node-exporter", "redis-exporter"]);
    expect(onHost(stack, "zitadel-1")).toEqual(["alloy", "node-exporter"]);
  });

  it("pulls only pinned images", () => {
    const names = imagesOf(stack).map((i) => String(i.inputs.name));
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((n) => !isPinned(n))).toEqual([]);
    for (const container of containersOf(stack)) expect(String(container.inputs.image)).toMatch(/^sha256:offline-/);
  });

  it("gives every container a healthcheck, restart policy, memory limit and log rotation", () => {
    for (const c of containersOf(stack)) {
      expect(c.inputs.restart, c.name).toBe("unless-stopped");
      expect(c.inputs.memory, c.name).toBeGreaterThan(0);
      expect(c.inputs.logDriver, c.name).toBe("json-file");
      expect(c.inputs.logOpts, c.name).toEqual({ "max-size": "20m", "max-file": "5" });
      expect(c.inputs.healthcheck.tests.length, c.name).toBeGreaterThan(1);
      expect(c.inputs.wait, c.name).toBe(true);
    }
  });

  it("publishes only Caddy publicly; every other port binds the private IP", () => {
    const publicPorts = containersOf(stack).flatMap((c) => (c.inputs.ports ?? []).filter((p: { ip: string }) => p.ip === "0.0.0.0").map((p: { external: number }) => `${c.inputs.name}:${p.external}`));
    expect(publicPorts.sort()).toEqual(stack === "prod" ? ["caddy:443", "caddy:443", "caddy:80", "caddy:80"] : ["caddy:443", "caddy:80"]);
    const privateIps = new Set(Object.values(settingsOf(stack).hosts).map((h) => h!.privateIp));
    for (const c of containersOf(stack)) {
      for (const p of c.inputs.ports ?? []) if (p.ip !== "0.0.0.0") expect(privateIps.has(p.ip), `${c.name} ${p.ip}`).toBe(true);
    }
  });

  it("carries secrets only as secret inputs", () => {
    const text = JSON.stringify(plans[stack]);
    expect(text).not.toContain("OFFLINE-PLACEHOLDER");
    expect(text).not.toContain("offline-random");
    const byName = (name: string) => containersOf(stack).find((c) => c.name === `roadwave-services-monitoring-${name}`)!;
    expect(byName("alertmanager").inputs.uploads).toBe("[secret]");
    expect(byName("prometheus").inputs.uploads).toBe("[secret]");
    expect(byName("grafana").inputs.envs).toBe("[secret]");
    const postgresExporter = containersOf(stack).find((c) => c.inputs.name === "postgres-exporter")!;
    expect(postgresExporter.inputs.envs).toBe("[secret]");
    // Files without secrets stay readable in the plan.
    expect(Array.isArray(byName("loki").inputs.uploads)).toBe(true);
    expect(byName("loki").inputs.uploads[0].file).toBe("/etc/loki/loki.yaml");
  });

  it("labels each container with the hash of its own files", () => {
    for (const c of containersOf(stack)) {
      const labels = Object.fromEntries((c.inputs.labels as { label: string; value: string }[]).map((l) => [l.label, l.value]));
      expect(labels["roadwave.config-hash"], c.name).toMatch(/^[0-9a-f]{16}$/);
      expect(labels["roadwave.app"]).toBe(c.inputs.name);
    }
  });

  it("sets the retention flag from the settings on Prometheus", () => {
    const prometheus = containersOf(stack).find((c) => c.inputs.name === "prometheus")!;
    const days = settingsOf(stack).retention.prometheusDays;
    expect(prometheus.inputs.command).toContain(`--storage.tsdb.retention.time=${days}d`);
    expect(prometheus.inputs.command.join(" ")).not.toContain("enable-lifecycle");
  });

  it("deploys exactly the exporters and services Prometheus scrapes", () => {
    const settings = settingsOf(stack);
    const deployed = stackContainers(settings).flatMap(({ host, containers }) =>
      containers.filter((c) => c.metrics).map((c) => `${c.metrics!.job} ${host.privateIp}:${c.metrics!.port}`),
    );
    // Prometheus's uploads are secret in the plan (its password file): read the same render the component uploads.
    const prometheusYml = parse(plainServiceFiles(settings)["prometheus/prometheus.yml"]!) as { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
    const scraped = prometheusYml.scrape_configs
      .filter((j) => !["roadwave-api", "zitadel"].includes(j.job_name)) // the applications serve their own metrics
      .flatMap((j) => j.static_configs.flatMap((s) => s.targets.map((t) => `${j.job_name} ${t}`)));
    expect(deployed.sort()).toEqual(scraped.sort());
  });
});

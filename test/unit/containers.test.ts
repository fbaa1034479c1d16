import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { plainServiceFiles } from "../../components/monitoringServices";
import { containerUploads, memoryBudget, postgresExporterRoleSql, secretEnvValue, stackContainers } from "../../config/containers";
import { IMAGES, isPinned } from "../../config/images";
import { PLACEHOLDER_SECRETS } from "../../config/placeholders";
import { parseSettings, type MonitoringStackSettings } from "../../config/settings";

function settingsOf(stack: string): MonitoringStackSettings {
  const config = (parse(readFileSync(`Pulumi.${stack}.yaml`, "utf8")) as { config: Record<string, unknown> }).config;
  const raw = Object.fromEntries(Object.entries(config).map(([k, v]) => [k.split(":")[1]!, v]));
  return parseSettings(stack, raw, PLACEHOLDER_SECRETS).settings as MonitoringStackSettings;
}

describe("container specs", () => {
  it("pins every image to an exact version", () => {
    expect(Object.values(IMAGES).filter((i) => !isPinned(i))).toEqual([]);
    expect(isPinned("prom/prometheus:latest")).toBe(false);
    expect(isPinned("grafana/grafana:11")).toBe(false);
  });

  it.each(["prod", "staging"])("fits the memory limits of %s into each host's flavor with a fifth spare", (stack) => {
    const settings = settingsOf(stack);
    const hosts = stackContainers(settings);
    const monitoring = hosts.find((h) => h.host.role === "monitoring")!;
    const budget = memoryBudget(settings.hosts.monitoring.flavor, monitoring.containers);
    expect(budget.fits, JSON.stringify(budget)).toBe(true);
    if (settings.hosts.uptimeKuma) {
      const kuma = hosts.find((h) => h.host.role === "uptime-kuma")!;
      expect(memoryBudget(settings.hosts.uptimeKuma.flavor, kuma.containers).fits).toBe(true);
    }
  });

  it("rejects a budget that does not fit (the check can fail)", () => {
    const settings = settingsOf("staging");
    const monitoring = stackContainers(settings).find((h) => h.host.role === "monitoring")!;
    expect(memoryBudget("d2-2", monitoring.containers).fits).toBe(false);
  });

  it("changing one rendered file changes only the containers that read it", () => {
    const settings = settingsOf("prod");
    const files = plainServiceFiles(settings);
    const changed = { ...files, "loki/loki.yaml": `${files["loki/loki.yaml"]}# changed\n` };
    const differing = stackContainers(settings).flatMap(({ host, containers }) =>
      containers
        .filter((c) => JSON.stringify(containerUploads(c, files)) !== JSON.stringify(containerUploads(c, changed)))
        .map((c) => `${host.name}/${c.name}`),
    );
    expect(differing).toEqual(["monitoring/loki"]);
  });

  it("mounts every rendered file into some container", () => {
    const settings = settingsOf("prod");
    const files = plainServiceFiles(settings);
    const uploaded = new Set<string>();
    for (const { containers } of stackContainers(settings)) {
      for (const c of containers) for (const { prefix } of c.files) for (const path of Object.keys(files)) if (path.startsWith(prefix)) uploaded.add(path);
    }
    expect(Object.keys(files).filter((p) => !uploaded.has(p))).toEqual([]);
  });

  it("builds postgres_exporter's DSN and role SQL safely from the password", () => {
    const settings = settingsOf("prod");
    expect(secretEnvValue(settings, "DATA_SOURCE_NAME", "p@ss:w/rd")).toBe(
      "postgresql://roadwave_exporter:p%40ss%3Aw%2Frd@127.0.0.1:5432/postgres?sslmode=disable",
    );
    const sql = postgresExporterRoleSql("it's");
    expect(sql).toContain("PASSWORD 'it''s'");
    expect(sql).toContain("GRANT pg_monitor TO roadwave_exporter;");
  });
});

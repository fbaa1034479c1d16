import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { ALLOY_HOST_ENV, renderAlloyConfig } from "../../config/alloy";
import { LOKI_DATA_DIR, renderLokiConfig } from "../../config/loki";
import { DEPLOYED, type RenderOptions } from "../../config/renderOptions";
import { parseAlloy, AlloySyntaxError, type AlloyBlock, type AlloyValue } from "../support/alloy";
import { monitoringSettings } from "../support/stackSettings";

// No Loki or Alloy binary runs here: these tests check the files' structure and meaning.
const prod = monitoringSettings("prod");
const staging = monitoringSettings("staging");
const local: RenderOptions = { ...DEPLOYED, addressing: { profile: "local", ports: { loki: { monitoring: 13100 } } } };

type Loki = Record<string, any>;
const loki = (settings = prod, options = DEPLOYED): Loki => parse(renderLokiConfig(settings, options)) as Loki;

describe("Loki configuration", () => {
  it("is a single binary without auth, listening on 3100", () => {
    const doc = loki();
    expect(doc.auth_enabled).toBe(false);
    expect(doc.server.http_listen_port).toBe(3100);
    expect(doc.common.replication_factor).toBe(1);
    expect(doc.common.ring.kvstore.store).toBe("inmemory");
    expect(Object.keys(doc)).toEqual(expect.arrayContaining(["server", "common", "schema_config", "storage_config", "compactor", "limits_config"]));
  });

  it("keeps everything on the data volume mounted at /loki", () => {
    const doc = loki();
    expect(LOKI_DATA_DIR).toBe("/loki");
    const paths = [
      doc.common.path_prefix,
      doc.common.storage.filesystem.chunks_directory,
      doc.common.storage.filesystem.rules_directory,
      doc.storage_config.tsdb_shipper.active_index_directory,
      doc.storage_config.tsdb_shipper.cache_location,
      doc.compactor.working_directory,
    ];
    for (const p of paths) expect(p).toMatch(/^\/loki(\/|$)/);
    expect(new Set(paths).size).toBe(paths.length);
  });

  it("uses the TSDB index with schema v13 on the filesystem", () => {
    const configs = loki().schema_config.configs;
    expect(configs).toHaveLength(1);
    expect(configs[0]).toMatchObject({ store: "tsdb", object_store: "filesystem", schema: "v13", index: { period: "24h" } });
    expect(String(configs[0].from)).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("enforces the retention of the settings with the compactor", () => {
    const doc = loki();
    expect(doc.compactor.retention_enabled).toBe(true);
    expect(doc.compactor.delete_request_store).toBe("filesystem");
    expect(doc.limits_config.retention_period).toBe("168h");
    expect(loki(staging).limits_config.retention_period).toBe("72h");
    expect(loki({ ...prod, retention: { ...prod.retention, lokiDays: 10 } }).limits_config.retention_period).toBe("240h");
    // Loki deletes whole index periods: the retention must be a multiple of the 24 h period.
    expect(Number.parseInt(doc.limits_config.retention_period, 10) % 24).toBe(0);
  });

  it("limits ingestion to the sized rates", () => {
    const limits = loki().limits_config;
    expect(limits.ingestion_rate_mb).toBe(4);
    expect(limits.ingestion_burst_size_mb).toBeGreaterThanOrEqual(limits.ingestion_rate_mb);
    expect(limits.per_stream_rate_limit).toBe("3MB");
    expect(limits.max_global_streams_per_user).toBeGreaterThan(0);
  });

  it("listens on the sandbox's port in the local profile", () => {
    expect(loki(prod, local).server.http_listen_port).toBe(13100);
  });
});

const find = (block: AlloyBlock, name: string, label?: string) => {
  const found = block.blocks.filter((b) => b.name === name && (label === undefined || b.label === label));
  expect(found, `${name} "${label}"`).toHaveLength(1);
  return found[0]!;
};
const str = (v: AlloyValue | undefined) => (v?.kind === "string" ? v.value : undefined);

/** Applies the relabel rules (action replace, as rendered) to a target's labels. */
function relabel(rules: AlloyBlock[], labels: Record<string, string>): Record<string, string> {
  const out = { ...labels };
  for (const rule of rules) {
    expect(rule.attributes.action === undefined || str(rule.attributes.action) === "replace").toBe(true);
    const sources = (rule.attributes.source_labels as { items: AlloyValue[] }).items.map((i) => str(i)!);
    const value = sources.map((s) => out[s] ?? "").join(";");
    const match = new RegExp(`^(?:${str(rule.attributes.regex) ?? "(.*)"})$`).exec(value);
    if (!match) continue;
    const replacement = (str(rule.attributes.replacement) ?? "$1").replace(/\$(\d)/g, (_, n) => match[Number(n)] ?? "");
    out[str(rule.attributes.target_label)!] = replacement;
  }
  return Object.fromEntries(Object.entries(out).filter(([k, v]) => !k.startsWith("__") && v !== ""));
}

describe("Alloy configuration", () => {
  const root = parseAlloy(renderAlloyConfig(prod, DEPLOYED));

  it("has the Docker discovery, relabelling, Docker log source and Loki writer", () => {
    expect(root.blocks.map((b) => `${b.name} ${b.label}`)).toEqual([
      "discovery.docker containers",
      "discovery.relabel containers",
      "loki.source.docker containers",
      "loki.write monitoring",
    ]);
    const socket = "unix:///var/run/docker.sock";
    expect(str(find(root, "discovery.docker").attributes.host)).toBe(socket);
    expect(str(find(root, "loki.source.docker").attributes.host)).toBe(socket);
  });

  it("wires every reference to a component that exists", () => {
    const components = new Set(root.blocks.map((b) => `${b.name}.${b.label}`));
    const refs: string[][] = [];
    const walk = (v: AlloyValue) => {
      if (v.kind === "ref") refs.push(v.path);
      if (v.kind === "array") v.items.forEach(walk);
      if (v.kind === "object") Object.values(v.fields).forEach(walk);
      if (v.kind === "call") v.args.forEach(walk);
    };
    const visit = (b: AlloyBlock) => { Object.values(b.attributes).forEach(walk); b.blocks.forEach(visit); };
    visit(root);
    expect(refs.map((r) => r.join("."))).toEqual([
      "discovery.docker.containers.targets",
      "discovery.docker.containers.targets",
      "discovery.relabel.containers.rules",
      "loki.write.monitoring.receiver",
    ]);
    for (const ref of refs) expect(components.has(ref.slice(0, -1).join(".")), ref.join(".")).toBe(true);
  });

  it("ships to Loki on the monitoring host's private IP, port 3100", () => {
    const endpoint = find(find(root, "loki.write"), "endpoint");
    expect(str(endpoint.attributes.url)).toBe("http://10.42.0.10:3100/loki/api/v1/push");
    const stagingRoot = parseAlloy(renderAlloyConfig(staging, DEPLOYED));
    expect(str(find(find(stagingRoot, "loki.write"), "endpoint").attributes.url)).toBe("http://10.43.0.10:3100/loki/api/v1/push");
    const localRoot = parseAlloy(renderAlloyConfig(prod, local));
    expect(str(find(find(localRoot, "loki.write"), "endpoint").attributes.url)).toBe("http://127.0.0.1:13100/loki/api/v1/push");
  });

  it("labels environment and host on every line", () => {
    const labels = find(root, "loki.write").attributes.external_labels;
    expect(labels?.kind).toBe("object");
    const fields = (labels as { fields: Record<string, AlloyValue> }).fields;
    expect(str(fields.environment)).toBe("prod");
    expect(fields.host).toEqual({ kind: "call", fn: ["sys", "env"], args: [{ kind: "string", value: ALLOY_HOST_ENV }] });
  });

  it("labels app and container from the container's name, Compose service or roadwave.app label", () => {
    const rules = find(root, "discovery.relabel").blocks.filter((b) => b.name === "rule");
    expect(relabel(rules, { __meta_docker_container_name: "/roadwave-api" })).toEqual({ app: "roadwave-api", container: "roadwave-api" });
    expect(
      relabel(rules, { __meta_docker_container_name: "/srv-api-1", __meta_docker_container_label_com_docker_compose_service: "roadwave-api" }),
    ).toEqual({ app: "roadwave-api", container: "srv-api-1" });
    expect(
      relabel(rules, {
        __meta_docker_container_name: "/api",
        __meta_docker_container_label_com_docker_compose_service: "api",
        __meta_docker_container_label_roadwave_app: "roadwave-api",
      }),
    ).toEqual({ app: "roadwave-api", container: "api" });
  });

  it("the parser rejects malformed files", () => {
    for (const bad of ['a "x" {', 'a { b = }', 'a { b = "x" b = "y" }', 'a { b = [1 2] }', 'a { b = "unterminated }']) {
      expect(() => parseAlloy(bad), bad).toThrow(AlloySyntaxError);
    }
  });
});

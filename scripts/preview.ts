// Offline preview, the main job with no credentials: runs the real program under Pulumi's mocks with a
// stack's settings file, prints the resource tree and writes build/<stack>/plan.json.
//   npm run preview -- <stack> [--stack-file PATH]
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { readFileSync } from "node:fs";
import { PROJECT } from "../config/settings";
import { runOffline, type PlannedResource } from "./mockRuntime";
import { readStackFile, stackFilePath } from "./stackFile";

const USAGE = "usage: npm run preview -- <stack> [--stack-file PATH]   (stacks: prod, staging, staging-dr)";

export function parseArgs(argv: string[]): { stack: string; stackFile: string } {
  const positional: string[] = [];
  let stackFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--stack-file") {
      stackFile = argv[++i];
      if (!stackFile) throw new Error(`--stack-file needs a path\n${USAGE}`);
    } else if (arg.startsWith("--")) {
      throw new Error(`unknown option ${arg}\n${USAGE}`);
    } else {
      positional.push(arg);
    }
  }
  if (positional.length !== 1) throw new Error(`expected exactly one stack name\n${USAGE}`);
  const stack = positional[0] as string;
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new Error(`invalid stack name ${stack}\n${USAGE}`);
  const file = stackFile ?? stackFilePath(stack);
  if (!existsSync(file)) throw new Error(`stack settings file ${file} does not exist\n${USAGE}`);
  return { stack, stackFile: file };
}

/** A stack's config map from its settings file beside the given one, if any (for realistic placeholders). */
function siblingSetting(stackFile: string, stack: string, key: string): Record<string, unknown> | undefined {
  const path = join(dirname(stackFile), stackFilePath(stack));
  if (!existsSync(path)) return undefined;
  const config = (parse(readFileSync(path, "utf8")) as { config?: Record<string, unknown> })?.config;
  return config?.[`${PROJECT}:${key}`] as Record<string, unknown> | undefined;
}

/** Placeholder outputs of the stacks staging-dr references, taken from their settings files when present. */
export function placeholderStackReferences(config: Record<string, string>, stackFile: string): Record<string, Record<string, unknown>> {
  const dr = config[`${PROJECT}:dr`];
  if (!dr) return {};
  const { prodStack, stagingStack } = JSON.parse(dr) as { prodStack: string; stagingStack: string };
  const backup = siblingSetting(stackFile, "prod", "backup") as { bucketName?: string; region?: string } | undefined;
  const region = (backup?.region ?? "GRA").toLowerCase();
  const stagingHosts = siblingSetting(stackFile, "staging", "hosts") as { monitoring?: { privateIp?: string } } | undefined;
  return {
    [prodStack]: {
      backupBucketName: backup?.bucketName ?? "roadwave-prod-pgbackrest",
      backupS3Endpoint: `https://s3.${region}.io.cloud.ovh.net`,
      backupS3Region: region,
      backupReadOnlyAccessKeyId: "OFFLINE-PLACEHOLDER-ACCESS-KEY",
      backupReadOnlySecretAccessKey: "OFFLINE-PLACEHOLDER-secret-access-key",
      backupRepoPassphrase: "OFFLINE-PLACEHOLDER-pgbackrest-passphrase-0123456789",
    },
    [stagingStack]: {
      privateNetworkId: "pn-offline-placeholder-staging",
      privateSubnetId: "subnet-offline-placeholder-staging",
      gatewayId: "gateway-offline-placeholder-staging",
      pushgatewayUrl: `http://${stagingHosts?.monitoring?.privateIp ?? "10.43.0.10"}:9091`,
    },
  };
}

const KEY_INPUTS: Record<string, string[]> = {
  "ovh:CloudProject/instance:Instance": ["name", "flavor.flavorId", "bootFrom.imageId", "network.private.ip", "availabilityZone"],
  "ovh:index/cloudStorageBlockVolume:CloudStorageBlockVolume": ["name", "size", "volumeType"],
  "ovh:CloudProject/networkPrivate:NetworkPrivate": ["name", "vlanId", "regions"],
  "ovh:CloudProject/networkPrivateSubnetV2:NetworkPrivateSubnetV2": ["cidr", "gatewayIp", "allocationPools"],
  "ovh:CloudProject/gateway:Gateway": ["name", "model"],
  "ovh:index/cloudSecurityGroup:CloudSecurityGroup": ["name", "rules"],
  "ovh:CloudProject/storage:Storage": ["name", "regionName", "versioning.status", "encryption.sseAlgorithm", "objectLock.rule.period"],
  "ovh:CloudProject/user:User": ["roleName", "description"],
  "pulumi:pulumi:StackReference": ["name"],
  "command:remote:Command": ["create"],
  "docker:index/container:Container": ["name", "memory", "user", "networkMode", "ports"],
  "docker:index/remoteImage:RemoteImage": ["name"],
};

function pick(inputs: Record<string, unknown>, path: string): unknown {
  return path.split(".").reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), inputs);
}

function summary(resource: PlannedResource): string {
  const keys = KEY_INPUTS[resource.type] ?? [];
  const parts = keys
    .map((key) => {
      const value = pick(resource.inputs, key);
      if (value === undefined) return undefined;
      if (key === "ports" && Array.isArray(value)) {
        return value.length === 0 ? undefined : `ports=${value.map((p) => `${(p as { ip: string }).ip}:${(p as { external: number }).external}`).join(",")}`;
      }
      if (key === "rules" && Array.isArray(value)) {
        return `rules=${value.map((r) => `${(r as { portRangeMin: number }).portRangeMin}<-${(r as { remoteIpPrefix: string }).remoteIpPrefix}`).join(",")}`;
      }
      const text = typeof value === "string" ? value : JSON.stringify(value);
      // Scripts are long: their first line says what they are.
      const line = text.split("\n")[0] as string;
      return `${key}=${line.length > 100 || line !== text ? `${line.slice(0, 100)} ...` : line}`;
    })
    .filter((part): part is string => part !== undefined);
  if (resource.protect) parts.push("protect");
  if (resource.retainOnDelete) parts.push("retainOnDelete");
  return parts.length > 0 ? `  [${parts.join(" ")}]` : "";
}

export function formatTree(resources: PlannedResource[]): string {
  const lines: string[] = [];
  const children = (parent: string | undefined) => resources.filter((r) => r.parent === parent);
  const walk = (parent: string | undefined, depth: number) => {
    for (const resource of children(parent)) {
      lines.push(`${"  ".repeat(depth)}${resource.custom ? "+" : "*"} ${resource.type} ${resource.name}${summary(resource)}`);
      walk(resource.name, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines.join("\n");
}

async function main(): Promise<void> {
  const started = Date.now();
  const { stack, stackFile } = parseArgs(process.argv.slice(2));
  const offline = readStackFile(stackFile, stack);
  const run = await runOffline({
    stack,
    config: offline.config,
    secretKeys: offline.secretKeys,
    stackReferences: placeholderStackReferences(offline.config, stackFile),
  });
  const plan = run.resources.map(({ type, name, parent, inputs, protect, retainOnDelete }) => ({
    type, name, parent: parent ?? null, protect, retainOnDelete, inputs,
  }));
  const outDir = join("build", stack);
  mkdirSync(outDir, { recursive: true });
  const planPath = join(outDir, "plan.json");
  writeFileSync(planPath, `${JSON.stringify(plan, null, 2)}\n`);

  console.log(`Offline preview of stack ${stack} (${stackFile}), under Pulumi mocks: nothing was created.\n`);
  console.log(formatTree(run.resources));
  console.log("\nOutputs:");
  for (const [key, value] of Object.entries(run.outputs)) console.log(`  ${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
  if (offline.placeholders.length > 0) {
    console.log("\nSecrets replaced by OFFLINE-PLACEHOLDER values in this preview only:");
    for (const p of offline.placeholders) console.log(`  ${PROJECT}:${p.name} (${p.reason === "encrypted" ? "encrypted in the file" : "not set"})`);
  }
  if (stack === "staging-dr" || offline.config[`${PROJECT}:dr`]) {
    console.log("\nStackReference outputs (prod bucket, staging network) are OFFLINE-PLACEHOLDER values in this preview.");
  }
  const custom = run.resources.filter((r) => r.custom).length;
  console.log(`\n${custom} resources, ${run.resources.length - custom} components; plan written to ${planPath} (${Date.now() - started} ms)`);
}

// Run only as a command (`tsx scripts/preview.ts`), not when the tests import the helpers above.
if (process.argv[1] !== undefined && /preview\.ts$/.test(process.argv[1])) {
  main().then(
    () => process.exit(0),
    (error: Error) => {
      console.error(`preview failed: ${error.message}`);
      process.exitCode = 1;
    },
  );
}

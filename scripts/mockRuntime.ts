// Runs the real program under Pulumi's mocks (no engine, no credentials, no cloud) and records every resource
// it registers with its parent, options and inputs. Used by the offline preview and by the unit tests.
import * as pulumi from "@pulumi/pulumi";
import { FLAVOR_SIZES } from "../config/flavors";
import { PROJECT } from "../config/settings";

/** Pulumi's wire markers for secret and unknown values. */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export const SECRET_MASK = "[secret]";

export interface PlannedResource {
  type: string;
  name: string;
  /** Name of the parent resource (none for top-level resources). */
  parent?: string;
  custom: boolean;
  protect: boolean;
  retainOnDelete: boolean;
  additionalSecretOutputs: string[];
  /** Inputs with secret values replaced by "[secret]". */
  inputs: Record<string, unknown>;
  /** Inputs with secrets unwrapped (tests only; never written to disk). */
  rawInputs: Record<string, unknown>;
}

export interface OfflineRun {
  resources: PlannedResource[];
  /** Stack outputs with secret values replaced by "[secret]". */
  outputs: Record<string, unknown>;
  /** Names of the stack outputs that are secret. */
  secretOutputs: string[];
}

export interface OfflineRunOptions {
  stack: string;
  config: Record<string, string>;
  secretKeys: string[];
  /** Outputs of the stacks this one references, by fully qualified stack name. */
  stackReferences?: Record<string, Record<string, unknown>>;
}

function transform(value: unknown, unwrap: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => transform(v, unwrap));
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[SECRET_SIG_KEY] === SECRET_SIG) return unwrap ? transform(record.value, unwrap) : SECRET_MASK;
    // A dynamic resource's serialized provider code is noise in a plan.
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, k === "__provider" ? "[dynamic provider code]" : transform(v, unwrap)]));
  }
  if (value === UNKNOWN) return "[unknown]";
  return value;
}

/** Deterministic documentation-range public address (TEST-NET-2) for a mocked instance. */
function fakePublicIp(name: string): string {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) % 250;
  return `198.51.100.${hash + 2}`;
}

function computedState(type: string, name: string, inputs: Record<string, unknown>, refs: Record<string, Record<string, unknown>>): Record<string, unknown> {
  switch (type) {
    case "ovh:CloudProject/instance:Instance": {
      const privateIp = (inputs.network as { private?: { ip?: string } } | undefined)?.private?.ip;
      return { addresses: [...(privateIp ? [{ ip: privateIp, version: 4 }] : []), { ip: fakePublicIp(name), version: 4 }] };
    }
    case "ovh:CloudProject/s3Credential:S3Credential":
      return { accessKeyId: `PREVIEW${name.length}ACCESSKEY`, secretAccessKey: `preview-secret-of-${name}` };
    case "ovh:CloudProject/user:User":
      return { username: `user-${name}` };
    case "pulumi:pulumi:StackReference": {
      const stackName = String(inputs.name);
      const outputs = refs[stackName];
      if (!outputs) throw new Error(`offline run: no placeholder outputs for referenced stack ${stackName}`);
      return { name: stackName, outputs, secretOutputNames: [] };
    }
    case "random:index/randomPassword:RandomPassword":
      return { result: `offline-random-${name}` };
    case "docker:index/remoteImage:RemoteImage":
      return { imageId: `sha256:offline-${String(inputs.name)}` };
    case "command:remote:Command":
      return { stdout: "", stderr: "" };
    default:
      return {};
  }
}

const mockCalls: Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>> = {
  "ovh:CloudProject/getFlavors:getFlavors": (inputs) => ({
    ...inputs,
    id: "flavors",
    flavors: Object.entries(FLAVOR_SIZES)
      .filter(([flavor]) => !inputs.nameFilter || flavor.includes(String(inputs.nameFilter)))
      .map(([flavor, size]) => ({ id: `flavor-id-${flavor}`, name: flavor, osType: "linux", ram: size.memoryMiB, vcpus: size.vcpus, available: true })),
  }),
  "ovh:CloudProject/getImages:getImages": (inputs) => ({
    ...inputs,
    id: "images",
    images: ["Debian 12", "Debian 13", "Ubuntu 24.04"].map((image) => ({ id: `image-id-${image.toLowerCase().replace(/\W+/g, "-")}`, name: image, status: "active" })),
  }),
};

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
  getAdditionalsecretoutputsList(): string[];
  getObject?(): { toJavaScript(): Record<string, unknown> } | undefined;
  getProperties?(): { toJavaScript(): Record<string, unknown> } | undefined;
}

function nameFromUrn(urn: string): string | undefined {
  return urn === "" ? undefined : urn.split("::").pop();
}

/** Runs the program once; resolves when every resource is registered. */
export async function runOffline(options: OfflineRunOptions): Promise<OfflineRun> {
  const refs = options.stackReferences ?? {};
  pulumi.runtime.setAllConfig(options.config, options.secretKeys);
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const state = { ...args.inputs, ...computedState(args.type, args.name, args.inputs, refs) };
        // The import id is "" for new resources; an empty id would leave every `.id` Output unknown.
        return { id: args.id || `${args.name}-id`, state };
      },
      call: (args) => {
        const handler = mockCalls[args.token];
        if (!handler) throw new Error(`offline run: no mock for the invoke ${args.token}`);
        return handler(args.inputs);
      },
    },
    PROJECT,
    options.stack,
    false,
  );

  const resources: PlannedResource[] = [];
  let inFlight = 0;
  const monitor = pulumi.runtime.getMonitor() as unknown as Record<string, (req: RegisterRequest, cb: (...a: unknown[]) => void) => void>;
  for (const method of ["registerResource", "readResource"] as const) {
    const original = monitor[method]!.bind(monitor);
    monitor[method] = (req, callback) => {
      const struct = (req.getObject?.() ?? req.getProperties?.())?.toJavaScript() ?? {};
      resources.push({
        type: req.getType(),
        name: req.getName(),
        parent: nameFromUrn(req.getParent()),
        custom: method === "readResource" ? true : req.getCustom(),
        protect: method === "registerResource" ? req.getProtect() === true : false,
        retainOnDelete: method === "registerResource" ? req.getRetainondelete() === true : false,
        additionalSecretOutputs: method === "registerResource" ? req.getAdditionalsecretoutputsList() : [],
        inputs: transform(struct, false) as Record<string, unknown>,
        rawInputs: transform(struct, true) as Record<string, unknown>,
      });
      inFlight += 1;
      original(req, (...result: unknown[]) => {
        inFlight -= 1;
        callback(...result);
      });
    };
  }

  // Imported only now: the program's modules must load after setMocks, or their Outputs never resolve.
  const { loadSettings } = await import("../config/loadSettings");
  const { MonitoringEnvironment } = await import("../components/environment");
  const { settings, secrets } = loadSettings();
  const environment = new MonitoringEnvironment("roadwave", { settings, secrets });

  const names = Object.keys(environment.outputs);
  const resolved = await Promise.all(
    names.map(
      (key) =>
        new Promise<{ value: unknown; secret: boolean }>((resolve) => {
          const output: pulumi.Output<unknown> = pulumi.output(environment.outputs[key]);
          void pulumi.isSecret(output).then((secret) => output.apply((value) => resolve({ value, secret })));
        }),
    ),
  );
  // Resources created inside applies register later: wait until nothing has been in flight for a while.
  for (let idle = 0; idle < 5; ) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    idle = inFlight === 0 ? idle + 1 : 0;
  }
  const outputs: Record<string, unknown> = {};
  const secretOutputs: string[] = [];
  names.forEach((key, i) => {
    const { value, secret } = resolved[i]!;
    outputs[key] = secret ? SECRET_MASK : value;
    if (secret) secretOutputs.push(key);
  });
  return { resources, outputs, secretOutputs };
}

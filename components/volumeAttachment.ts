import * as pulumi from "@pulumi/pulumi";

// `ovh.cloudproject.Instance` (the OVH resource with cloud-init user data and a fixed private IP) has no
// volume argument, and the OVH provider has no attachment resource: this small dynamic resource attaches the
// data volume through the OVH API (POST /cloud/project/{serviceName}/volume/{volumeId}/attach|detach),
// signed with the same OVH_* credentials the OVH provider reads from the environment.

export interface VolumeAttachmentArgs {
  serviceName: pulumi.Input<string>;
  volumeId: pulumi.Input<string>;
  instanceId: pulumi.Input<string>;
}

interface AttachmentInputs {
  serviceName: string;
  volumeId: string;
  instanceId: string;
}

const attachmentProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: AttachmentInputs) {
    await ovhVolumeAttachment(inputs, "attach");
    return { id: `${inputs.volumeId}/${inputs.instanceId}`, outs: inputs };
  },
  async read(id: string, props: AttachmentInputs) {
    const volume = await ovhVolume(props);
    return { id, props: { ...props, attachedTo: volume.attachedTo } };
  },
  async diff(_id: string, olds: AttachmentInputs, news: AttachmentInputs) {
    const replaces = (["serviceName", "volumeId", "instanceId"] as const).filter((k) => olds[k] !== news[k]);
    return { changes: replaces.length > 0, replaces, deleteBeforeReplace: true };
  },
  async delete(_id: string, props: AttachmentInputs) {
    await ovhVolumeAttachment(props, "detach");
  },
};

/** Attaches or detaches, then waits until the OVH API reports the new state (idempotent). */
async function ovhVolumeAttachment(props: AttachmentInputs, action: "attach" | "detach"): Promise<void> {
  const attached = (v: { attachedTo: string[] }) => v.attachedTo.includes(props.instanceId);
  const want = action === "attach";
  if (attached(await ovhVolume(props)) === want) return;
  await ovhRequest("POST", `/cloud/project/${props.serviceName}/volume/${props.volumeId}/${action}`, { instanceId: props.instanceId });
  const deadline = Date.now() + 10 * 60_000;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    if (attached(await ovhVolume(props)) === want) return;
  }
  throw new Error(`volume ${props.volumeId} did not ${action} ${want ? "to" : "from"} instance ${props.instanceId} within 10 minutes`);
}

async function ovhVolume(props: AttachmentInputs): Promise<{ attachedTo: string[]; status: string }> {
  return (await ovhRequest("GET", `/cloud/project/${props.serviceName}/volume/${props.volumeId}`)) as { attachedTo: string[]; status: string };
}

const OVH_ENDPOINTS: Record<string, string> = {
  "ovh-eu": "https://eu.api.ovh.com/1.0",
  "ovh-ca": "https://ca.api.ovh.com/1.0",
  "ovh-us": "https://api.us.ovhcloud.com/1.0",
};

async function ovhRequest(method: "GET" | "POST", path: string, body?: unknown): Promise<unknown> {
  const env = process.env;
  const missing = ["OVH_APPLICATION_KEY", "OVH_APPLICATION_SECRET", "OVH_CONSUMER_KEY"].filter((k) => !env[k]);
  if (missing.length > 0) {
    throw new Error(`attaching the data volume needs the OVH API credentials: set ${missing.join(", ")} (and OVH_ENDPOINT, default ovh-eu)`);
  }
  const endpoint = env.OVH_ENDPOINT ?? "ovh-eu";
  const base = OVH_ENDPOINTS[endpoint] ?? endpoint;
  const url = `${base}${path}`;
  const payload = body === undefined ? "" : JSON.stringify(body);
  const timestamp = String(Math.round(Date.now() / 1000));
  // Web Crypto (a Node global) rather than an import: Pulumi serializes this code with the resource.
  const digest = await globalThis.crypto.subtle.digest(
    "SHA-1",
    new TextEncoder().encode([env.OVH_APPLICATION_SECRET, env.OVH_CONSUMER_KEY, method, url, payload, timestamp].join("+")),
  );
  const signature = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  const response = await fetch(url, {
    method,
    body: payload === "" ? undefined : payload,
    signal: AbortSignal.timeout(30_000),
    headers: {
      "Content-Type": "application/json",
      "X-Ovh-Application": env.OVH_APPLICATION_KEY as string,
      "X-Ovh-Consumer": env.OVH_CONSUMER_KEY as string,
      "X-Ovh-Timestamp": timestamp,
      "X-Ovh-Signature": `$1$${signature}`,
    },
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`OVH API ${method} ${path}: HTTP ${response.status} ${text.slice(0, 300)}`);
  return text === "" ? null : JSON.parse(text);
}

/** The data volume attached to its instance. */
export class VolumeAttachment extends pulumi.dynamic.Resource {
  constructor(name: string, args: VolumeAttachmentArgs, opts?: pulumi.CustomResourceOptions) {
    super(attachmentProvider, name, { ...args, attachedTo: undefined }, opts, "roadwave-ovh", "VolumeAttachment");
  }
}

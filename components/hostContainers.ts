import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { containerUploads, type ContainerSecret, type ContainerSpec } from "../config/containers";
import { IMAGES, type ImageName } from "../config/images";

export interface HostContainersArgs {
  /** Host name, for resource names. */
  hostName: string;
  specs: ContainerSpec[];
  provider: docker.Provider;
  /** SSH connection for the host commands (data directories). */
  connection: command.types.input.remote.ConnectionArgs;
  /** Rendered files with no secret inside, by path in the files tree. */
  files: Record<string, string>;
  /** Files that hold secrets (or a secret inlined), by path in the files tree; a secret Output. */
  secretFiles: pulumi.Output<Record<string, string>>;
  /** A secret environment value, or undefined when that optional secret is not set. */
  secretEnv: (variable: string, secret: ContainerSecret) => pulumi.Output<string> | undefined;
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

const LOG_OPTIONS = { "max-size": "20m", "max-file": "5" };

function hashOf(files: Record<string, string>): string {
  const hash = createHash("sha256");
  for (const path of Object.keys(files).sort()) hash.update(`${path}\0${files[path]}\0`);
  return hash.digest("hex").slice(0, 16);
}

/**
 * Places one host's containers (config/containers.ts) through the host's Docker provider: the images
 * pinned in config/images.ts, the data directories owned by each service's user, and each container with its
 * files uploaded and a label hashing them, so a changed file replaces only the container that reads it.
 */
export class HostContainers extends pulumi.ComponentResource {
  readonly containers: Record<string, docker.Container> = {};

  constructor(name: string, args: HostContainersArgs, opts?: pulumi.ComponentResourceOptions) {
    super("roadwave:docker:HostContainers", name, {}, opts);
    const dockerOpts = { parent: this, provider: args.provider };

    const dataDirs = args.specs.flatMap((s) => s.dataDirs);
    const prepare = new command.remote.Command(
      `${name}-data-dirs`,
      {
        connection: args.connection,
        create: dataDirs.length === 0
          ? "true"
          : dataDirs.map((d) => `sudo install -d -m 0750 -o ${d.owner.split(":")[0]} -g ${d.owner.split(":")[1]} ${d.path}`).join(" && "),
        triggers: dataDirs.map((d) => `${d.path}:${d.owner}`),
      },
      { parent: this, dependsOn: args.dependsOn },
    );

    const network = args.specs.some((s) => s.network === "stack")
      ? new docker.Network(`${name}-network`, { name: "roadwave", driver: "bridge" }, { ...dockerOpts, dependsOn: [prepare] })
      : undefined;

    const images: Partial<Record<ImageName, docker.RemoteImage>> = {};
    for (const image of new Set(args.specs.map((s) => s.image))) {
      images[image] = new docker.RemoteImage(`${name}-image-${image}`, { name: IMAGES[image], keepLocally: true }, { ...dockerOpts, dependsOn: [prepare] });
    }

    for (const spec of args.specs) {
      const plain = containerUploads(spec, args.files);
      const [uid, gid] = (spec.user ?? "0:0").split(":") as [string, string];
      const plainUploads = Object.entries(plain).map(([file, content]) => ({ file, content, permissions: "0644" }));
      // Only a container that reads secret files gets secret uploads; the others stay readable in a preview.
      const uploads =
        spec.secretFiles.length === 0
          ? plainUploads
          : args.secretFiles.apply((files) => [
              ...plainUploads,
              // Readable by the service's user only.
              ...Object.entries(containerUploads(spec, files, spec.secretFiles)).map(([file, content]) => ({ file, content, owner: uid, group: gid, permissions: "0400" })),
            ]);

      const secretEnv = Object.entries(spec.secretEnv ?? {}).flatMap(([variable, secret]) => {
        const value = args.secretEnv(variable, secret);
        return value ? [pulumi.interpolate`${variable}=${value}`] : [];
      });
      const env = Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`);

      const image = images[spec.image] as docker.RemoteImage;
      this.containers[spec.name] = new docker.Container(
        `${name}-${spec.name}`,
        {
          name: spec.name,
          image: image.imageId,
          command: spec.command,
          envs: secretEnv.length > 0 ? pulumi.secret(pulumi.all(secretEnv).apply((values) => [...env, ...values])) : env,
          user: spec.user,
          restart: "unless-stopped",
          memory: spec.memoryMiB,
          logDriver: "json-file",
          logOpts: LOG_OPTIONS,
          healthcheck: { tests: spec.healthcheck, interval: "30s", timeout: "5s", retries: 3, startPeriod: "60s" },
          networkMode: spec.network === "host" ? "host" : undefined,
          networksAdvanced: spec.network === "stack" && network ? [{ name: network.name, aliases: [spec.name] }] : undefined,
          pidMode: spec.pidHost ? "host" : undefined,
          ports: spec.ports.map((p) => ({ internal: p.internal, external: p.external, ip: p.ip, protocol: "tcp" })),
          volumes: spec.binds.map((b) => ({ hostPath: b.hostPath, containerPath: b.containerPath, readOnly: b.readOnly ?? false })),
          uploads,
          labels: [
            { label: "roadwave.app", value: spec.name },
            { label: "roadwave.config-hash", value: hashOf(plain) },
          ],
          // `pulumi up` fails (instead of reporting success) when a container never becomes healthy.
          wait: true,
          waitTimeout: 180,
          mustRun: true,
        },
        { ...dockerOpts, dependsOn: [prepare] },
      );
    }
    this.registerOutputs({});
  }
}

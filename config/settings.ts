// Stack settings: one zod schema, the single source of truth for their types, plus the secrets each stack
// needs. `parseSettings` is pure (tested without Pulumi); `config/pulumiSettings.ts` feeds it from the
// Pulumi config and turns the secrets into Pulumi secret Outputs.
import { z } from "zod";
import { isHostInCidr, isIpv4, isIpv4Cidr, isNetworkAddress } from "./ipv4";
import { FLAVOR_SIZES } from "./flavors";
import { dhcpPool, inPool } from "./network";

export const PROJECT = "roadwave-monitoring";
export const STACKS = ["prod", "staging", "staging-dr"] as const;
export type StackName = (typeof STACKS)[number];

const HOSTNAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const SSH_PUBLIC_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/=]{40,}( .*)?$/;
// A fully qualified stack name: <organization>/<project>/<stack>.
const STACK_REFERENCE = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

const ipv4 = z.string().refine(isIpv4, { message: "is not an IPv4 address like 10.42.0.10" });
const port = z.number().int().min(1).max(65535);
const hostname = z.string().regex(HOSTNAME, "must be a lowercase host name like api-1 (letters, digits, -)");
const domain = z.string().regex(DOMAIN, "must be a lowercase DNS name like grafana.roadwave.fr");
const email = z.string().regex(EMAIL, "must be an email address like oncall@roadwave.fr");

const ovhSchema = z.strictObject({
  /** OVH Public Cloud project id (32 hex characters, "serviceName" in the OVH API). */
  serviceName: z.string().regex(/^[0-9a-f]{32}$/, "must be the 32-hex-character OVH Public Cloud project id"),
  /** Compute region, e.g. GRA11. */
  region: z.string().regex(/^[A-Z]{2,4}[0-9]{0,2}$/, "must be an OVH compute region like GRA11"),
});

const instanceSchema = z.strictObject({
  /** OVH flavor name, e.g. b3-16. */
  flavor: z.string().refine((f) => f in FLAVOR_SIZES, {
    message: `must be one of the OVH flavors ${Object.keys(FLAVOR_SIZES).join(", ")} (add others to config/flavors.ts)`,
  }),
  /** OVH image name, e.g. "Debian 12". */
  image: z.string().min(1).default("Debian 12"),
  dataVolumeGb: z.number().int().min(10, "must be at least 10 (GB)").max(4000, "must be at most 4000 (GB)"),
  privateIp: ipv4,
  /** Availability zone, for regions that have several (3-AZ regions). */
  availabilityZone: z.string().min(1).optional(),
});
export type InstanceSettings = z.infer<typeof instanceSchema>;

const adminSchema = z.strictObject({
  /** The login user of the image (Debian images: debian). */
  sshUser: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a Unix user name").default("debian"),
  sshPublicKeys: z
    .array(z.string().regex(SSH_PUBLIC_KEY, "must be an OpenSSH public key line (ssh-ed25519 AAAA... comment)"))
    .min(1, "needs at least one admin SSH public key"),
  /** CIDRs allowed to reach SSH (22) publicly. */
  cidrs: z
    .array(z.string().refine(isIpv4Cidr, { message: "is not an IPv4 CIDR like 203.0.113.0/28" }))
    .min(1, "needs at least one admin CIDR for SSH"),
});

const monitoredApiSchema = z.strictObject({
  name: hostname,
  privateIp: ipv4,
  /** Port of the API's Prometheus /metrics endpoint. */
  metricsPort: port.default(8080),
});
const monitoredHostSchema = z.strictObject({
  name: hostname,
  privateIp: ipv4,
  port,
});
const zitadelSchema = z.strictObject({
  name: hostname,
  privateIp: ipv4,
  metricsPort: port.default(8080),
  metricsPath: z.string().regex(/^\/\S*$/, "must be an absolute path like /debug/metrics").default("/debug/metrics"),
});
const monitoredSchema = z.strictObject({
  /** SSH user on the RoadWave hosts (must be in the docker group). */
  sshUser: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a Unix user name").default("debian"),
  api: z.array(monitoredApiSchema).min(1, "needs at least one RoadWave API instance"),
  postgresql: monitoredHostSchema.extend({ port: port.default(5432) }),
  redis: monitoredHostSchema.extend({ port: port.default(6379) }),
  zitadel: zitadelSchema,
});

const retentionSchema = z
  .strictObject({
    prometheusDays: z.number().int().positive("must be a positive number of days").default(15),
    lokiDays: z.number().int().positive("must be a positive number of days").default(7),
    backupDays: z.number().int().positive("must be a positive number of days").default(7),
  })
  .default({ prometheusDays: 15, lokiDays: 7, backupDays: 7 });

const alertingSchema = z.strictObject({
  emailTo: z.array(email).min(1, "needs at least one alert recipient"),
  emailFrom: email,
  smtp: z
    .strictObject({
      host: domain.default("smtp-relay.brevo.com"),
      port: port.default(587),
      /** Brevo SMTP login (the password is the secret smtpPassword). */
      username: z.string().min(1, "must be the Brevo SMTP login"),
    }),
});

const domainsSchema = z.strictObject({
  grafana: domain,
  statusPage: domain,
  /** Public API host; Uptime Kuma checks https://<api>/health. */
  api: domain,
  /** Public Zitadel host. */
  auth: domain,
  /** Contact address for Let's Encrypt (Caddy's automatic TLS). */
  acmeEmail: email,
});

const uptimeKumaSchema = z.strictObject({
  statusPageSlug: z.string().regex(SLUG, "must be a lowercase slug like roadwave-status"),
  statusPageTitle: z.string().min(1).default("RoadWave status"),
  adminUsername: z.string().min(3, "must be at least 3 characters").default("admin"),
});

const backupSchema = z.strictObject({
  /** Bucket name; globally unique on OVH S3. */
  bucketName: z.string().regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, "must be an S3 bucket name (3-63 of a-z 0-9 -)"),
  /** Object storage region (the S3 endpoint is s3.<region lowercased>.io.cloud.ovh.net). */
  region: z.string().regex(/^[A-Z]{2,4}$/, "must be an OVH object storage region like GRA").default("GRA"),
});

const verificationQuerySchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9_]+$/, "must be a short snake_case name"),
  database: z.string().min(1).default("postgres"),
  /** A query returning one number. */
  sql: z.string().min(1),
  /** The check passes when the number is at least this. */
  min: z.number().default(1),
});

const drSchema = z.strictObject({
  /** Fully qualified name of the prod stack whose backups are restored. */
  prodStack: z.string().regex(STACK_REFERENCE, "must be a fully qualified stack name like my-org/roadwave-monitoring/prod"),
  /** Fully qualified name of the staging stack: its private network and Pushgateway are used. */
  stagingStack: z.string().regex(STACK_REFERENCE, "must be a fully qualified stack name like my-org/roadwave-monitoring/staging"),
  /** Restore to this point in time instead of the latest backup (ISO 8601 with offset). */
  targetTime: z.iso.datetime({ offset: true, message: "must be an ISO 8601 time like 2026-12-01T04:00:00Z" }).optional(),
  verificationQueries: z.array(verificationQuerySchema).min(1, "needs at least one verification query"),
});

const privateNetworkSchema = z.strictObject({
  /** vRack VLAN id (0-4000). */
  vlanId: z.number().int().min(0).max(4000),
  cidr: z.string().refine(isIpv4Cidr, { message: "is not an IPv4 CIDR like 10.42.0.0/24" }),
  /** The subnet's gateway address (the OVH gateway that gives the hosts egress). */
  gatewayIp: ipv4,
});

const monitoringStackSchema = z.strictObject({
  environment: z.enum(["prod", "staging"]),
  ovh: ovhSchema,
  network: privateNetworkSchema,
  hosts: z.strictObject({
    monitoring: instanceSchema,
    /** Required in prod: Uptime Kuma watches the monitoring host from another host. */
    uptimeKuma: instanceSchema.optional(),
  }),
  admin: adminSchema,
  monitored: monitoredSchema,
  retention: retentionSchema,
  alerting: alertingSchema,
  domains: domainsSchema,
  uptimeKuma: uptimeKumaSchema,
  /** Required in prod: the PostgreSQL backup bucket. */
  backup: backupSchema.optional(),
});

const drStackSchema = z.strictObject({
  environment: z.literal("staging-dr"),
  ovh: ovhSchema,
  /** The staging stack's private network: the restore host joins it. */
  network: z.strictObject({
    cidr: z.string().refine(isIpv4Cidr, { message: "is not an IPv4 CIDR like 10.43.0.0/24" }),
  }),
  hosts: z.strictObject({ restore: instanceSchema }),
  admin: adminSchema,
  dr: drSchema,
});

export const settingsSchema = z.discriminatedUnion("environment", [monitoringStackSchema, drStackSchema], {
  error: () => `must be one of ${STACKS.join(", ")}`,
});

export type Settings = z.infer<typeof settingsSchema>;
export type MonitoringStackSettings = z.infer<typeof monitoringStackSchema>;
export type DrStackSettings = z.infer<typeof drStackSchema>;

/** The top-level Pulumi config keys (namespace roadwave-monitoring:) that hold plain settings. */
export const SETTING_KEYS = [
  "environment", "ovh", "network", "hosts", "admin", "monitored", "retention",
  "alerting", "domains", "uptimeKuma", "backup", "dr",
] as const;

// ---- secrets ----------------------------------------------------------------------------------------

interface SecretSpec {
  what: string;
  example: string;
  /** Required for these environments (when `when` holds, if given). */
  requiredIn: readonly StackName[];
  usedIn: readonly StackName[];
  when?: (settings: Settings) => boolean;
  /** Format problem with the value, never echoing it. */
  check?: (value: string) => string | undefined;
}

const httpsUrl = (prefixes: string[], what: string) => (value: string) =>
  prefixes.some((p) => value.startsWith(p)) && !/\s/.test(value)
    ? undefined
    : `is not a ${what} (it must start with ${prefixes.join(" or ")})`;

export const SECRET_SPECS = {
  smtpPassword: {
    what: "the Brevo SMTP key used by Alertmanager, Grafana and Uptime Kuma",
    example: "<Brevo SMTP key>",
    requiredIn: ["prod", "staging"],
    usedIn: ["prod", "staging"],
  },
  slackWebhookUrl: {
    what: "the Slack incoming webhook URL for alerts",
    example: "https://hooks.slack.com/services/T000/B000/XXXX",
    requiredIn: [],
    usedIn: ["prod", "staging"],
    check: httpsUrl(["https://hooks.slack.com/"], "Slack incoming webhook URL"),
  },
  discordWebhookUrl: {
    what: "the Discord webhook URL for alerts",
    example: "https://discord.com/api/webhooks/<id>/<token>",
    requiredIn: [],
    usedIn: ["prod", "staging"],
    check: httpsUrl(
      ["https://discord.com/api/webhooks/", "https://discordapp.com/api/webhooks/"],
      "Discord webhook URL",
    ),
  },
  sshPrivateKey: {
    what: "the private SSH key Pulumi uses to reach the hosts (Docker over SSH, remote commands)",
    example: '"$(cat ~/.ssh/roadwave_deploy)"',
    requiredIn: ["prod", "staging", "staging-dr"],
    usedIn: ["prod", "staging", "staging-dr"],
    check: (v: string) =>
      /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(v) && /-----END [A-Z ]*PRIVATE KEY-----/.test(v)
        ? undefined
        : "is not a PEM/OpenSSH private key (-----BEGIN ... PRIVATE KEY-----)",
  },
  uptimeKumaAdminPassword: {
    what: "the Uptime Kuma admin password (set up on first start)",
    example: "<a long random password>",
    requiredIn: ["prod", "staging"],
    usedIn: ["prod", "staging"],
    check: (v: string) => {
      const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(v)).length;
      return v.length >= 12 && classes >= 2
        ? undefined
        : "is too weak for Uptime Kuma (at least 12 characters of at least 2 kinds: lower, upper, digit, symbol)";
    },
  },
  postgresExporterPassword: {
    what: "the password of the pg_monitor login role postgres_exporter uses",
    example: "<a long random password>",
    requiredIn: ["prod", "staging"],
    usedIn: ["prod", "staging"],
    check: (v: string) => (v.length >= 16 ? undefined : "is shorter than 16 characters"),
  },
  redisPassword: {
    what: "the Redis password (requirepass) redis_exporter authenticates with; omit if Redis has none",
    example: "<the Redis requirepass>",
    requiredIn: [],
    usedIn: ["prod", "staging"],
  },
  pgbackrestPassphrase: {
    what: "the pgBackRest repository encryption passphrase",
    example: '"$(openssl rand -base64 48)"',
    requiredIn: ["prod", "staging"],
    usedIn: ["prod", "staging"],
    when: (s: Settings) => s.environment !== "staging-dr" && s.backup !== undefined,
    check: (v: string) => (v.length >= 32 ? undefined : "is shorter than 32 characters"),
  },
} as const satisfies Record<string, SecretSpec>;

export type SecretName = keyof typeof SECRET_SPECS;
export const SECRET_NAMES = Object.keys(SECRET_SPECS) as SecretName[];

/** The secrets a stack uses (whether set or not). */
export function secretsUsedBy(environment: StackName): SecretName[] {
  return SECRET_NAMES.filter((name) => (SECRET_SPECS[name].usedIn as readonly StackName[]).includes(environment));
}

// ---- problems ---------------------------------------------------------------------------------------

export interface SettingsProblem {
  /** Config key path, e.g. roadwave-monitoring:network.cidr */
  key: string;
  problem: string;
  fix: string;
}

export class SettingsError extends Error {
  constructor(
    readonly stackName: string,
    readonly problems: SettingsProblem[],
  ) {
    super(formatProblems(stackName, problems));
    this.name = "SettingsError";
  }
}

export function formatProblems(stack: string, problems: SettingsProblem[]): string {
  const lines = problems.map((p) => `  - ${p.key}: ${p.problem}\n    fix: ${p.fix}`);
  const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
  return `Invalid settings for stack "${stack}" (${count}):\n${lines.join("\n")}`;
}

function keyOf(path: readonly PropertyKey[]): string {
  const parts = path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`));
  return `${PROJECT}:${parts.join("")}`;
}

function setCommand(stack: string, path: readonly PropertyKey[], value: string): string {
  const key = keyOf(path);
  const pathFlag = path.length > 1 ? "--path " : "";
  return `pulumi config set ${pathFlag}'${key}' ${value} -s ${stack}`;
}

function exampleFor(path: readonly PropertyKey[]): string {
  const last = String(path[path.length - 1] ?? "");
  const examples: Record<string, string> = {
    environment: "prod", serviceName: "0123456789abcdef0123456789abcdef", region: "GRA11", vlanId: "42",
    cidr: "10.42.0.0/24", gatewayIp: "10.42.0.1", privateIp: "10.42.0.10", flavor: "b3-16", dataVolumeGb: "100",
    emailTo: "oncall@roadwave.fr", emailFrom: "alerts@roadwave.fr", username: "alerts@smtp-brevo.com",
    grafana: "grafana.roadwave.fr", statusPage: "status.roadwave.fr", api: "api.roadwave.fr", auth: "auth.roadwave.fr",
    acmeEmail: "ops@roadwave.fr", statusPageSlug: "roadwave", bucketName: "roadwave-prod-pgbackrest",
    prodStack: "my-org/roadwave-monitoring/prod", stagingStack: "my-org/roadwave-monitoring/staging",
    name: "api-1", port: "5432", metricsPort: "8080",
  };
  return examples[last] ?? "<value>";
}

/** Fields of each settings section, for the fix of a missing section. */
const SECTION_FIELDS: Record<string, string[]> = Object.fromEntries(
  [...Object.entries(drStackSchema.shape), ...Object.entries(monitoringStackSchema.shape)].flatMap(([key, schema]) => {
    const inner = (schema as z.ZodType).def.type === "optional" || (schema as z.ZodType).def.type === "default"
      ? ((schema as unknown as { def: { innerType: z.ZodType } }).def.innerType)
      : (schema as z.ZodType);
    return inner instanceof z.ZodObject ? [[key, Object.keys(inner.shape)]] : [];
  }),
);

function zodProblems(stack: string, error: z.ZodError): SettingsProblem[] {
  return error.issues.map((issue) => {
    const path = issue.path;
    const key = keyOf(path);
    if (issue.code === "invalid_type" && issue.input === undefined && path.length === 1 && path[0] !== "environment") {
      const fields = SECTION_FIELDS[String(path[0])];
      return {
        key,
        problem: "is missing",
        fix: `add a "${key}:" map to Pulumi.${stack}.yaml${fields ? ` with ${fields.join(", ")}` : ""} (see docs/settings.md)`,
      };
    }
    if (issue.code === "invalid_type" && issue.input === undefined) {
      return {
        key,
        problem: "is missing",
        fix: `set it in Pulumi.${stack}.yaml or run: ${setCommand(stack, path, exampleFor(path))}`,
      };
    }
    if (issue.code === "unrecognized_keys") {
      return {
        key,
        problem: `has unknown key(s) ${issue.keys.join(", ")}`,
        fix: `remove or rename them in Pulumi.${stack}.yaml (a typo?)`,
      };
    }
    const message = issue.message.replace(/^Invalid input: /, "");
    return {
      key,
      problem: message,
      fix: `correct it in Pulumi.${stack}.yaml, e.g. ${setCommand(stack, path, exampleFor(path))}`,
    };
  });
}

function crossFieldProblems(stack: string, s: Settings): SettingsProblem[] {
  const problems: SettingsProblem[] = [];
  const add = (path: PropertyKey[], problem: string, fix: string) => problems.push({ key: keyOf(path), problem, fix });
  const file = `Pulumi.${stack}.yaml`;

  if (!isNetworkAddress(s.network.cidr)) {
    add(["network", "cidr"], `${s.network.cidr} is not a network address (host bits set)`, `use the network address, e.g. 10.42.0.0/24, in ${file}`);
  }

  // Every static address must be a usable host address of the private subnet, and unique.
  const addresses: { path: PropertyKey[]; ip: string }[] = [];
  if (s.environment === "staging-dr") {
    addresses.push({ path: ["hosts", "restore", "privateIp"], ip: s.hosts.restore.privateIp });
  } else {
    addresses.push({ path: ["network", "gatewayIp"], ip: s.network.gatewayIp });
    addresses.push({ path: ["hosts", "monitoring", "privateIp"], ip: s.hosts.monitoring.privateIp });
    if (s.hosts.uptimeKuma) addresses.push({ path: ["hosts", "uptimeKuma", "privateIp"], ip: s.hosts.uptimeKuma.privateIp });
    s.monitored.api.forEach((a, i) => addresses.push({ path: ["monitored", "api", i, "privateIp"], ip: a.privateIp }));
    addresses.push({ path: ["monitored", "postgresql", "privateIp"], ip: s.monitored.postgresql.privateIp });
    addresses.push({ path: ["monitored", "redis", "privateIp"], ip: s.monitored.redis.privateIp });
    addresses.push({ path: ["monitored", "zitadel", "privateIp"], ip: s.monitored.zitadel.privateIp });
  }
  const seen = new Map<string, string>();
  for (const { path, ip } of addresses) {
    if (!isHostInCidr(ip, s.network.cidr)) {
      add(path, `${ip} is not a usable address of the private network ${s.network.cidr}`, `pick an address inside ${s.network.cidr} (not its network or broadcast address) in ${file}`);
    }
    const pool = dhcpPool(s.network.cidr);
    if (isHostInCidr(ip, s.network.cidr) && inPool(ip, pool)) {
      add(path, `${ip} is inside the DHCP pool ${pool.start}-${pool.end} of ${s.network.cidr}`, `pick a static address below ${pool.start} in ${file}`);
    }
    const other = seen.get(ip);
    if (other !== undefined) {
      add(path, `${ip} is already used by ${other}`, `give every host its own private address in ${file}`);
    } else {
      seen.set(ip, keyOf(path));
    }
  }

  if (s.environment !== "staging-dr") {
    const names = new Map<string, string>();
    const named: { path: PropertyKey[]; name: string }[] = [
      ...s.monitored.api.map((a, i) => ({ path: ["monitored", "api", i, "name"] as PropertyKey[], name: a.name })),
      { path: ["monitored", "postgresql", "name"], name: s.monitored.postgresql.name },
      { path: ["monitored", "redis", "name"], name: s.monitored.redis.name },
      { path: ["monitored", "zitadel", "name"], name: s.monitored.zitadel.name },
    ];
    for (const { path, name } of named) {
      const other = names.get(name);
      if (other !== undefined) add(path, `name ${name} is already used by ${other}`, `give every monitored host its own name in ${file}`);
      else names.set(name, keyOf(path));
    }
    if (s.environment === "prod" && !s.hosts.uptimeKuma) {
      add(["hosts", "uptimeKuma"], "is missing: prod runs Uptime Kuma on its own host so that it outlives the monitoring host",
        `add hosts.uptimeKuma (flavor, image, dataVolumeGb, privateIp) to ${file}`);
    }
    if (s.environment === "prod" && !s.backup) {
      add(["backup"], "is missing: prod keeps continuous PostgreSQL backups in an OVH bucket",
        `add backup.bucketName to ${file}, e.g. ${setCommand(stack, ["backup", "bucketName"], "roadwave-prod-pgbackrest")}`);
    }
    if (s.environment === "prod" && s.retention.prometheusDays < 15) {
      add(["retention", "prometheusDays"], `${s.retention.prometheusDays} days is below the 15 days ADR-024 requires in prod`, `set it to 15 or more in ${file}`);
    }
    if (s.environment === "prod" && s.retention.lokiDays < 7) {
      add(["retention", "lokiDays"], `${s.retention.lokiDays} days is below the 7 days ADR-024 requires in prod`, `set it to 7 or more in ${file}`);
    }
    if (s.environment === "prod" && s.retention.backupDays < 7) {
      add(["retention", "backupDays"], `${s.retention.backupDays} days is below the 7 days ADR-024 requires in prod`, `set it to 7 or more in ${file}`);
    }
    if (s.domains.grafana === s.domains.statusPage) {
      add(["domains", "statusPage"], "is the same name as domains.grafana", `give Grafana and the status page their own names in ${file}`);
    }
  } else if (s.dr.prodStack === s.dr.stagingStack) {
    add(["dr", "stagingStack"], "names the same stack as dr.prodStack", `name the staging stack, e.g. ${setCommand(stack, ["dr", "stagingStack"], "my-org/roadwave-monitoring/staging")}`);
  } else if (!s.dr.prodStack.endsWith("/prod")) {
    add(["dr", "prodStack"], `${s.dr.prodStack} does not name a prod stack`, `name the prod stack, e.g. ${setCommand(stack, ["dr", "prodStack"], "my-org/roadwave-monitoring/prod")}`);
  }
  return problems;
}

function secretProblems(
  stack: string,
  environment: StackName,
  settings: Settings | undefined,
  secrets: Partial<Record<SecretName, string>>,
): SettingsProblem[] {
  const problems: SettingsProblem[] = [];
  for (const name of SECRET_NAMES) {
    const spec: SecretSpec = SECRET_SPECS[name];
    const value = secrets[name];
    const key = `${PROJECT}:${name}`;
    const command = `pulumi config set --secret ${key} ${spec.example} -s ${stack}`;
    // Without valid settings a conditional secret is assumed required: its own check runs again once they parse.
    const required = spec.requiredIn.includes(environment) && (settings === undefined || (spec.when?.(settings) ?? true));
    if (value === undefined || value === "") {
      if (required) problems.push({ key, problem: `is missing: ${spec.what}`, fix: `run: ${command}` });
      continue;
    }
    if (!spec.usedIn.includes(environment)) {
      problems.push({ key, problem: `is set but the ${environment} stack does not use it`, fix: `run: pulumi config rm ${key} -s ${stack}` });
      continue;
    }
    const wrong = spec.check?.(value);
    if (wrong) problems.push({ key, problem: `${wrong} (value not shown)`, fix: `run: ${command}` });
  }
  if (environment !== "staging-dr" && !secrets.slackWebhookUrl && !secrets.discordWebhookUrl) {
    problems.push({
      key: `${PROJECT}:slackWebhookUrl`,
      problem: "no chat webhook is set: critical alerts need Slack or Discord (or both)",
      fix: `run: pulumi config set --secret ${PROJECT}:slackWebhookUrl ${SECRET_SPECS.slackWebhookUrl.example} -s ${stack} (or discordWebhookUrl)`,
    });
  }
  return problems;
}

export interface ParsedSettings {
  settings: Settings;
  /** Names of the secrets that are set for this stack. */
  secretsSet: SecretName[];
}

/**
 * Validates a stack's raw settings and secrets and reports every problem at once.
 * `raw` maps the top-level keys (without namespace) to their parsed YAML values; `secrets` maps secret names
 * to their values (only used for presence and format checks, never echoed); `plaintextSecrets` names those that
 * were not stored encrypted.
 */
export function parseSettings(
  stack: string,
  raw: Record<string, unknown>,
  secrets: Partial<Record<SecretName, string>>,
  plaintextSecrets: readonly SecretName[] = [],
): ParsedSettings {
  const problems: SettingsProblem[] = plaintextSecrets.map((name) => ({
    key: `${PROJECT}:${name}`,
    problem: "is stored in plain text in the stack file",
    fix: `run: pulumi config set --secret ${PROJECT}:${name} ${SECRET_SPECS[name].example} -s ${stack}`,
  }));
  for (const key of Object.keys(raw)) {
    if (!(SETTING_KEYS as readonly string[]).includes(key) && !(SECRET_NAMES as string[]).includes(key)) {
      problems.push({ key: `${PROJECT}:${key}`, problem: "is not a known setting", fix: `remove it from Pulumi.${stack}.yaml (known: ${SETTING_KEYS.join(", ")})` });
    }
  }
  const input = Object.fromEntries(Object.entries(raw).filter(([k]) => (SETTING_KEYS as readonly string[]).includes(k)));
  const result = settingsSchema.safeParse(input);
  const environment = result.success ? result.data.environment : (STACKS as readonly unknown[]).includes(raw.environment) ? (raw.environment as StackName) : undefined;
  if (!result.success) problems.push(...zodProblems(stack, result.error));
  if (result.success && (STACKS as readonly string[]).includes(stack) && result.data.environment !== stack) {
    problems.push({
      key: `${PROJECT}:environment`,
      problem: `is ${result.data.environment} but the stack is ${stack}`,
      fix: `run: pulumi config set ${PROJECT}:environment ${stack} -s ${stack}`,
    });
  }
  if (result.success) problems.push(...crossFieldProblems(stack, result.data));
  if (environment) problems.push(...secretProblems(stack, environment, result.success ? result.data : undefined, secrets));
  if (problems.length > 0 || !result.success) throw new SettingsError(stack, problems);
  const settings = result.data;
  const secretsSet = SECRET_NAMES.filter((n) => secrets[n] !== undefined && secrets[n] !== "");
  return { settings, secretsSet };
}

/** Pulumi passes structured config values as JSON text, numbers and booleans as their text. */
function decodeConfigValue(value: string): unknown {
  if (/^\s*[[{]/.test(value)) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (value === "true" || value === "false") return value === "true";
  return value;
}

export interface SplitConfig {
  /** Plain settings by top-level key (namespace removed), decoded. */
  raw: Record<string, unknown>;
  secrets: Partial<Record<SecretName, string>>;
  /** Secrets that were not stored encrypted. */
  plaintextSecrets: SecretName[];
}

/** Splits a Pulumi config map (full keys) into the arguments of `parseSettings`. */
export function splitPulumiConfig(config: Record<string, string>, storedEncrypted: (fullKey: string) => boolean): SplitConfig {
  const prefix = `${PROJECT}:`;
  const split: SplitConfig = { raw: {}, secrets: {}, plaintextSecrets: [] };
  for (const [fullKey, value] of Object.entries(config)) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    if ((SECRET_NAMES as string[]).includes(key)) {
      split.secrets[key as SecretName] = value;
      if (!storedEncrypted(fullKey)) split.plaintextSecrets.push(key as SecretName);
    } else {
      split.raw[key] = decodeConfigValue(value);
    }
  }
  return split;
}

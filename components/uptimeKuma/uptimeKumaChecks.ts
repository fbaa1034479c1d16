// A stack's Uptime Kuma content: the alert channels (notifications), the external checks (monitors) and the
// public status page, as declared by config/uptimeKuma.ts. Also gives Alertmanager the Watchdog push URL
// (generating the token unless the caller passes one).
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { StackSecrets } from "../../config/loadSettings";
import type { MonitoringStackSettings } from "../../config/settings";
import { declareUptimeKuma, KUMA_PORT, kumaPrivateIp, watchdogPushUrl, type KumaFieldValue } from "../../config/uptimeKuma";
import { KumaMonitor, KumaNotification, KumaStatusPage } from "./kumaResources";

export interface UptimeKumaChecksArgs {
  settings: MonitoringStackSettings;
  /** smtpPassword, uptimeKumaAdminPassword (required); slackWebhookUrl / discordWebhookUrl when set. */
  secrets: StackSecrets;
  /**
   * SSH access to the host Uptime Kuma runs on (DockerHost.connection: public IP, admin user, deploy key). The
   * provider opens its own tunnel through it (docs/uptime-kuma.md): the admin UI is not public.
   */
  ssh?: { host: pulumi.Input<string>; user: pulumi.Input<string>; privateKey: pulumi.Input<string>; port?: pulumi.Input<number> };
  /**
   * Uptime Kuma's URL as the SSH host reaches it; default http://<kuma private ip>:3001. Without `ssh`, as this
   * process reaches it (e.g. a tunnel opened by hand).
   */
  kumaUrl?: pulumi.Input<string>;
  /** Timeout of each Kuma call and of connecting (the host or container may still be starting). Default 60 s. */
  timeoutSeconds?: number;
  /** Resources Uptime Kuma must wait for (its container). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
  /**
   * The Watchdog push token when the caller already generated it for Alertmanager; otherwise this component
   * generates one (a 32-character alphanumeric RandomPassword) and `watchdogPushUrl` carries it.
   */
  watchdogPushToken?: pulumi.Input<string>;
}

export class UptimeKumaChecks extends pulumi.ComponentResource {
  /** Alertmanager's `watchdog` receiver posts here (secret: the token is the only credential). */
  readonly watchdogPushUrl: pulumi.Output<string>;
  readonly statusPageSlug: pulumi.Output<string>;
  /** Kuma monitor ids by declaration key. */
  readonly monitorIds: pulumi.Output<Record<string, number>>;

  constructor(name: string, args: UptimeKumaChecksArgs, opts?: pulumi.ComponentResourceOptions) {
    super("roadwave:monitoring:UptimeKumaChecks", name, {}, opts);
    const { settings, secrets } = args;
    const adminPassword = secrets.uptimeKumaAdminPassword;
    if (!adminPassword) throw new Error("UptimeKumaChecks needs the secret uptimeKumaAdminPassword");
    const declarations = declareUptimeKuma(settings, { slack: secrets.slackWebhookUrl !== undefined, discord: secrets.discordWebhookUrl !== undefined });
    if (!args.ssh && args.kumaUrl === undefined) throw new Error("UptimeKumaChecks needs ssh (the Kuma host's SSH access) or kumaUrl");
    const connection = {
      url: args.kumaUrl ?? `http://${kumaPrivateIp(settings)}:${KUMA_PORT}`,
      username: settings.uptimeKuma.adminUsername,
      password: adminPassword,
      timeoutSeconds: args.timeoutSeconds ?? 60,
      ...(args.ssh ? { ssh: args.ssh } : {}),
    };
    const childOpts: pulumi.CustomResourceOptions = { parent: this, ...(args.dependsOn ? { dependsOn: args.dependsOn } : {}) };

    const notificationIds = new Map<string, pulumi.Output<number>>();
    for (const decl of declarations.notifications) {
      const fields: Record<string, pulumi.Input<KumaFieldValue>> = { ...decl.fields };
      for (const [field, secretName] of Object.entries(decl.secretFields)) {
        const value = secrets[secretName];
        if (!value) throw new Error(`Uptime Kuma notification ${decl.key} needs the secret ${secretName}`);
        fields[field] = value;
      }
      const notification = new KumaNotification(`${name}-notification-${decl.key}`, {
        connection, owner: declarations.owner, key: decl.key, name: decl.name, type: decl.type, fields,
      }, childOpts);
      notificationIds.set(decl.key, notification.notificationId);
    }

    // Secret whatever the caller passes: the token is the push route's only credential.
    const watchdogToken = pulumi.secret(
      args.watchdogPushToken ?? new random.RandomPassword(`${name}-watchdog-push-token`, { length: 32, special: false }, { parent: this }).result,
    );
    const monitors = new Map<string, KumaMonitor>();
    for (const decl of declarations.monitors) {
      const ids = decl.notificationKeys.map((key) => {
        const id = notificationIds.get(key);
        if (!id) throw new Error(`monitor ${decl.key} names an undeclared notification ${key}`);
        return id;
      });
      monitors.set(decl.key, new KumaMonitor(`${name}-monitor-${decl.key}`, {
        connection, owner: declarations.owner, key: decl.key, monitor: decl.fields, notificationIds: ids,
        ...(decl.watchdog ? { pushToken: watchdogToken } : {}),
      }, childOpts));
    }

    const page = declarations.statusPage;
    const statusPage = new KumaStatusPage(`${name}-status-page`, {
      connection,
      slug: page.slug,
      title: page.title,
      description: page.description,
      footerText: page.footerText,
      domainNameList: page.domainNameList,
      groups: page.groups.map((group) => ({
        name: group.name,
        monitorIds: group.monitorKeys.map((key) => {
          const monitor = monitors.get(key);
          if (!monitor) throw new Error(`status page group ${group.name} names an undeclared monitor ${key}`);
          return monitor.monitorId;
        }),
      })),
    }, childOpts);

    this.watchdogPushUrl = pulumi.secret(watchdogToken.apply((token) => watchdogPushUrl(settings, token)));
    this.statusPageSlug = statusPage.slug;
    this.monitorIds = pulumi.all([...monitors].map(([key, m]) => m.monitorId.apply((id) => [key, id] as const)))
      .apply((entries) => Object.fromEntries(entries));
    this.registerOutputs({ watchdogPushUrl: this.watchdogPushUrl, statusPageSlug: this.statusPageSlug, monitorIds: this.monitorIds });
  }
}

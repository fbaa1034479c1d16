// The Uptime Kuma objects as Pulumi resources (dynamic providers in ./kumaProvider.ts). Identity is Kuma's
// numeric id (the slug for a status page), never the name.
import * as pulumi from "@pulumi/pulumi";
import type { KumaFieldValue, KumaMonitorFields } from "../../config/uptimeKuma";
import { kumaMonitorProvider, kumaNotificationProvider, kumaStatusPageProvider } from "./kumaProvider";

export interface KumaConnectionInput {
  url: pulumi.Input<string>;
  username: pulumi.Input<string>;
  password: pulumi.Input<string>;
  timeoutSeconds?: pulumi.Input<number>;
  ssh?: pulumi.Input<{ host: pulumi.Input<string>; user: pulumi.Input<string>; privateKey: pulumi.Input<string>; port?: pulumi.Input<number> }>;
}

/** The connection carries the admin password: keep it (and every secret field) out of plain state. */
const SECRET_OUTPUTS = ["connection"];

export interface KumaNotificationArgs {
  connection: KumaConnectionInput;
  /** Ownership marker owner, e.g. roadwave-monitoring/prod. */
  owner: pulumi.Input<string>;
  /** Stable key within the owner. */
  key: pulumi.Input<string>;
  name: pulumi.Input<string>;
  type: pulumi.Input<string>;
  fields: pulumi.Input<Record<string, pulumi.Input<KumaFieldValue>>>;
}

export class KumaNotification extends pulumi.dynamic.Resource {
  declare readonly notificationId: pulumi.Output<number>;

  constructor(name: string, args: KumaNotificationArgs, opts?: pulumi.CustomResourceOptions) {
    super(kumaNotificationProvider, name, { ...args, notificationId: undefined }, {
      ...opts,
      additionalSecretOutputs: [...SECRET_OUTPUTS, "fields"],
    }, "uptimeKuma", "KumaNotification");
  }
}

export interface KumaMonitorArgs {
  connection: KumaConnectionInput;
  owner: pulumi.Input<string>;
  key: pulumi.Input<string>;
  monitor: pulumi.Input<KumaMonitorFields>;
  notificationIds: pulumi.Input<pulumi.Input<number>[]>;
  /** Push monitors: the token in /api/push/<token>. */
  pushToken?: pulumi.Input<string>;
}

export class KumaMonitor extends pulumi.dynamic.Resource {
  declare readonly monitorId: pulumi.Output<number>;

  constructor(name: string, args: KumaMonitorArgs, opts?: pulumi.CustomResourceOptions) {
    super(kumaMonitorProvider, name, { ...args, monitorId: undefined }, {
      ...opts,
      additionalSecretOutputs: [...SECRET_OUTPUTS, "pushToken"],
    }, "uptimeKuma", "KumaMonitor");
  }
}

export interface KumaStatusPageArgs {
  connection: KumaConnectionInput;
  slug: pulumi.Input<string>;
  title: pulumi.Input<string>;
  description: pulumi.Input<string>;
  footerText: pulumi.Input<string>;
  domainNameList: pulumi.Input<pulumi.Input<string>[]>;
  /** All the page's groups: saving replaces them. */
  groups: pulumi.Input<pulumi.Input<{ name: pulumi.Input<string>; monitorIds: pulumi.Input<pulumi.Input<number>[]> }>[]>;
}

export class KumaStatusPage extends pulumi.dynamic.Resource {
  declare readonly slug: pulumi.Output<string>;

  constructor(name: string, args: KumaStatusPageArgs, opts?: pulumi.CustomResourceOptions) {
    super(kumaStatusPageProvider, name, { ...args }, { ...opts, additionalSecretOutputs: SECRET_OUTPUTS }, "uptimeKuma", "KumaStatusPage");
  }
}

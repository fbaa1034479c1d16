// Waiting helpers shared by the live tests and the MTTD benchmark: notifications arriving at the sinks,
// alert state in Prometheus and Alertmanager.
import { matching, type Channel, type Notification } from "./notifications";
import { httpJson, type Sandbox } from "./sandbox";
import { waitFor } from "./supervisor";

/** Waits until `alertname` with `status` has arrived, since `since`, on every one of `channels`. */
export async function waitForNotifications(
  sandbox: Sandbox,
  alertname: string,
  status: "firing" | "resolved",
  channels: Channel[],
  since: number,
  timeoutMs: number,
): Promise<Record<Channel, Notification | undefined>> {
  return waitFor(`${alertname} ${status} at ${channels.join(", ")}`, () => {
    const found = matching(sandbox.notifications(), alertname, status, since);
    const first = Object.fromEntries(channels.map((c) => [c, found.find((n) => n.channel === c)])) as Record<Channel, Notification | undefined>;
    return channels.every((c) => first[c] !== undefined) ? first : undefined;
  }, timeoutMs, 100);
}

export interface PrometheusAlert {
  labels: Record<string, string>;
  state: "pending" | "firing";
  activeAt: string;
}

export async function prometheusAlerts(sandbox: Sandbox): Promise<PrometheusAlert[]> {
  const body = await httpJson<{ data: { alerts: PrometheusAlert[] } }>(`${sandbox.urls.prometheus}/api/v1/alerts`);
  return body.data.alerts;
}

/** Waits until Prometheus has no pending or firing `alertname` (the fault's effect is over). */
export async function waitUntilInactive(sandbox: Sandbox, alertname: string, timeoutMs: number): Promise<void> {
  await waitFor(`${alertname} to be inactive in Prometheus`, async () => {
    const alerts = await prometheusAlerts(sandbox);
    return alerts.some((a) => a.labels.alertname === alertname) ? undefined : true;
  }, timeoutMs, 500);
}

export interface AlertmanagerAlert {
  labels: Record<string, string>;
  status: { state: "active" | "suppressed" | "unprocessed"; silencedBy: string[]; inhibitedBy: string[] };
}

export async function alertmanagerAlerts(sandbox: Sandbox): Promise<AlertmanagerAlert[]> {
  return httpJson<AlertmanagerAlert[]>(`${sandbox.urls.alertmanager}/api/v2/alerts`);
}

// SLO and error budget dashboard: availability 99.9 % (share of non-5xx answers) and latency 99 % of
// requests under 100 ms (the le="0.1" bucket), each over a 30-day window, with burn rates from the
// recording rules the multi-window multi-burn-rate alerts use.
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { buildDashboard, stat, timeseries } from "./panels";

export const AVAILABILITY_SLO = 0.999;
export const LATENCY_SLO = 0.99;
/** Latency SLO threshold, the histogram bucket the API must expose. */
export const LATENCY_SLO_SECONDS = "0.1";

const API = 'job="roadwave-api"';
const WINDOW = "30d";
const RETENTION_NOTE =
  "The window is 30 days but holds only what Prometheus keeps (15 days with the default retention): raise retention.prometheusDays to 31 for a full window.";

/** Share of requests in the 30-day window that broke the SLO, 0 without traffic. */
const availabilityBadShare = `(sum(increase(http_requests_total{${API}, status=~"5.."}[${WINDOW}])) / (sum(increase(http_requests_total{${API}}[${WINDOW}])) > 0) or vector(0))`;
const latencyBadShare = `(1 - sum(increase(http_request_duration_seconds_bucket{${API}, le="${LATENCY_SLO_SECONDS}"}[${WINDOW}])) / (sum(increase(http_request_duration_seconds_count{${API}}[${WINDOW}])) > 0) or vector(0))`;

const budget = (slo: number) => Number((1 - slo).toFixed(6));
const BURN_WINDOWS = ["5m", "1h", "6h", "3d"] as const;

export function sloDashboard(): Dashboard {
  const availabilityBudget = budget(AVAILABILITY_SLO);
  const latencyBudget = budget(LATENCY_SLO);
  return buildDashboard({
    uid: "roadwave-slo",
    title: "RoadWave / SLO and error budget",
    description: "Availability 99.9 % and latency (99 % of requests under 100 ms) over 30 days: SLI, error budget left, burn rates.",
    tags: ["slo"],
    from: "now-7d",
    rows: [
      {
        title: "Availability SLO: 99.9 % of requests without a 5xx",
        panels: [
          stat({
            title: "Availability (30 days)",
            description: `Share of requests answered without a 5xx over 30 days; the SLO is 99.9 %. ${RETENTION_NOTE}`,
            unit: "percentunit",
            threshold: AVAILABILITY_SLO,
            lowIsBad: true,
            width: 8,
            queries: [{ expr: `1 - ${availabilityBadShare}`, legend: "availability" }],
          }),
          stat({
            title: "Availability error budget left (30 days)",
            description: `Share of the 30-day error budget (0.1 % of requests) not spent yet; below 0 the SLO is missed. ${RETENTION_NOTE}`,
            unit: "percentunit",
            threshold: 0,
            lowIsBad: true,
            width: 8,
            queries: [{ expr: `1 - ${availabilityBadShare} / ${availabilityBudget}`, legend: "budget left" }],
          }),
          timeseries({
            title: "Availability burn rate",
            description: "How fast the error budget burns (1 = exactly spent in 30 days). The page alerts fire at 14.4 (1 h and 5 m) and 6 (6 h and 30 m), the ticket alerts at 3 and 1.",
            unit: "short",
            threshold: 14.4,
            min: 0,
            width: 8,
            queries: BURN_WINDOWS.map((w) => ({
              expr: `roadwave:slo_availability_errors:ratio_rate${w} / ${availabilityBudget}`,
              legend: w,
            })),
          }),
        ],
      },
      {
        title: "Latency SLO: 99 % of requests under 100 ms",
        panels: [
          stat({
            title: "Requests under 100 ms (30 days)",
            description: `Share of requests faster than 100 ms over 30 days; the SLO is 99 %. ${RETENTION_NOTE}`,
            unit: "percentunit",
            threshold: LATENCY_SLO,
            lowIsBad: true,
            width: 8,
            queries: [{ expr: `1 - ${latencyBadShare}`, legend: "fast share" }],
          }),
          stat({
            title: "Latency error budget left (30 days)",
            description: `Share of the 30-day latency budget (1 % of requests slower than 100 ms) not spent yet. ${RETENTION_NOTE}`,
            unit: "percentunit",
            threshold: 0,
            lowIsBad: true,
            width: 8,
            queries: [{ expr: `1 - ${latencyBadShare} / ${latencyBudget}`, legend: "budget left" }],
          }),
          timeseries({
            title: "Latency burn rate",
            description: "How fast the latency budget burns (1 = exactly spent in 30 days).",
            unit: "short",
            threshold: 14.4,
            min: 0,
            width: 8,
            queries: BURN_WINDOWS.map((w) => ({
              expr: `roadwave:slo_latency_slow:ratio_rate${w} / ${latencyBudget}`,
              legend: w,
            })),
          }),
        ],
      },
    ],
  });
}

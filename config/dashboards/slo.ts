// SLO and error budget dashboard: availability 99.9 % (share of non-5xx answers) and latency 99 % of
// requests under 100 ms (the le="0.1" bucket), each over a 30-day window, from the recording rules the
// multi-window multi-burn-rate alerts use (the SLO targets are theirs too: config/alertRules.ts).
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { SLO } from "../alertRules";
import { buildDashboard, stat, timeseries } from "./panels";

const WINDOW = "30d";
const RETENTION_NOTE =
  "The window is 30 days but holds only what Prometheus keeps (15 days with the default retention): raise retention.prometheusDays to 31 for a full window.";

/**
 * Share of requests in the 30-day window that broke the SLO, 0 without traffic. Raw counters over 30 days
 * would load far more samples than Prometheus allows per query (50 M); the 5-minute recording rules, sampled
 * every 5 minutes and weighted by the request rate, give the same share from ~8,600 points.
 */
const badShare = (ratioRule: string) =>
  `(sum_over_time((${ratioRule} * roadwave:http_requests:rate5m)[${WINDOW}:5m]) / (sum_over_time(roadwave:http_requests:rate5m[${WINDOW}:5m]) > 0) or vector(0))`;
const availabilityBadShare = badShare("roadwave:slo_availability_errors:ratio_rate5m");
const latencyBadShare = badShare("roadwave:slo_latency_slow:ratio_rate5m");

const BURN_WINDOWS = ["5m", "1h", "6h", "3d"] as const;

export function sloDashboard(): Dashboard {
  const availabilityBudget = SLO.availability.budget;
  const latencyBudget = SLO.latency.budget;
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
            threshold: SLO.availability.objective,
            lowIsBad: true,
            width: 8,
            queries: [{ expr: `1 - ${availabilityBadShare}`, instant: true, legend: "availability" }],
          }),
          stat({
            title: "Availability error budget left (30 days)",
            description: `Share of the 30-day error budget (0.1 % of requests) not spent yet; below 0 the SLO is missed. ${RETENTION_NOTE}`,
            unit: "percentunit",
            threshold: 0,
            lowIsBad: true,
            width: 8,
            queries: [{ expr: `1 - ${availabilityBadShare} / ${availabilityBudget}`, instant: true, legend: "budget left" }],
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
            threshold: SLO.latency.objective,
            lowIsBad: true,
            width: 8,
            queries: [{ expr: `1 - ${latencyBadShare}`, instant: true, legend: "fast share" }],
          }),
          stat({
            title: "Latency error budget left (30 days)",
            description: `Share of the 30-day latency budget (1 % of requests slower than 100 ms) not spent yet. ${RETENTION_NOTE}`,
            unit: "percentunit",
            threshold: 0,
            lowIsBad: true,
            width: 8,
            queries: [{ expr: `1 - ${latencyBadShare} / ${latencyBudget}`, instant: true, legend: "budget left" }],
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

// Every Prometheus alert and recording rule, as typed data (kube-prometheus style): one definition per alert
// with its severity, annotations, the reason for its expression and its promtool test cases. The rule files
// (config/renderPrometheus.ts) and the promtool test files (config/ruleTests.ts) are generated from here.
import type { MonitoringStackSettings } from "./settings";
import { hasPushgateway } from "./targets";

export type Severity = "critical" | "warning" | "none";

/** One promtool `alert_rule_test` case with the input series it needs. */
export interface AlertTestCase {
  /** What the case shows, e.g. "zero traffic". */
  name: string;
  /** Input series: selector -> promtool expanding notation (one sample per `interval`). */
  series: Record<string, string>;
  /** Sample interval of the input series (default 1m). */
  interval?: string;
  /** When the alert is checked, e.g. "15m". */
  evalTime: string;
  /** The alerts expected to fire then (empty: must not fire). `value` is needed when an annotation shows it. */
  firing: { labels: Record<string, string>; value?: number }[];
}

export interface AlertDefinition {
  alert: string;
  expr: string;
  /** Production `for:` (scaled by timings.forScale when rendered). */
  for: string;
  severity: Severity;
  /** Go templates: `{{ $labels.x }}` and `{{ $value | humanize... }}` only (see config/ruleTests.ts). */
  summary: string;
  description: string;
  /** Why the expression is what it is; rendered as a YAML comment above the rule. */
  comment?: string;
  tests: AlertTestCase[];
}

export interface RecordingRule {
  record: string;
  expr: string;
}

export interface RuleFile {
  /** File name under prometheus/rules/. */
  file: string;
  group: string;
  comment: string;
  records: RecordingRule[];
  alerts: AlertDefinition[];
  /** Whether a stack has this file (the data it needs exists there). */
  appliesTo: (settings: MonitoringStackSettings) => boolean;
}

export const RUNBOOK_BASE_URL = "https://github.com/roadwave/roadwave-monitoring/blob/main/docs/runbooks";
export const runbookUrl = (alert: string): string => `${RUNBOOK_BASE_URL}/${alert}.md`;

// ---- shared selectors and thresholds ---------------------------------------------------------------

const API = 'job="roadwave-api"';
const PG = 'job="postgresql"';
const REDIS = 'job="redis"';
const NODE = 'job="node"';
/** Real filesystems only: tmpfs and container layers say nothing about the data disk. */
const FS = `${NODE},fstype!~"tmpfs|ramfs|overlay|squashfs"`;

/**
 * Below this request rate (requests/s over all API instances, about 3 a minute) the API's ratio alerts stay
 * quiet: one failed request out of three is not an incident worth a page at night. Total outages are caught
 * by APIDown and by Uptime Kuma's external checks, which do not depend on traffic.
 */
export const API_MIN_REQUEST_RATE = 0.05;
/** A denominator floor that only matters when the numerator is 0 too: 0/0 gives 0, never NaN or +Inf. */
const EPSILON = "1e-9";

/** SLO targets (ADR-024 and TECHNICAL.md): 99.9 % of requests succeed, 99 % are faster than 100 ms. */
export const SLO = {
  availability: { objective: 0.999, budget: 0.001 },
  latency: { objective: 0.99, budget: 0.01, thresholdSeconds: "0.1" },
} as const;
export const SLO_WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"] as const;
export type SloWindow = (typeof SLO_WINDOWS)[number];

/**
 * Multi-window multi-burn-rate alerting (Google SRE workbook, ch. 5) for a 30-day budget: a page when 2 % of
 * the budget burns in 1 h or 5 % in 6 h, a ticket when 10 % burns in 3 days (1 d and 3 d windows). Each long
 * window is confirmed by a short one so the alert resets quickly once the problem is over.
 */
const BURN_RATES = {
  page: [
    { long: "1h", short: "5m", factor: 14.4 },
    { long: "6h", short: "30m", factor: 6 },
  ],
  ticket: [
    { long: "1d", short: "2h", factor: 3 },
    { long: "3d", short: "6h", factor: 1 },
  ],
} as const;

/** `num / den` that is 0 (not NaN, not absent) when there is no traffic or no series at all. */
function safeRatio(numerator: string, denominator: string): string {
  return `(${numerator} or vector(0))\n/\nclamp_min(${denominator} or vector(0), ${EPSILON})`;
}

const requests = (window: string, extra = "") => `sum(rate(http_requests_total{${API}${extra}}[${window}]))`;
const durationCount = (window: string) => `sum(rate(http_request_duration_seconds_count{${API}}[${window}]))`;
const fastBucket = (window: string) =>
  `sum(rate(http_request_duration_seconds_bucket{${API},le="${SLO.latency.thresholdSeconds}"}[${window}]))`;

function burnRateExpr(kind: "availability" | "latency", severity: "page" | "ticket"): string {
  const metric = kind === "availability" ? "roadwave:slo_availability_errors" : "roadwave:slo_latency_slow";
  const budget = SLO[kind].budget;
  return BURN_RATES[severity]
    .map(({ long, short, factor }) => {
      const threshold = Number((factor * budget).toPrecision(6));
      return (
        `(\n  ${metric}:ratio_rate${long} > ${threshold}\n  and ${metric}:ratio_rate${short} > ${threshold}\n` +
        `  and roadwave:http_requests:rate${long} >= ${API_MIN_REQUEST_RATE}\n)`
      );
    })
    .join("\nor\n");
}

// ---- recording rules -----------------------------------------------------------------------------------

const QUANTILES = [
  ["p50", "0.5"],
  ["p95", "0.95"],
  ["p99", "0.99"],
] as const;

const apiRecords: RecordingRule[] = [
  { record: "roadwave:http_requests:rate5m", expr: `${requests("5m")} or vector(0)` },
  { record: "roadwave:http_requests_5xx:ratio_rate5m", expr: safeRatio(requests("5m", ',status=~"5.."'), requests("5m")) },
  { record: "roadwave:http_requests_4xx:ratio_rate5m", expr: safeRatio(requests("5m", ',status=~"4.."'), requests("5m")) },
  // The ADR's p99 applied histogram_quantile to every bucket series separately (one "p99" per instance and
  // route); the API's p99 needs the buckets summed by `le` first.
  ...(["5m", "1h", "24h"] as const).flatMap((window) =>
    QUANTILES.map(([name, q]) => ({
      record: `roadwave:http_request_duration_seconds:${name}_${window}`,
      expr: `histogram_quantile(${q}, sum by (le) (rate(http_request_duration_seconds_bucket{${API}}[${window}])))`,
    })),
  ),
];

const sloRecords: RecordingRule[] = SLO_WINDOWS.flatMap((w) => [
  ...(w === "5m" ? [] : [{ record: `roadwave:http_requests:rate${w}`, expr: `${requests(w)} or vector(0)` }]),
  { record: `roadwave:slo_availability_errors:ratio_rate${w}`, expr: safeRatio(requests(w, ',status=~"5.."'), requests(w)) },
  {
    record: `roadwave:slo_latency_slow:ratio_rate${w}`,
    expr: safeRatio(`(${durationCount(w)} - ${fastBucket(w)})`, durationCount(w)),
  },
]);

// ---- test input helpers ----------------------------------------------------------------------------------

const apiTraffic = (okPerMinute: number, errorsPerMinute: number, minutes: number): Record<string, string> => ({
  [`http_requests_total{${API},instance="api-1",status="200"}`]: `0+${okPerMinute}x${minutes}`,
  [`http_requests_total{${API},instance="api-1",status="500"}`]: `0+${errorsPerMinute}x${minutes}`,
});
/** Latency histogram: `fastPerMinute` of `totalPerMinute` requests under 100 ms, the rest under 250 ms. */
const apiLatency = (fastPerMinute: number, totalPerMinute: number, minutes: number): Record<string, string> => ({
  [`http_request_duration_seconds_bucket{${API},instance="api-1",le="0.05"}`]: `0+${Math.floor(fastPerMinute / 2)}x${minutes}`,
  [`http_request_duration_seconds_bucket{${API},instance="api-1",le="0.1"}`]: `0+${fastPerMinute}x${minutes}`,
  [`http_request_duration_seconds_bucket{${API},instance="api-1",le="0.25"}`]: `0+${totalPerMinute}x${minutes}`,
  [`http_request_duration_seconds_bucket{${API},instance="api-1",le="+Inf"}`]: `0+${totalPerMinute}x${minutes}`,
  [`http_request_duration_seconds_count{${API},instance="api-1"}`]: `0+${totalPerMinute}x${minutes}`,
  [`http_requests_total{${API},instance="api-1",status="200"}`]: `0+${totalPerMinute}x${minutes}`,
});
const apiUp = { [`up{${API},instance="api-1"}`]: "1x30" };
const dbLabels = { job: "postgresql", instance: "db-1" };
const pgDb = `${PG},instance="db-1",datid="16384",datname="roadwave"`;
const redisLabels = { job: "redis", instance: "redis-1" };
const disk = `${NODE},instance="db-1",device="/dev/sdb",fstype="ext4",mountpoint="/srv/data"`;
const diskLabels = { job: "node", instance: "db-1", device: "/dev/sdb", fstype: "ext4", mountpoint: "/srv/data" };

// ---- alerts --------------------------------------------------------------------------------------------

const apiAlerts: AlertDefinition[] = [
  {
    alert: "APIDown",
    expr: `up{${API}} == 0`,
    for: "1m",
    severity: "critical",
    summary: "RoadWave API instance {{ $labels.instance }} is down",
    description: "Prometheus cannot scrape the RoadWave API on {{ $labels.instance }} for 1 minute: the instance is down or unreachable.",
    tests: [
      { name: "instance down", series: { [`up{${API},instance="api-1"}`]: "0x5" }, evalTime: "3m", firing: [{ labels: { job: "roadwave-api", instance: "api-1" } }] },
      { name: "instance up", series: { [`up{${API},instance="api-1"}`]: "1x5" }, evalTime: "3m", firing: [] },
      { name: "one failed scrape", series: { [`up{${API},instance="api-1"}`]: "1 0 1 1 1" }, evalTime: "3m", firing: [] },
    ],
  },
  {
    alert: "HighErrorRate",
    comment:
      "ADR-024 fix: the ADR compared the absolute 5xx rate (errors/s per series) to 0.01; this is the share of 5xx in\n" +
      "all requests (a ratio of summed rates) above 1 %. Quiet below API_MIN_REQUEST_RATE and 0 (not NaN) at zero traffic.",
    expr: `roadwave:http_requests_5xx:ratio_rate5m > 0.01\nand roadwave:http_requests:rate5m >= ${API_MIN_REQUEST_RATE}`,
    for: "5m",
    severity: "critical",
    summary: "RoadWave API 5xx error rate above 1 %",
    description: "{{ $value | humanizePercentage }} of the API's requests failed with a 5xx status over the last 5 minutes (threshold 1 %).",
    tests: [
      { name: "5 % errors at 10 req/s", series: apiTraffic(570, 30, 20), evalTime: "12m", firing: [{ labels: {}, value: 0.05 }] },
      { name: "low but sufficient traffic (6 req/min, 1 error)", series: apiTraffic(5, 1, 20), evalTime: "12m", firing: [{ labels: {}, value: 1 / 6 }] },
      { name: "0.5 % errors", series: apiTraffic(995, 5, 20), evalTime: "12m", firing: [] },
      { name: "zero traffic", series: apiTraffic(0, 0, 20), evalTime: "12m", firing: [] },
      { name: "low traffic (2 req/min, half of them errors)", series: apiTraffic(1, 1, 20), evalTime: "12m", firing: [] },
      { name: "no API series at all", series: apiUp, evalTime: "12m", firing: [] },
    ],
  },
  {
    alert: "HighLatency",
    comment:
      "ADR-024 fix: histogram_quantile on the raw buckets gave one p99 per series; the recorded p99 sums the\n" +
      "buckets by (le) first. NaN at zero traffic (never fires); quiet below API_MIN_REQUEST_RATE.",
    expr: `roadwave:http_request_duration_seconds:p99_5m > 0.1\nand roadwave:http_requests:rate5m >= ${API_MIN_REQUEST_RATE}`,
    for: "10m",
    severity: "warning",
    summary: "RoadWave API p99 latency above 100 ms",
    description: "The API's p99 latency is {{ $value | humanizeDuration }} over the last 5 minutes (objective: under 100 ms).",
    tests: [
      { name: "p99 241 ms", series: apiLatency(500, 600, 25), evalTime: "20m", firing: [{ labels: {}, value: 0.241 }] },
      { name: "every request under 100 ms", series: apiLatency(600, 600, 25), evalTime: "20m", firing: [] },
      { name: "zero traffic", series: apiLatency(0, 0, 25), evalTime: "20m", firing: [] },
      { name: "low traffic, all slow", series: apiLatency(0, 1, 25), evalTime: "20m", firing: [] },
    ],
  },
];

function sloAlert(kind: "availability" | "latency", severity: "page" | "ticket"): AlertDefinition {
  const name = `API${kind === "availability" ? "Availability" : "Latency"}Budget${severity === "page" ? "Fast" : "Slow"}Burn`;
  const what = kind === "availability" ? "5xx responses" : "requests slower than 100 ms";
  const objective = kind === "availability" ? "99.9 % of requests succeed" : "99 % of requests under 100 ms";
  const windows = BURN_RATES[severity].map((b) => `${b.factor}x over ${b.long} and ${b.short}`).join(", or ");
  const longWindows = BURN_RATES[severity].map((b) => b.long).join(" or ");
  const budget = SLO[kind].budget;
  // Traffic shapes: the share of bad requests over a steady 10 req/s.
  const bad = (share: number, minutes: number) =>
    kind === "availability"
      ? apiTraffic(Math.round(600 * (1 - share)), Math.round(600 * share), minutes)
      : apiLatency(Math.round(600 * (1 - share)), 600, minutes);
  const lowBad = (minutes: number) => (kind === "availability" ? apiTraffic(1, 1, minutes) : apiLatency(0, 2, minutes));
  const zero = (minutes: number) => (kind === "availability" ? apiTraffic(0, 0, minutes) : apiLatency(0, 0, minutes));
  const page = severity === "page";
  // Page: 20x the budget burns. Ticket: 5x the budget (below the page's 6x). A long window holding less data
  // than its length still gives the ratio, which keeps the tests short.
  const firingShare = page ? budget * 20 : budget * 5;
  const minutes = page ? 25 : 40;
  const at = page ? "20m" : "35m";
  return {
    alert: name,
    comment:
      `Multi-window multi-burn-rate alert on the ${kind} SLO (${objective}, 30-day budget ${budget * 100} %):\n` +
      `fires when the budget burns faster than ${windows}. Ratios are 0 at zero traffic.`,
    expr: burnRateExpr(kind, severity),
    for: page ? "2m" : "15m",
    severity: page ? "critical" : "warning",
    summary: `RoadWave API is burning its ${kind} error budget ${page ? "fast" : "steadily"}`,
    description:
      `{{ $value | humanizePercentage }} of the API's requests were ${what} over the last ${longWindows} ` +
      `(budget burn rate above ${windows}); ` +
      `at this rate the 30-day error budget of the ${kind} SLO (${objective}) runs out ${page ? "within days" : "before the month ends"}.`,
    tests: [
      { name: `${firingShare * 100} % bad requests at 10 req/s`, series: bad(firingShare, minutes), evalTime: at, firing: [{ labels: {}, value: firingShare }] },
      { name: "within budget", series: bad(budget / 2, minutes), evalTime: at, firing: [] },
      { name: "zero traffic", series: zero(minutes), evalTime: at, firing: [] },
      { name: "low traffic, half of it bad", series: lowBad(minutes), evalTime: at, firing: [] },
    ],
  };
}

const sloAlerts: AlertDefinition[] = [
  sloAlert("availability", "page"),
  sloAlert("availability", "ticket"),
  sloAlert("latency", "page"),
  sloAlert("latency", "ticket"),
  {
    alert: "APILatencyBucketMissing",
    comment: 'The latency SLO counts requests under 100 ms from the le="0.1" bucket; without it the SLO reads 100 % slow-free.',
    expr: `count by (instance) (http_request_duration_seconds_bucket{${API}})\nunless\ncount by (instance) (http_request_duration_seconds_bucket{${API},le="0.1"})`,
    for: "10m",
    severity: "warning",
    summary: 'RoadWave API on {{ $labels.instance }} exports no le="0.1" latency bucket',
    description: 'The latency histogram of {{ $labels.instance }} has no le="0.1" bucket, so the latency SLO cannot be measured: add 0.1 to the API\'s histogram buckets.',
    tests: [
      {
        name: "buckets without 0.1",
        series: {
          [`http_request_duration_seconds_bucket{${API},instance="api-1",le="0.05"}`]: "0+1x20",
          [`http_request_duration_seconds_bucket{${API},instance="api-1",le="0.25"}`]: "0+2x20",
          [`http_request_duration_seconds_bucket{${API},instance="api-1",le="+Inf"}`]: "0+2x20",
        },
        evalTime: "15m",
        firing: [{ labels: { instance: "api-1" } }],
      },
      { name: "buckets with 0.1", series: apiLatency(1, 2, 20), evalTime: "15m", firing: [] },
    ],
  },
];

const postgresqlAlerts: AlertDefinition[] = [
  {
    alert: "DatabaseDown",
    comment: "ADR-024 fix: up{job=\"postgresql\"} only watches the exporter; pg_up == 0 is PostgreSQL itself refusing the exporter.",
    expr: `up{${PG}} == 0\nor\npg_up{${PG}} == 0`,
    for: "1m",
    severity: "critical",
    summary: "PostgreSQL on {{ $labels.instance }} is down",
    description: "PostgreSQL on {{ $labels.instance }} has not answered postgres_exporter (or the exporter is down) for 1 minute.",
    tests: [
      { name: "PostgreSQL refuses connections", series: { [`up{${PG},instance="db-1"}`]: "1x5", [`pg_up{${PG},instance="db-1"}`]: "0x5" }, evalTime: "3m", firing: [{ labels: dbLabels }] },
      { name: "exporter down", series: { [`up{${PG},instance="db-1"}`]: "0x5" }, evalTime: "3m", firing: [{ labels: dbLabels }] },
      { name: "healthy", series: { [`up{${PG},instance="db-1"}`]: "1x5", [`pg_up{${PG},instance="db-1"}`]: "1x5" }, evalTime: "3m", firing: [] },
    ],
  },
  {
    alert: "PostgreSQLTooManyConnections",
    expr: `sum by (instance) (pg_stat_database_numbackends{${PG}})\n/\nmax by (instance) (pg_settings_max_connections{${PG}})\n> 0.8`,
    for: "5m",
    severity: "warning",
    summary: "PostgreSQL on {{ $labels.instance }} uses over 80 % of max_connections",
    description: "{{ $value | humanizePercentage }} of max_connections are in use on {{ $labels.instance }}; new connections will soon be refused.",
    tests: [
      { name: "85 of 100", series: { [`pg_stat_database_numbackends{${pgDb}}`]: "85x10", [`pg_settings_max_connections{${PG},instance="db-1"}`]: "100x10" }, evalTime: "8m", firing: [{ labels: { instance: "db-1" }, value: 0.85 }] },
      { name: "20 of 100", series: { [`pg_stat_database_numbackends{${pgDb}}`]: "20x10", [`pg_settings_max_connections{${PG},instance="db-1"}`]: "100x10" }, evalTime: "8m", firing: [] },
    ],
  },
  {
    alert: "PostgreSQLSlowQueries",
    comment:
      "Mean execution time per statement over 5 minutes, from the pg_stat_statements extension (shared_preload_libraries +\n" +
      "CREATE EXTENSION) read by postgres_exporter's custom query pg_stat_statements_top (config/postgresExporterQueries.ts):\n" +
      "the same metric names on the Debian exporter 0.11 and on newer images. clamp_min: 0 (not NaN) without calls.",
    expr:
      `sum by (instance, datname, queryid) (rate(pg_stat_statements_top_exec_seconds{${PG}}[5m]))\n/\n` +
      `clamp_min(sum by (instance, datname, queryid) (rate(pg_stat_statements_top_calls{${PG}}[5m])), ${EPSILON})\n> 0.1`,
    for: "5m",
    severity: "warning",
    summary: "Slow PostgreSQL statement on {{ $labels.instance }} ({{ $labels.datname }})",
    description: "Statement {{ $labels.queryid }} in database {{ $labels.datname }} took {{ $value | humanizeDuration }} on average over the last 5 minutes (threshold 100 ms).",
    tests: [
      {
        name: "250 ms per call",
        series: {
          [`pg_stat_statements_top_calls{${PG},instance="db-1",datname="roadwave",queryid="42"}`]: "0+10x20",
          [`pg_stat_statements_top_exec_seconds{${PG},instance="db-1",datname="roadwave",queryid="42"}`]: "0+2.5x20",
        },
        evalTime: "15m",
        firing: [{ labels: { instance: "db-1", datname: "roadwave", queryid: "42" }, value: 0.25 }],
      },
      {
        name: "10 ms per call",
        series: {
          [`pg_stat_statements_top_calls{${PG},instance="db-1",datname="roadwave",queryid="42"}`]: "0+10x20",
          [`pg_stat_statements_top_exec_seconds{${PG},instance="db-1",datname="roadwave",queryid="42"}`]: "0+0.1x20",
        },
        evalTime: "15m",
        firing: [],
      },
      {
        name: "no calls",
        series: {
          [`pg_stat_statements_top_calls{${PG},instance="db-1",datname="roadwave",queryid="42"}`]: "7x20",
          [`pg_stat_statements_top_exec_seconds{${PG},instance="db-1",datname="roadwave",queryid="42"}`]: "9x20",
        },
        evalTime: "15m",
        firing: [],
      },
    ],
  },
  {
    alert: "PostgreSQLDeadlocks",
    expr: `sum by (instance, datname) (increase(pg_stat_database_deadlocks{${PG}}[5m])) > 0`,
    for: "0s",
    severity: "warning",
    summary: "Deadlocks in PostgreSQL database {{ $labels.datname }} on {{ $labels.instance }}",
    description: "PostgreSQL aborted transactions in deadlocks in database {{ $labels.datname }} on {{ $labels.instance }} within the last 5 minutes.",
    tests: [
      { name: "one deadlock", series: { [`pg_stat_database_deadlocks{${pgDb}}`]: "0 0 0 1 1 1 1" }, evalTime: "5m", firing: [{ labels: { instance: "db-1", datname: "roadwave" } }] },
      { name: "old deadlocks only", series: { [`pg_stat_database_deadlocks{${pgDb}}`]: "3x10" }, evalTime: "8m", firing: [] },
    ],
  },
  {
    alert: "PostgreSQLLowCacheHitRatio",
    comment: "Only with real activity (over 10 block reads/s): an idle or cold database reads few blocks, mostly from disk.",
    expr:
      `sum by (instance, datname) (rate(pg_stat_database_blks_hit{${PG}}[10m]))\n/\n` +
      `clamp_min(sum by (instance, datname) (rate(pg_stat_database_blks_hit{${PG}}[10m]) + rate(pg_stat_database_blks_read{${PG}}[10m])), ${EPSILON})\n< 0.95\n` +
      `and\nsum by (instance, datname) (rate(pg_stat_database_blks_hit{${PG}}[10m]) + rate(pg_stat_database_blks_read{${PG}}[10m])) > 10`,
    for: "15m",
    severity: "warning",
    summary: "PostgreSQL cache hit ratio below 95 % in {{ $labels.datname }} on {{ $labels.instance }}",
    description: "Only {{ $value | humanizePercentage }} of block reads in {{ $labels.datname }} were served from shared buffers over the last 10 minutes (target over 95 %).",
    tests: [
      { name: "90 %", series: { [`pg_stat_database_blks_hit{${pgDb}}`]: "0+5400x40", [`pg_stat_database_blks_read{${pgDb}}`]: "0+600x40" }, evalTime: "35m", firing: [{ labels: { instance: "db-1", datname: "roadwave" }, value: 0.9 }] },
      { name: "99 %", series: { [`pg_stat_database_blks_hit{${pgDb}}`]: "0+5940x40", [`pg_stat_database_blks_read{${pgDb}}`]: "0+60x40" }, evalTime: "35m", firing: [] },
      { name: "idle database", series: { [`pg_stat_database_blks_hit{${pgDb}}`]: "100x40", [`pg_stat_database_blks_read{${pgDb}}`]: "100x40" }, evalTime: "35m", firing: [] },
      { name: "low activity, half from disk", series: { [`pg_stat_database_blks_hit{${pgDb}}`]: "0+60x40", [`pg_stat_database_blks_read{${pgDb}}`]: "0+60x40" }, evalTime: "35m", firing: [] },
    ],
  },
  {
    alert: "PostgreSQLRestarted",
    comment: "pg_postmaster_start_time_seconds comes from the exporter's custom query pg_postmaster (config/postgresExporterQueries.ts).",
    expr: `changes(pg_postmaster_start_time_seconds{${PG}}[10m]) > 0`,
    for: "0s",
    severity: "warning",
    summary: "PostgreSQL on {{ $labels.instance }} restarted",
    description: "The PostgreSQL postmaster on {{ $labels.instance }} started again within the last 10 minutes.",
    tests: [
      { name: "restart", series: { [`pg_postmaster_start_time_seconds{${PG},instance="db-1"}`]: "1000x3 1300x10" }, evalTime: "6m", firing: [{ labels: dbLabels }] },
      { name: "running for long", series: { [`pg_postmaster_start_time_seconds{${PG},instance="db-1"}`]: "1000x15" }, evalTime: "12m", firing: [] },
    ],
  },
];

/**
 * Rows written (inserted + updated + deleted) in the last `window`: the counters are summed under one selector
 * before the difference, because rate() over several metric names would give series with the same labels.
 */
const rowsWritten = (window: string) => {
  const written = `{__name__=~"pg_stat_database_tup_(inserted|updated|deleted)",${PG}}`;
  return `(\n  sum by (instance) (${written})\n  -\n  sum by (instance) (${written} offset ${window})\n)`;
};
const backupAlerts: AlertDefinition[] = [
  {
    alert: "WALArchivingFailing",
    comment: "archive_command keeps failing (PostgreSQL retries about every minute): a one-off failure that recovers stays quiet.",
    expr: `increase(pg_stat_archiver_failed_count{${PG}}[5m]) > 0`,
    for: "10m",
    severity: "critical",
    summary: "WAL archiving to the backup bucket fails on {{ $labels.instance }}",
    description: "PostgreSQL's archive_command (pgBackRest archive-push) has kept failing on {{ $labels.instance }} for 10 minutes: the RPO of 15 minutes is at risk and pg_wal fills up.",
    tests: [
      { name: "failing every minute", series: { [`pg_stat_archiver_failed_count{${PG},instance="db-1"}`]: "0+1x20" }, evalTime: "15m", firing: [{ labels: dbLabels }] },
      { name: "one transient failure", series: { [`pg_stat_archiver_failed_count{${PG},instance="db-1"}`]: "0 0 1x18" }, evalTime: "15m", firing: [] },
    ],
  },
  {
    alert: "WALArchivingStale",
    comment:
      "RPO 15 min: the last archived WAL segment is over 15 minutes old (or none was ever archived) while the database\n" +
      "is written to. An idle database switches no segment, so idleness alone does not alert.",
    expr:
      `(\n  pg_stat_archiver_last_archive_age{${PG}} > 900\n  or pg_stat_archiver_archived_count{${PG}} == 0\n)\n` +
      `and on (instance)\n${rowsWritten("15m")} > 0`,
    for: "5m",
    severity: "critical",
    summary: "No WAL segment archived for over 15 minutes on {{ $labels.instance }}",
    description: "The database on {{ $labels.instance }} is being written to but its last WAL segment was archived more than 15 minutes ago: the RPO of 15 minutes is not met.",
    tests: [
      {
        name: "writes, last archive 17 minutes ago and growing",
        series: { [`pg_stat_archiver_last_archive_age{${PG},instance="db-1"}`]: "1000+60x25", [`pg_stat_archiver_archived_count{${PG},instance="db-1"}`]: "5x25", [`pg_stat_database_tup_inserted{${pgDb}}`]: "0+10x25" },
        evalTime: "20m",
        firing: [{ labels: dbLabels }],
      },
      {
        name: "writes, nothing ever archived",
        series: { [`pg_stat_archiver_archived_count{${PG},instance="db-1"}`]: "0x25", [`pg_stat_database_tup_updated{${pgDb}}`]: "0+10x25" },
        evalTime: "20m",
        firing: [{ labels: dbLabels }],
      },
      {
        name: "idle database",
        series: { [`pg_stat_archiver_last_archive_age{${PG},instance="db-1"}`]: "1000+60x25", [`pg_stat_archiver_archived_count{${PG},instance="db-1"}`]: "5x25", [`pg_stat_database_tup_inserted{${pgDb}}`]: "50x25" },
        evalTime: "20m",
        firing: [],
      },
      {
        name: "writes, archived a minute ago",
        series: { [`pg_stat_archiver_last_archive_age{${PG},instance="db-1"}`]: "60x25", [`pg_stat_archiver_archived_count{${PG},instance="db-1"}`]: "0+1x25", [`pg_stat_database_tup_inserted{${pgDb}}`]: "0+10x25" },
        evalTime: "20m",
        firing: [],
      },
    ],
  },
  {
    alert: "FullBackupMissing",
    comment:
      "Full backups run weekly (Sunday) and differential backups on the other days (BACKUP_SCHEDULE in config/pgbackrest.ts):\n" +
      "no full backup for 8 days, or no backup of either type for 26 h (two hours of slack), means the schedule broke.\n" +
      "The metric comes from node_exporter's textfile collector on the DB host.",
    expr:
      'time() - max by (instance) (roadwave_backup_last_success_timestamp_seconds{type="full"}) > 8 * 86400\n' +
      "or\ntime() - max by (instance) (roadwave_backup_last_success_timestamp_seconds) > 26 * 3600\n" +
      'or\nabsent(roadwave_backup_last_success_timestamp_seconds{type="full"})',
    for: "30m",
    severity: "warning",
    summary: "PostgreSQL backups are behind schedule (no full backup for 8 days or no backup for 26 hours)",
    description: "The last successful full pgBackRest backup is more than 8 days old, or no backup (full or differential) succeeded for 26 hours, or none was ever recorded: restores need ever more WAL and the retention policy cannot expire old backups.",
    tests: [
      { name: "full 9 days ago, differential 5 h ago", series: { [`roadwave_backup_last_success_timestamp_seconds{${NODE},instance="db-1",type="full"}`]: "-777600x40", [`roadwave_backup_last_success_timestamp_seconds{${NODE},instance="db-1",type="diff"}`]: "-18000x40" }, evalTime: "35m", firing: [{ labels: { instance: "db-1" } }] },
      { name: "full 2 days ago, no differential since", series: { [`roadwave_backup_last_success_timestamp_seconds{${NODE},instance="db-1",type="full"}`]: "-172800x40" }, evalTime: "35m", firing: [{ labels: { instance: "db-1" } }] },
      { name: "never recorded", series: { [`roadwave_backup_last_success_timestamp_seconds{${NODE},instance="db-1",type="diff"}`]: "0x40" }, evalTime: "35m", firing: [{ labels: { type: "full" } }] },
      { name: "full 3 days ago, differential 5 h ago", series: { [`roadwave_backup_last_success_timestamp_seconds{${NODE},instance="db-1",type="full"}`]: "-259200x40", [`roadwave_backup_last_success_timestamp_seconds{${NODE},instance="db-1",type="diff"}`]: "-18000x40" }, evalTime: "35m", firing: [] },
      { name: "last full backup 5 h ago", series: { [`roadwave_backup_last_success_timestamp_seconds{${NODE},instance="db-1",type="full"}`]: "-14400x40" }, evalTime: "35m", firing: [] },
    ],
  },
];

const drAlerts: AlertDefinition[] = [
  {
    alert: "DRDrillStale",
    comment: "The monthly drill pushes its result to the staging Pushgateway; 35 days leaves a few days of slack.",
    expr: "time() - max(roadwave_dr_drill_last_success_timestamp_seconds) > 35 * 86400\nor\nabsent(roadwave_dr_drill_last_success_timestamp_seconds)",
    for: "1h",
    severity: "warning",
    summary: "No successful DR drill for over 35 days",
    description: "The last successful disaster-recovery drill (restore of the prod backup in staging) is more than 35 days old, or none was ever recorded: the monthly DR test of ADR-024 is overdue.",
    tests: [
      { name: "last drill 36 days ago", series: { [`roadwave_dr_drill_last_success_timestamp_seconds{job="roadwave-dr-drill"}`]: "-3110400x70" }, evalTime: "65m", firing: [{ labels: {} }] },
      { name: "never recorded", series: { [`up{job="pushgateway",instance="monitoring"}`]: "1x70" }, evalTime: "65m", firing: [{ labels: {} }] },
      { name: "last drill 3 days ago", series: { [`roadwave_dr_drill_last_success_timestamp_seconds{job="roadwave-dr-drill"}`]: "-259200x70" }, evalTime: "65m", firing: [] },
    ],
  },
  {
    alert: "DRDrillRTOExceeded",
    expr: "max(roadwave_dr_drill_rto_seconds) > 3600",
    for: "0s",
    severity: "warning",
    summary: "The last DR drill took longer than the 1 h RTO",
    description: "The last disaster-recovery drill restored the prod backup in {{ $value | humanizeDuration }}: the RTO of 1 hour is not met.",
    tests: [
      { name: "70 minutes", series: { [`roadwave_dr_drill_rto_seconds{job="roadwave-dr-drill"}`]: "4200x10" }, evalTime: "5m", firing: [{ labels: {}, value: 4200 }] },
      { name: "30 minutes", series: { [`roadwave_dr_drill_rto_seconds{job="roadwave-dr-drill"}`]: "1800x10" }, evalTime: "5m", firing: [] },
    ],
  },
];

const redisAlerts: AlertDefinition[] = [
  {
    alert: "RedisDown",
    expr: `redis_up{${REDIS}} == 0\nor\nup{${REDIS}} == 0`,
    for: "1m",
    severity: "critical",
    summary: "Redis on {{ $labels.instance }} is down",
    description: "Redis on {{ $labels.instance }} has not answered redis_exporter (or the exporter is down) for 1 minute.",
    tests: [
      { name: "Redis refuses connections", series: { [`up{${REDIS},instance="redis-1"}`]: "1x5", [`redis_up{${REDIS},instance="redis-1"}`]: "0x5" }, evalTime: "3m", firing: [{ labels: redisLabels }] },
      { name: "exporter down", series: { [`up{${REDIS},instance="redis-1"}`]: "0x5" }, evalTime: "3m", firing: [{ labels: redisLabels }] },
      { name: "healthy", series: { [`up{${REDIS},instance="redis-1"}`]: "1x5", [`redis_up{${REDIS},instance="redis-1"}`]: "1x5" }, evalTime: "3m", firing: [] },
    ],
  },
  {
    alert: "RedisMemoryNearLimit",
    comment: "Only when maxmemory is set (redis_memory_max_bytes > 0): without it Redis has no limit to be near.",
    expr: `redis_memory_used_bytes{${REDIS}}\n/\n(redis_memory_max_bytes{${REDIS}} > 0)\n> 0.9`,
    for: "5m",
    severity: "warning",
    summary: "Redis on {{ $labels.instance }} uses over 90 % of maxmemory",
    description: "Redis on {{ $labels.instance }} uses {{ $value | humanizePercentage }} of its maxmemory: it will start evicting keys or refusing writes.",
    tests: [
      { name: "95 %", series: { [`redis_memory_used_bytes{${REDIS},instance="redis-1"}`]: "950x10", [`redis_memory_max_bytes{${REDIS},instance="redis-1"}`]: "1000x10" }, evalTime: "8m", firing: [{ labels: redisLabels, value: 0.95 }] },
      { name: "50 %", series: { [`redis_memory_used_bytes{${REDIS},instance="redis-1"}`]: "500x10", [`redis_memory_max_bytes{${REDIS},instance="redis-1"}`]: "1000x10" }, evalTime: "8m", firing: [] },
      { name: "no maxmemory", series: { [`redis_memory_used_bytes{${REDIS},instance="redis-1"}`]: "5000x10", [`redis_memory_max_bytes{${REDIS},instance="redis-1"}`]: "0x10" }, evalTime: "8m", firing: [] },
    ],
  },
  {
    alert: "RedisEvictingKeys",
    expr: `increase(redis_evicted_keys_total{${REDIS}}[5m]) > 0`,
    for: "5m",
    severity: "warning",
    summary: "Redis on {{ $labels.instance }} is evicting keys",
    description: "Redis on {{ $labels.instance }} has been evicting keys to stay under maxmemory for 5 minutes: cached data and sessions are being dropped.",
    tests: [
      { name: "evicting", series: { [`redis_evicted_keys_total{${REDIS},instance="redis-1"}`]: "0+10x20" }, evalTime: "15m", firing: [{ labels: redisLabels }] },
      { name: "no evictions", series: { [`redis_evicted_keys_total{${REDIS},instance="redis-1"}`]: "3x20" }, evalTime: "15m", firing: [] },
    ],
  },
  {
    alert: "RedisRejectedConnections",
    expr: `increase(redis_rejected_connections_total{${REDIS}}[5m]) > 0`,
    for: "0s",
    severity: "warning",
    summary: "Redis on {{ $labels.instance }} rejected connections",
    description: "Redis on {{ $labels.instance }} rejected client connections within the last 5 minutes (maxclients reached).",
    tests: [
      { name: "one rejection", series: { [`redis_rejected_connections_total{${REDIS},instance="redis-1"}`]: "0 0 0 1 1 1" }, evalTime: "4m", firing: [{ labels: redisLabels }] },
      { name: "no rejection", series: { [`redis_rejected_connections_total{${REDIS},instance="redis-1"}`]: "2x10" }, evalTime: "8m", firing: [] },
    ],
  },
];

const nodeAlerts: AlertDefinition[] = [
  {
    alert: "DiskSpaceRunningOut",
    comment: "ADR-024's expression, limited to real, writable filesystems.",
    expr: `node_filesystem_avail_bytes{${FS}} / node_filesystem_size_bytes{${FS}} < 0.1\nand\nnode_filesystem_readonly{${FS}} == 0`,
    for: "30m",
    severity: "warning",
    summary: "Less than 10 % disk space left on {{ $labels.instance }} {{ $labels.mountpoint }}",
    description: "{{ $labels.mountpoint }} ({{ $labels.device }}) on {{ $labels.instance }} has only {{ $value | humanizePercentage }} of its space left.",
    tests: [
      { name: "5 % left", series: { [`node_filesystem_avail_bytes{${disk}}`]: "5x40", [`node_filesystem_size_bytes{${disk}}`]: "100x40", [`node_filesystem_readonly{${disk}}`]: "0x40" }, evalTime: "35m", firing: [{ labels: diskLabels, value: 0.05 }] },
      { name: "50 % left", series: { [`node_filesystem_avail_bytes{${disk}}`]: "50x40", [`node_filesystem_size_bytes{${disk}}`]: "100x40", [`node_filesystem_readonly{${disk}}`]: "0x40" }, evalTime: "35m", firing: [] },
      {
        name: "tmpfs nearly full",
        series: {
          [`node_filesystem_avail_bytes{${NODE},instance="db-1",device="tmpfs",fstype="tmpfs",mountpoint="/run"}`]: "1x40",
          [`node_filesystem_size_bytes{${NODE},instance="db-1",device="tmpfs",fstype="tmpfs",mountpoint="/run"}`]: "100x40",
          [`node_filesystem_readonly{${NODE},instance="db-1",device="tmpfs",fstype="tmpfs",mountpoint="/run"}`]: "0x40",
        },
        evalTime: "35m",
        firing: [],
      },
    ],
  },
  {
    alert: "DiskWillFillIn24Hours",
    comment: "Predictive: the last 6 h trend reaches 0 bytes within 24 h, on a filesystem already under 40 % free.",
    expr:
      `predict_linear(node_filesystem_avail_bytes{${FS}}[6h], 24 * 3600) < 0\n` +
      `and\nnode_filesystem_avail_bytes{${FS}} / node_filesystem_size_bytes{${FS}} < 0.4\n` +
      `and\nnode_filesystem_readonly{${FS}} == 0`,
    for: "1h",
    severity: "warning",
    summary: "Disk {{ $labels.mountpoint }} on {{ $labels.instance }} will fill within 24 hours",
    description: "At the rate of the last 6 hours, {{ $labels.mountpoint }} ({{ $labels.device }}) on {{ $labels.instance }} runs out of space within 24 hours.",
    tests: [
      {
        name: "losing 3 GB an hour",
        series: { [`node_filesystem_avail_bytes{${disk}}`]: "38000000000-50000000x80", [`node_filesystem_size_bytes{${disk}}`]: "100000000000x80", [`node_filesystem_readonly{${disk}}`]: "0x80" },
        evalTime: "75m",
        firing: [{ labels: diskLabels }],
      },
      {
        name: "stable",
        series: { [`node_filesystem_avail_bytes{${disk}}`]: "30000000000x80", [`node_filesystem_size_bytes{${disk}}`]: "100000000000x80", [`node_filesystem_readonly{${disk}}`]: "0x80" },
        evalTime: "75m",
        firing: [],
      },
    ],
  },
  {
    alert: "HighCPUUsage",
    expr: `1 - avg by (instance) (rate(node_cpu_seconds_total{${NODE},mode="idle"}[5m])) > 0.8`,
    for: "15m",
    severity: "warning",
    summary: "CPU usage above 80 % on {{ $labels.instance }}",
    description: "{{ $labels.instance }} has been {{ $value | humanizePercentage }} busy on average for 15 minutes.",
    tests: [
      { name: "90 % busy", series: { [`node_cpu_seconds_total{${NODE},instance="api-1",cpu="0",mode="idle"}`]: "0+6x30" }, evalTime: "25m", firing: [{ labels: { instance: "api-1" }, value: 0.9 }] },
      { name: "10 % busy", series: { [`node_cpu_seconds_total{${NODE},instance="api-1",cpu="0",mode="idle"}`]: "0+54x30" }, evalTime: "25m", firing: [] },
    ],
  },
  {
    alert: "HighMemoryUsage",
    expr: `1 - node_memory_MemAvailable_bytes{${NODE}} / node_memory_MemTotal_bytes{${NODE}} > 0.9`,
    for: "15m",
    severity: "warning",
    summary: "Memory usage above 90 % on {{ $labels.instance }}",
    description: "{{ $labels.instance }} uses {{ $value | humanizePercentage }} of its memory: the OOM killer is close.",
    tests: [
      { name: "95 % used", series: { [`node_memory_MemAvailable_bytes{${NODE},instance="api-1"}`]: "500x20", [`node_memory_MemTotal_bytes{${NODE},instance="api-1"}`]: "10000x20" }, evalTime: "18m", firing: [{ labels: { job: "node", instance: "api-1" }, value: 0.95 }] },
      { name: "40 % used", series: { [`node_memory_MemAvailable_bytes{${NODE},instance="api-1"}`]: "6000x20", [`node_memory_MemTotal_bytes{${NODE},instance="api-1"}`]: "10000x20" }, evalTime: "18m", firing: [] },
    ],
  },
  {
    alert: "OOMKillDetected",
    expr: `increase(node_vmstat_oom_kill{${NODE}}[5m]) > 0`,
    for: "0s",
    severity: "warning",
    summary: "The kernel killed a process for lack of memory on {{ $labels.instance }}",
    description: "The OOM killer ran on {{ $labels.instance }} within the last 5 minutes: a container (API, database, ...) may have been killed.",
    tests: [
      { name: "one OOM kill", series: { [`node_vmstat_oom_kill{${NODE},instance="api-1"}`]: "0 0 0 1 1 1" }, evalTime: "4m", firing: [{ labels: { job: "node", instance: "api-1" } }] },
      { name: "no OOM kill", series: { [`node_vmstat_oom_kill{${NODE},instance="api-1"}`]: "2x10" }, evalTime: "8m", firing: [] },
    ],
  },
];

const monitoringAlerts: AlertDefinition[] = [
  {
    alert: "TargetDown",
    comment: "The API, PostgreSQL and Redis have their own critical alerts (APIDown, DatabaseDown, RedisDown).",
    expr: 'up{job!~"roadwave-api|postgresql|redis"} == 0',
    for: "5m",
    severity: "warning",
    summary: "{{ $labels.job }} target {{ $labels.instance }} is down",
    description: "Prometheus has not been able to scrape {{ $labels.job }} on {{ $labels.instance }} for 5 minutes.",
    tests: [
      { name: "Loki down", series: { 'up{job="loki",instance="monitoring"}': "0x10" }, evalTime: "8m", firing: [{ labels: { job: "loki", instance: "monitoring" } }] },
      { name: "API down is APIDown's", series: { [`up{${API},instance="api-1"}`]: "0x10" }, evalTime: "8m", firing: [] },
      { name: "node exporter up", series: { 'up{job="node",instance="db-1"}': "1x10" }, evalTime: "8m", firing: [] },
    ],
  },
  {
    alert: "PrometheusRuleEvaluationFailures",
    expr: 'sum by (instance, rule_group) (increase(prometheus_rule_evaluation_failures_total{job="prometheus"}[5m])) > 0',
    for: "5m",
    severity: "critical",
    summary: "Prometheus fails to evaluate rules of {{ $labels.rule_group }}",
    description: "Rules of group {{ $labels.rule_group }} fail to evaluate on {{ $labels.instance }}: alerts of this group may not fire.",
    tests: [
      { name: "failing", series: { 'prometheus_rule_evaluation_failures_total{job="prometheus",instance="monitoring",rule_group="/etc/prometheus/rules/api.yml;roadwave-api"}': "0+1x20" }, evalTime: "15m", firing: [{ labels: { instance: "monitoring", rule_group: "/etc/prometheus/rules/api.yml;roadwave-api" } }] },
      { name: "no failure", series: { 'prometheus_rule_evaluation_failures_total{job="prometheus",instance="monitoring",rule_group="/etc/prometheus/rules/api.yml;roadwave-api"}': "0x20" }, evalTime: "15m", firing: [] },
    ],
  },
  {
    alert: "AlertmanagerNotificationsFailing",
    comment: "Critical so that it is sent to every channel: when one of them fails, the others still carry it.",
    expr: 'sum by (instance, integration) (rate(alertmanager_notifications_failed_total{job="alertmanager"}[5m])) > 0',
    for: "10m",
    severity: "critical",
    summary: "Alertmanager fails to send {{ $labels.integration }} notifications",
    description: "Alertmanager on {{ $labels.instance }} has been failing to deliver notifications through {{ $labels.integration }} for 10 minutes.",
    tests: [
      { name: "email failing", series: { 'alertmanager_notifications_failed_total{job="alertmanager",instance="monitoring",integration="email"}': "0+1x20" }, evalTime: "18m", firing: [{ labels: { instance: "monitoring", integration: "email" } }] },
      { name: "one failure", series: { 'alertmanager_notifications_failed_total{job="alertmanager",instance="monitoring",integration="email"}': "0 1x20" }, evalTime: "18m", firing: [] },
    ],
  },
  {
    alert: "LokiRequestErrors",
    expr: 'sum by (instance) (rate(loki_request_duration_seconds_count{job="loki",route=~"loki_api_v1_push|api_prom_push",status_code=~"5.."}[5m])) > 0',
    for: "10m",
    severity: "warning",
    summary: "Loki fails log pushes on {{ $labels.instance }}",
    description: "Loki on {{ $labels.instance }} has answered log pushes with 5xx errors for 10 minutes: logs are being lost or delayed.",
    tests: [
      { name: "push errors", series: { 'loki_request_duration_seconds_count{job="loki",instance="monitoring",route="loki_api_v1_push",status_code="500"}': "0+5x20" }, evalTime: "18m", firing: [{ labels: { instance: "monitoring" } }] },
      { name: "successful pushes", series: { 'loki_request_duration_seconds_count{job="loki",instance="monitoring",route="loki_api_v1_push",status_code="204"}': "0+50x20" }, evalTime: "18m", firing: [] },
    ],
  },
  {
    alert: "LokiDiscardingSamples",
    expr: 'sum by (instance, reason) (rate(loki_discarded_samples_total{job="loki"}[5m])) > 0',
    for: "10m",
    severity: "warning",
    summary: "Loki discards log lines ({{ $labels.reason }})",
    description: "Loki on {{ $labels.instance }} has been discarding log lines for 10 minutes, reason {{ $labels.reason }} (rate limit, line too long, too old...).",
    tests: [
      { name: "rate limited", series: { 'loki_discarded_samples_total{job="loki",instance="monitoring",reason="rate_limited",tenant="fake"}': "0+100x20" }, evalTime: "18m", firing: [{ labels: { instance: "monitoring", reason: "rate_limited" } }] },
      { name: "nothing discarded", series: { 'loki_discarded_samples_total{job="loki",instance="monitoring",reason="rate_limited",tenant="fake"}': "4x20" }, evalTime: "18m", firing: [] },
    ],
  },
  {
    alert: "UptimeKumaMonitorDown",
    comment: "Uptime Kuma's external checks (public endpoints) reach the on-call through Alertmanager too (monitor_status 0 = down).",
    expr: 'monitor_status{job="uptime-kuma"} == 0',
    for: "2m",
    severity: "critical",
    summary: "Uptime Kuma: {{ $labels.monitor_name }} is down",
    description: "Uptime Kuma's check {{ $labels.monitor_name }} ({{ $labels.monitor_url }}) has been failing for 2 minutes.",
    tests: [
      {
        name: "API health check down",
        series: { 'monitor_status{job="uptime-kuma",instance="uptime-kuma",monitor_name="API",monitor_type="http",monitor_url="https://api.roadwave.fr/health",monitor_hostname="null",monitor_port="null"}': "0x10" },
        evalTime: "5m",
        firing: [{ labels: { job: "uptime-kuma", instance: "uptime-kuma", monitor_name: "API", monitor_type: "http", monitor_url: "https://api.roadwave.fr/health", monitor_hostname: "null", monitor_port: "null" } }],
      },
      {
        name: "up and pending",
        series: {
          'monitor_status{job="uptime-kuma",instance="uptime-kuma",monitor_name="API",monitor_type="http",monitor_url="https://api.roadwave.fr/health",monitor_hostname="null",monitor_port="null"}': "1x10",
          'monitor_status{job="uptime-kuma",instance="uptime-kuma",monitor_name="Auth",monitor_type="http",monitor_url="https://auth.roadwave.fr/",monitor_hostname="null",monitor_port="null"}': "2x10",
        },
        evalTime: "5m",
        firing: [],
      },
    ],
  },
];

const watchdogAlerts: AlertDefinition[] = [
  {
    alert: "Watchdog",
    comment:
      "Dead man's switch: always firing. Alertmanager sends it every minute to Uptime Kuma's push monitor, which alerts\n" +
      "on its own when the heartbeat stops (Prometheus, Alertmanager or the path between them is broken).",
    expr: "vector(1)",
    for: "0s",
    severity: "none",
    summary: "Alerting pipeline heartbeat",
    description: "This alert always fires. Uptime Kuma expects it every minute; if it stops, Prometheus or Alertmanager is broken.",
    tests: [{ name: "always firing", series: { 'up{job="prometheus",instance="monitoring"}': "1x5" }, evalTime: "1m", firing: [{ labels: {} }] }],
  },
];

// ---- files ---------------------------------------------------------------------------------------------

const always = () => true;

/** Every rule file; recording.yml first so that alerts read recordings of the same evaluation in promtool. */
export const RULE_FILES: RuleFile[] = [
  { file: "recording.yml", group: "roadwave-api.recording", comment: "Recording rules for dashboards and the SLO alerts.", records: [...apiRecords, ...sloRecords], alerts: [], appliesTo: always },
  { file: "api.yml", group: "roadwave-api", comment: "The RoadWave API: ADR-024's critical and warning alerts.", records: [], alerts: apiAlerts, appliesTo: always },
  { file: "slo.yml", group: "slo", comment: "SLO alerts: availability 99.9 %, latency 99 % under 100 ms.", records: [], alerts: sloAlerts, appliesTo: always },
  { file: "postgresql.yml", group: "postgresql", comment: "PostgreSQL through postgres_exporter.", records: [], alerts: postgresqlAlerts, appliesTo: always },
  { file: "redis.yml", group: "redis", comment: "Redis through redis_exporter.", records: [], alerts: redisAlerts, appliesTo: always },
  { file: "node.yml", group: "node", comment: "Every host through node_exporter.", records: [], alerts: nodeAlerts, appliesTo: always },
  { file: "backups.yml", group: "backups", comment: "WAL archiving and pgBackRest backups (RPO 15 min).", records: [], alerts: backupAlerts, appliesTo: (s) => s.backup !== undefined },
  { file: "dr.yml", group: "dr", comment: "The monthly DR drill, pushed to this stack's Pushgateway.", records: [], alerts: drAlerts, appliesTo: hasPushgateway },
  { file: "monitoring.yml", group: "monitoring", comment: "The monitoring stack itself.", records: [], alerts: monitoringAlerts, appliesTo: always },
  { file: "watchdog.yml", group: "watchdog", comment: "Dead man's switch.", records: [], alerts: watchdogAlerts, appliesTo: always },
];

export const ALL_ALERTS: AlertDefinition[] = RULE_FILES.flatMap((f) => f.alerts);
export const ALL_RECORDS: RecordingRule[] = RULE_FILES.flatMap((f) => f.records);

export function ruleFilesFor(settings: MonitoringStackSettings): RuleFile[] {
  return RULE_FILES.filter((f) => f.appliesTo(settings));
}

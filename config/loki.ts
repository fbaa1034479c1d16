// Loki, single binary (monolithic) with filesystem storage on the data volume, the TSDB index (schema v13)
// and retention enforced by the compactor.
//
// Ingestion sizing: the API at ADR-024's design load of 1,000 requests/s logs about one access line of
// ~300 bytes per request, i.e. ~0.3 MB/s (~26 GB/day raw, ~2-3 GB/day once compressed, ~20 GB for 7 days
// on the monitoring host's data volume). The limits allow 4 MB/s sustained and 8 MB/s bursts for the whole
// stack (the other containers log far less), ~10x headroom, while a runaway logging loop gets rate-limited
// (HTTP 429, counted by Loki's ingestion-error alert) instead of filling the disk.
import { stringify } from "yaml";
import { monitoringServicePort } from "./monitoringServices";
import type { RenderOptions } from "./renderOptions";
import type { MonitoringStackSettings } from "./settings";

/** Loki's data directory inside its container: the host's /srv/data/loki volume is mounted there. */
export const LOKI_DATA_DIR = "/loki";
/** First day of the v13 schema: before any log was written by this stack. Never change it once deployed. */
export const LOKI_SCHEMA_FROM = "2026-01-01";

export const LOKI_LIMITS = {
  ingestionRateMb: 4,
  ingestionBurstSizeMb: 8,
  perStreamRateLimit: "3MB",
  perStreamRateLimitBurst: "10MB",
  maxGlobalStreamsPerUser: 5000,
  maxLineSize: "256KB",
} as const;

export interface LokiRenderExtras {
  /** Where Loki keeps its data (default LOKI_DATA_DIR; the sandbox passes a temporary directory). */
  dataDir?: string;
  /** Internal gRPC port (default 9095; a sandbox running several stacks picks a free one). */
  grpcPort?: number;
}

/** loki/loki.yaml */
export function renderLokiConfig(
  settings: MonitoringStackSettings,
  options: RenderOptions,
  extras: LokiRenderExtras = {},
): string {
  const dir = extras.dataDir ?? LOKI_DATA_DIR;
  const retention = `${settings.retention.lokiDays * 24}h`;
  const doc = {
    // One tenant: the API's logs, on a private network.
    auth_enabled: false,
    server: {
      http_listen_port: monitoringServicePort(settings, options.addressing, "loki"),
      grpc_listen_port: extras.grpcPort ?? 9095,
      log_level: "info",
    },
    common: {
      instance_addr: "127.0.0.1",
      path_prefix: dir,
      replication_factor: 1,
      ring: { kvstore: { store: "inmemory" } },
      storage: {
        filesystem: { chunks_directory: `${dir}/chunks`, rules_directory: `${dir}/rules` },
      },
    },
    schema_config: {
      configs: [
        {
          from: LOKI_SCHEMA_FROM,
          store: "tsdb",
          object_store: "filesystem",
          schema: "v13",
          index: { prefix: "index_", period: "24h" },
        },
      ],
    },
    storage_config: {
      tsdb_shipper: {
        active_index_directory: `${dir}/tsdb-index`,
        cache_location: `${dir}/tsdb-cache`,
      },
    },
    compactor: {
      working_directory: `${dir}/compactor`,
      compaction_interval: "10m",
      retention_enabled: true,
      retention_delete_delay: "2h",
      retention_delete_worker_count: 150,
      delete_request_store: "filesystem",
    },
    limits_config: {
      retention_period: retention,
      reject_old_samples: true,
      reject_old_samples_max_age: retention,
      ingestion_rate_mb: LOKI_LIMITS.ingestionRateMb,
      ingestion_burst_size_mb: LOKI_LIMITS.ingestionBurstSizeMb,
      per_stream_rate_limit: LOKI_LIMITS.perStreamRateLimit,
      per_stream_rate_limit_burst: LOKI_LIMITS.perStreamRateLimitBurst,
      max_global_streams_per_user: LOKI_LIMITS.maxGlobalStreamsPerUser,
      max_line_size: LOKI_LIMITS.maxLineSize,
      max_query_lookback: retention,
      allow_structured_metadata: true,
    },
    query_range: {
      results_cache: { cache: { embedded_cache: { enabled: true, max_size_mb: 100 } } },
    },
    analytics: { reporting_enabled: false },
  };
  return stringify(doc);
}

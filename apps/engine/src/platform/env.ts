// The only place that reads process.env (create-t3-turbo convention). Everything else receives
// a typed, validated EngineEnv.
import { resolve } from "node:path";
import { repoRoot } from "@cascade/db";
import { z } from "zod";
import type { ClockSetting } from "./clock.ts";

const booleanFlag = z.enum(["true", "false", "1", "0", "yes", "no"]).transform((value) => value === "true" || value === "1" || value === "yes");

/** `wall` | `data` | an ISO-8601 instant with a zone (a fixed "as of T"); see platform/clock.ts. */
const clockSetting = z
  .string()
  .trim()
  .default("wall")
  .transform((value, context): ClockSetting => {
    if (value === "wall" || value === "data") return { mode: value };
    const atMs = Date.parse(value);
    if (!z.iso.datetime({ offset: true }).safeParse(value).success || Number.isNaN(atMs)) {
      context.addIssue({ code: "custom", message: `must be "wall", "data" or an ISO-8601 instant such as 1998-04-22T12:00:00Z, got "${value}"` });
      return z.NEVER;
    }
    return { mode: "fixed", atMs };
  });

const port = z.coerce.number().int().min(1).max(65_535);

export const engineEnvSchema = z.object({
  /** PostgreSQL URL; unset → an embedded PostgreSQL is started in CASCADE_DATA_DIR. */
  DATABASE_URL: z.string().url().optional(),
  /** Redis URL; unset → in-process store and queue. */
  REDIS_URL: z.string().url().optional(),
  CASCADE_DATA_DIR: z.string().default(resolve(repoRoot, ".cascade-data")),
  CASCADE_EMBEDDED_PG_PORT: port.default(54329),
  ENGINE_HOST: z.string().default("127.0.0.1"),
  ENGINE_PORT: port.default(4000),
  CONSOLE_PORT: port.default(3000),
  /** Start the Next.js console next to the engine (`cascade start`). */
  CASCADE_CONSOLE: booleanFlag.default(true),
  /** Load demo data when the database has no items. */
  CASCADE_DEMO: booleanFlag.default(true),
  /** After loading the demo world, train and promote the first models in the background (cascade train --promote). */
  CASCADE_DEMO_TRAIN: booleanFlag.default(true),
  CASCADE_DEMO_SIZE: z.enum(["tiny", "small", "default", "large"]).default("default"),
  CASCADE_DEMO_SEED: z.coerce.number().int().default(42),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Share of recommendation requests whose served feature vectors are logged for skew checks. */
  CASCADE_SERVED_FEATURE_SAMPLE_RATE: z.coerce.number().min(0).max(1).default(0.05),
  /** Largest accepted request body, bytes. */
  CASCADE_BODY_LIMIT: z.coerce
    .number()
    .int()
    .min(1024)
    .default(5 * 1024 * 1024),
  /** Largest accepted upload of an external ONNX ranker (base64 JSON body), bytes. */
  CASCADE_MODEL_UPLOAD_LIMIT: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024 * 1024),
  /** How often the engine re-reads the registry's active model versions, besides LISTEN/NOTIFY; 0 = never. */
  CASCADE_MODEL_POLL_MS: z.coerce.number().int().min(0).default(10_000),
  /** Event stream partitions (consumers per group per replica). Change only with a drained stream: entries on dropped partitions would be stranded. */
  CASCADE_EVENT_PARTITIONS: z.coerce.number().int().min(1).max(256).default(4),
  /** How long an accepted event id is remembered to answer `duplicate` at the API, ms (1 s … 7 days). */
  CASCADE_EVENT_DEDUP_TTL_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(7 * 86_400_000)
    .default(10 * 60_000),
  /** Stream entries left pending this long by a consumer (a crashed process) are taken over by another; checked every min(10 s, this). */
  CASCADE_CONSUMER_RECLAIM_IDLE_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(30_000),
  /** `cascade consume`: port of its health and metrics listener (GET /health, GET /metrics) on ENGINE_HOST; 0 = none. */
  CONSUMER_PORT: z.coerce.number().int().min(0).max(65_535).default(4001),
  /** Deliveries after which a stream entry a consumer keeps failing on (not an outage) goes to the dead letters. */
  CASCADE_CONSUMER_MAX_DELIVERIES: z.coerce.number().int().min(2).max(1_000).default(5),
  /** How long the online feature writer's per-entity ledgers remember applied event ids, ms (1 min … 7 days): redeliveries later than this count again. */
  CASCADE_FEATURE_LEDGER_RETENTION_MS: z.coerce
    .number()
    .int()
    .min(60_000)
    .max(7 * 86_400_000)
    .default(48 * 3_600_000),
  /**
   * Embedded mode: how often the in-process online store is snapshotted to CASCADE_DATA_DIR/online-store
   * (also at shutdown), so a restart replays only the events after the snapshot; 0 = no snapshots
   * (every start rebuilds online features from the whole event log).
   */
  CASCADE_ONLINE_SNAPSHOT_INTERVAL_MS: z.coerce.number().int().min(0).max(86_400_000).default(300_000),
  /** Where the event stream's consumers run with Redis: a worker thread of their own (default) or the HTTP thread ("inline"). */
  CASCADE_EVENT_CONSUMERS: z.enum(["thread", "inline"]).default("thread"),
  /**
   * Business time (platform/clock.ts): "wall" (production), "data" (starts at the newest event in the log and
   * advances in real time: serving an imported historical data set) or an ISO instant (fixed "as of T").
   */
  CASCADE_CLOCK: clockSetting,
  /** Global experiment holdout: this share of users (0 … 0.5) is in no experiment. Set the same on every replica. */
  CASCADE_EXPERIMENT_HOLDOUT: z.coerce.number().min(0).max(0.5).default(0),
  /** The holdout's hash seed; changing it (or raising the share) moves users out of running experiments. */
  CASCADE_EXPERIMENT_HOLDOUT_SEED: z.string().min(1).max(128).default("global-holdout-1"),
  /**
   * Per-API-key rate limit: requests per CASCADE_RATE_LIMIT_WINDOW_MS per key (per client IP without a key),
   * counted by each engine process on its own; over it → 429 with Retry-After. 0 = no limit.
   */
  CASCADE_RATE_LIMIT_MAX: z.coerce.number().int().min(0).default(1_000),
  CASCADE_RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(100).max(3_600_000).default(1_000),
  /**
   * Load shedding on the funnel routes (first pages of /v1/recommendations, /v1/rerank): funnels run at
   * once (0 = no gate), requests waiting for a slot and for how long, the event-loop delay over which
   * new funnels are turned away (0 = off), and the Retry-After of a shed request (503 `overloaded`).
   */
  // 2, not 4: funnels share one thread, so beyond the two that keep it busy while the other waits on
  // PostgreSQL or Redis, more at once only interleaves their CPU and makes each slower. Measured at
  // 200/s (recommendLatency.ts, docs/benchmarks.md "Item slots and admission", 2026-12-06): served
  // p99 112–121 ms at 200k items with 2, 160–174 ms with 4, and fewer pages shed or degraded.
  CASCADE_FUNNEL_MAX_IN_FLIGHT: z.coerce.number().int().min(0).max(10_000).default(2),
  CASCADE_FUNNEL_MAX_QUEUED: z.coerce.number().int().min(0).max(100_000).default(64),
  CASCADE_FUNNEL_MAX_QUEUE_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(100),
  CASCADE_FUNNEL_MAX_EVENT_LOOP_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(500),
  CASCADE_FUNNEL_RETRY_AFTER_S: z.coerce.number().int().min(1).max(3_600).default(1),
  /**
   * Where the engine searches retrieval (HNSW) indexes: "thread" (default), a worker thread of their own, so
   * the request thread does not spend its time in hnswlib; "inline", the request thread (retrieval/annSearchThread.ts).
   */
  CASCADE_ANN_SEARCH: z.enum(["thread", "inline"]).default("thread"),
  /**
   * Where the engine runs its trained ONNX ranker: "thread" (default), a worker thread of its own, so the
   * request thread does not spend its time in onnxruntime's run; "inline", the request thread (ranking/rankerThread.ts).
   */
  CASCADE_RANKER_RUN: z.enum(["thread", "inline"]).default("thread"),
  /** Throwaway funnels run at start, before traffic, so the first requests meet optimised code and warm caches (serving/requestPathWarmUp.ts); 0 = none. */
  CASCADE_WARMUP_REQUESTS: z.coerce.number().int().min(0).max(100_000).default(100),
});

/** The funnel routes' admission settings (server/funnelAdmission.ts) from the environment. */
export function funnelAdmissionFromEnv(env: EngineEnv) {
  return {
    maxInFlight: env.CASCADE_FUNNEL_MAX_IN_FLIGHT,
    maxQueued: env.CASCADE_FUNNEL_MAX_QUEUED,
    maxQueueWaitMs: env.CASCADE_FUNNEL_MAX_QUEUE_WAIT_MS,
    maxEventLoopDelayMs: env.CASCADE_FUNNEL_MAX_EVENT_LOOP_DELAY_MS,
    retryAfterSeconds: env.CASCADE_FUNNEL_RETRY_AFTER_S,
  };
}

export type EngineEnv = z.infer<typeof engineEnvSchema>;

export function loadEngineEnv(source: NodeJS.ProcessEnv = process.env): EngineEnv {
  const parsed = engineEnvSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`).join("\n");
    throw new Error(`invalid environment:\n${problems}`);
  }
  return parsed.data;
}

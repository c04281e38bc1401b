// Everything the engine needs from the outside, opened by the boot code (or a test or benchmark) and
// passed to the composition root (composition/engine.ts). The engine never opens or closes these:
// whoever created them closes them after `app.close()`.
import type { OnlineFeaturesHealth, TrainingHealth } from "@cascade/core";
import type { Database } from "@cascade/db";
import type { Logger } from "pino";
import type { Clock } from "../platform/clock.ts";
import type { EventDeduplicator } from "../events/dedup/eventDeduplicator.ts";
import type { EventStream } from "../events/stream/eventStream.ts";
import type { ActiveModels } from "../models/activeModels.ts";
import type { PopularityRanking } from "../sources/popularityRanking.ts";
import type { EngineMetrics } from "../telemetry/engineMetrics.ts";
import type { ServingOptions } from "../serving/servingStack.ts";
import type { FunnelAdmissionOptions } from "./funnelAdmission.ts";
import type { OnlineStore } from "../stores/onlineStore.ts";
import type { PageSessionStore } from "../serving/pageSessions.ts";

export type EngineInfo = {
  version: string;
  databaseMode: "embedded" | "external";
  storeMode: "memory" | "redis";
};

/** Progress of what `cascade start` does in the background, for /v1/health (boot/ fills it). */
export type StartupStatus = {
  onlineFeatures(): OnlineFeaturesHealth;
  training(): TrainingHealth;
};

export type EngineDeps = {
  db: Database;
  store: OnlineStore;
  logger: Logger;
  info: EngineInfo;
  /** Where `POST /v1/events` publishes accepted events (its consumers run in events/consumers/eventPipeline.ts). */
  eventStream: EventStream;
  /** First line of event idempotency: short-lived claims on event ids. */
  eventDeduplicator: EventDeduplicator;
  /** Largest accepted request body, in bytes (larger → 413). */
  bodyLimitBytes: number;
  /** Share of recommendation requests whose served feature vectors are logged (skew checks); default 0. */
  servedFeatureSampleRate?: number;
  /**
   * The popularity ranking to serve. Omitted → the app creates one on `db` and starts/stops it with
   * itself. Passed in → the caller owns its lifecycle (tests use this to refresh on demand).
   */
  popularityRanking?: PopularityRanking;
  /**
   * Prometheus metrics (GET /metrics). Omitted → the engine creates its own (`engine.metrics`); pass
   * one to share it with code outside the engine (boot passes it to the event consumers).
   */
  metrics?: EngineMetrics;
  /** The model versions this engine serves (hot-swapped on promote). Omitted → none; health reports null. */
  activeModels?: ActiveModels;
  /** CASCADE_DATA_DIR: model artifacts go under `<dataDir>/models`. Omitted → registering models via the API answers 503. */
  dataDir?: string;
  /** Largest accepted body of `POST /v1/admin/models/external-rankers` (base64 ONNX), bytes; default 64 MiB. */
  modelUploadLimitBytes?: number;
  /** Start-up progress (online feature warm-up, background training). Omitted → features "live", training "idle". */
  startup?: StartupStatus;
  /** Business time for everything served (platform/clock.ts); omitted → the wall clock. */
  clock?: Clock;
  /**
   * Per-API-key request limit (unauthenticated requests: per client IP), counted by each engine on its
   * own; over it → 429 `rate_limited` with Retry-After. Omitted → no limit (tests, benchmarks);
   * `cascade start` passes CASCADE_RATE_LIMIT_MAX / CASCADE_RATE_LIMIT_WINDOW_MS.
   */
  rateLimit?: { max: number; windowMs: number };
  /**
   * Load shedding on the funnel routes (server/funnelAdmission.ts): over these bounds → 503 `overloaded`
   * with Retry-After. Omitted → no gate (tests); `cascade start` passes the CASCADE_FUNNEL_* settings.
   */
  funnelAdmission?: FunnelAdmissionOptions;
  /**
   * Run the guardrail watcher (experiments/guardrailWatcher.ts) in this engine: default true. `cascade serve`
   * passes false unless asked, since `cascade schedule` runs it (once per database, under an advisory lock).
   */
  guardrailWatcher?: boolean;
  /** Funnel knobs (rule-set LISTEN connection, refresh intervals); omitted → polling and defaults. */
  serving?: ServingOptions;
  /**
   * Where page sessions (the state behind later pages' cursors) live. `cascade start` passes the Redis
   * one when REDIS_URL is set (redisPageSessions.ts: a cursor is good on every replica sharing that
   * Redis); omitted → in this process only (a cursor is good on the engine that issued it).
   */
  pageSessions?: PageSessionStore;
};

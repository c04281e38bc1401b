// Business time on a historical log (platform/clock.ts), on real Postgres and Redis: a small catalogue and
// event log from April 1998 (like MovieLens-100K), served by the same engine under a data clock
// (business time = the newest event, advancing in real time) and under the wall clock. Under the
// data clock the lists are "as of" 1998 and the decayed features and seen windows are alive; under
// the wall clock the same online state reads as 28 years old: decayed features 0, nothing "seen".
import { randomUUID } from "node:crypto";
import { feedPreviewResponse, generateApiKey, healthResponse, recommendationsResponse, surfaceConfigSchema, type SurfaceConfigInput } from "@cascade/core";
import { createPrismaClient, type Database } from "@cascade/db";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataClock, fixedClock, wallClock, type Clock } from "../platform/clock.ts";
import { createMemoryEventDeduplicator } from "../events/dedup/memoryEventDeduplicator.ts";
import { createMemoryEventStream } from "../events/stream/memoryEventStream.ts";
import type { FeatureEvent } from "../features/featureEvent.ts";
import { fixedItemCategories } from "../features/itemCategories.ts";
import { applyEventsToOnlineStore } from "../features/onlineFeatureWriter.ts";
import type { FunnelTrace } from "../funnel/index.ts";
import { PopularityRanking } from "../sources/popularityRanking.ts";
import { buildEngineApp } from "../composition/engine.ts";
import { BUILD_THREAD_NICE, buildCoVisitationTableInWorker } from "../sources/coVisitationBuilder.ts";
import { buildCoVisitationTable } from "../sources/coVisitationTable.ts";
import { createRedisOnlineStore } from "../stores/redisOnlineStore.ts";
import type { OnlineStore } from "../stores/onlineStore.ts";
import type { ServingOptions } from "./servingStack.ts";

const HOUR_MS = 3_600_000;
/** The newest event of the log. */
const T0 = Date.parse("1998-04-22T12:00:00Z");
const logger = pino({ level: "silent" });

let db: Database;
let store: OnlineStore;
let adminKey: string;
const run = `clk${randomUUID().slice(0, 8)}`;
const item = (n: number) => `${run}-i${n}`;
const user = (name: string) => `${run}-${name}`;
const category = `${run}-a`;
const surface = `${run}-feed`;
const apps: FastifyInstance[] = [];
/** Item n was published n × 12 h before T0. */
const publishedAt = (n: number) => T0 - n * 12 * HOUR_MS;

type Trace = FunnelTrace & { degradedBecause: string[] };

beforeAll(async () => {
  db = createPrismaClient(process.env.TEST_DATABASE_URL!);
  store = await createRedisOnlineStore({ url: process.env.TEST_REDIS_URL! });
  await db.item.createMany({ data: Array.from({ length: 6 }, (_, n) => ({ id: item(n), category, publishedAt: new Date(publishedAt(n)) })) });
  await db.user.createMany({ data: ["fan", "v1", "v2", "v3"].map((name) => ({ id: user(name) })) });

  // Viewers engage with i0, i2 and i4 in the hours before T0 (trending, popularity, co-visitation);
  // the fan clicked i0 two hours and i1 one hour before T0 (history: the seen filter, co-visitation seeds).
  const events: FeatureEvent[] = [];
  const add = (who: string, type: FeatureEvent["type"], n: number, hoursBefore: number) =>
    events.push({ eventId: `${run}-e${events.length}`, type, userId: user(who), itemId: item(n), occurredAt: T0 - hoursBefore * HOUR_MS });
  for (const viewer of ["v1", "v2", "v3"]) {
    add(viewer, "click", 0, 5);
    add(viewer, "like", 2, 4);
    add(viewer, "click", 4, 3);
  }
  add("fan", "click", 0, 2);
  add("fan", "click", 1, 1);
  add("v1", "click", 2, 0);
  await db.event.createMany({
    data: events.map((event) => ({
      eventId: event.eventId,
      type: event.type,
      userId: event.userId,
      itemId: event.itemId,
      occurredAt: new Date(event.occurredAt),
    })),
  });
  // The feature writer on business time (as the stream consumer and the start-up replay are under CASCADE_CLOCK=data).
  await applyEventsToOnlineStore(store, events, new Date(T0), {
    itemCategories: fixedItemCategories(new Map(Array.from({ length: 6 }, (_, n) => [item(n), category]))),
  });

  await db.surface.create({ data: { id: surface, name: surface } });
  const config: SurfaceConfigInput = {
    sources: [
      { id: "trending", quota: 100, budgetMs: 500 },
      { id: "covisitation", quota: 100, budgetMs: 500 },
      { id: "fresh", quota: 100, budgetMs: 500 },
      { id: "popularity", quota: 100, budgetMs: 500 },
    ],
    hydrationBudgetMs: 2000,
    scoringBudgetMs: 2000,
    filters: { seenWindowHours: 72, expressions: [{ id: "ours", keep: `category in ("${category}")` }] },
    blend: { click: 1 },
    rules: [],
    exploration: { policy: "none" },
  };
  await db.ruleSet.create({
    data: { surfaceId: surface, version: 1, status: "published", config: surfaceConfigSchema.parse(config) as object, publishedAt: new Date() },
  });
  const { key, prefix, hashedKey } = generateApiKey();
  await db.apiKey.create({ data: { name: `${run} admin`, prefix, hashedKey, scopes: ["admin", "recommend"] } });
  adminKey = `Bearer ${key}`;
});

afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  await db.apiKey.deleteMany({ where: { name: { startsWith: run } } });
  await db.event.deleteMany({ where: { eventId: { startsWith: `${run}-` } } });
  await db.surface.deleteMany({ where: { id: surface } });
  await db.item.deleteMany({ where: { id: { startsWith: `${run}-` } } });
  await db.user.deleteMany({ where: { id: { startsWith: `${run}-` } } });
  await store.close();
  await db.$disconnect();
});

async function engine(clock: Clock | undefined, serving: ServingOptions = {}): Promise<FastifyInstance> {
  const { app, engine } = await buildEngineApp({
    db,
    store,
    logger,
    info: { version: "test", databaseMode: "external", storeMode: "redis" },
    eventStream: createMemoryEventStream(),
    eventDeduplicator: createMemoryEventDeduplicator(),
    bodyLimitBytes: 1024 * 1024,
    serving: { rulesPollIntervalMs: 60_000, itemStateTtlMs: 0, followsTtlMs: 0, exclusionsTtlMs: 0, ...serving },
    ...(clock ? { clock } : {}),
  });
  apps.push(app);
  await engine.serving.warm();
  return app;
}

async function recommend(app: FastifyInstance, userId: string) {
  const response = await app.inject({
    method: "POST",
    url: "/v1/recommendations",
    headers: { authorization: adminKey },
    payload: { userId, surface, count: 10, debug: true },
  });
  expect(response.statusCode, response.body).toBe(200);
  const body = recommendationsResponse.parse(response.json());
  return { body, trace: body.trace as Trace };
}

const sourcesOf = (items: { sources: { id: string }[] }[]) => new Set(items.flatMap((entry) => entry.sources.map((hit) => hit.id)));
const removedBy = (trace: Trace, id: string) =>
  trace.stages
    .flatMap((stage) => stage.components)
    .find((component) => component.id === id)
    ?.removed?.map((entry) => entry.itemId) ?? [];

describe("a 1998 event log served under a data clock", () => {
  it("serves trending, co-visitation, fresh and popular items with live decayed features and seen windows", async () => {
    const clock = dataClock(T0);
    const app = await engine(clock);
    const { body, trace } = await recommend(app, user("fan"));
    expect(body.degraded).toBe(false);
    expect(trace.nowMs).toBeGreaterThanOrEqual(T0);
    expect(trace.nowMs - T0).toBeLessThan(5 * 60_000);
    expect([...sourcesOf(body.items)]).toEqual(expect.arrayContaining(["trending", "covisitation", "fresh", "popularity"]));
    // The fan's clicks of an hour or two ago are inside the 72 h seen window.
    expect(removedBy(trace, "seen")).toEqual(expect.arrayContaining([item(0), item(1)]));
    expect(body.items.map((entry) => entry.itemId)).not.toContain(item(0));
    // i2: three likes 4 h ago and a click at T0: 3·2·2^(−4/6) + 1 on the 6 h half-life.
    const i2 = trace.candidates![item(2)]!;
    expect(i2.features.item_trending_6h).toBeCloseTo((6 * 2 ** (-4 / 6) + 1) * 2 ** (-(trace.nowMs - T0) / (6 * HOUR_MS)), 4);
    expect(i2.features.item_popularity_3d).toBeGreaterThan(6);
    // The fan's two clicks are inside the 24 h window.
    expect(i2.features.user_clicks_24h).toBe(2);
  });

  it("reports the clock in health", async () => {
    const app = await engine(dataClock(T0));
    const response = await app.inject({ method: "GET", url: "/v1/health" });
    const health = healthResponse.parse(response.json());
    expect(health.clock.mode).toBe("data");
    expect(Date.parse(health.clock.now) - T0).toBeGreaterThanOrEqual(0);
    expect(Date.parse(health.clock.now) - T0).toBeLessThan(5 * 60_000);
    const wall = healthResponse.parse((await (await engine(undefined)).inject({ method: "GET", url: "/v1/health" })).json());
    expect(wall.clock.mode).toBe("wall");
    expect(Math.abs(Date.parse(wall.clock.now) - Date.now())).toBeLessThan(60_000);
  });
});

describe("the same log under the wall clock", () => {
  it("reads the same online state as 28 years old: decayed features 0, nothing seen recently", async () => {
    const app = await engine(wallClock);
    const { body, trace } = await recommend(app, user("fan"));
    expect(Math.abs(trace.nowMs - Date.now())).toBeLessThan(60_000);
    const scored = Object.entries(trace.candidates ?? {}).filter(([id]) => id.startsWith(run));
    expect(scored.length).toBeGreaterThan(0);
    for (const [, candidate] of scored) {
      expect(candidate.features.item_trending_6h).toBe(0);
      expect(candidate.features.item_popularity_3d).toBe(0);
      expect(candidate.features.user_clicks_24h).toBe(0);
    }
    expect(removedBy(trace, "seen")).not.toContain(item(1));
    // Which list sources serve here is not asserted: the lists are computed as of the newest event
    // at or before now, and in a full run that is another test file's event in the shared database.
    expect(body.items.length).toBeGreaterThan(0);
  });
});

describe("lists as of a fixed time", () => {
  it("popularity and co-visitation count only what had happened by then", async () => {
    const before = new PopularityRanking(db, logger, { clock: fixedClock(T0 - 24 * HOUR_MS) });
    expect((await before.refresh()).items.filter((entry) => entry.itemId.startsWith(run))).toEqual([]);
    const midway = new PopularityRanking(db, logger, { clock: fixedClock(T0 - 3.5 * HOUR_MS) });
    const snapshot = await midway.refresh();
    // At T0 − 3.5 h: the clicks on i0 (5 h before T0) and the likes of i2 (4 h before) had happened, the i4 clicks had not.
    expect(snapshot.referenceTime?.getTime()).toBe(T0 - 4 * HOUR_MS);
    expect(snapshot.items.map((entry) => entry.itemId).filter((id) => id.startsWith(run))).toEqual([item(2), item(0)]);
    const table = await buildCoVisitationTable(db, {}, fixedClock(T0 - 3.5 * HOUR_MS));
    expect(table.neighbours.get(item(0))?.map((entry) => entry.itemId)).toEqual([item(2)]);
  });

  it("the co-visitation table built in its worker thread (as the engine builds it) is the one built here through Prisma", async () => {
    for (const asOf of [T0 - 3.5 * HOUR_MS, T0]) {
      const here = await buildCoVisitationTable(db, {}, fixedClock(asOf));
      const inWorker = await buildCoVisitationTableInWorker(process.env.TEST_DATABASE_URL!, {}, fixedClock(asOf));
      for (let n = 0; n < 6; n += 1) expect(inWorker.neighbours.get(item(n)), `item ${n} as of ${asOf}`).toEqual(here.neighbours.get(item(n)));
    }
    // At T0 every viewer's three items are neighbours of each other (not only i0 → i2).
    const atT0 = await buildCoVisitationTableInWorker(process.env.TEST_DATABASE_URL!, {}, fixedClock(T0));
    expect(
      atT0.neighbours
        .get(item(4))
        ?.map((entry) => entry.itemId)
        .sort(),
    ).toEqual([item(0), item(2)].sort());
    // The build thread gives way to the request thread (Linux: its own nice value).
    if (process.platform === "linux") expect(atT0.buildThreadNice).toBe(BUILD_THREAD_NICE);
  });

  it("a worker build stops when its signal aborts (the engine stopping), before or during the build", async () => {
    const url = process.env.TEST_DATABASE_URL!;
    await expect(buildCoVisitationTableInWorker(url, { signal: AbortSignal.abort(new Error("stopped before")) }, fixedClock(T0))).rejects.toThrow(
      "stopped before",
    );
    const stopping = new AbortController();
    const building = buildCoVisitationTableInWorker(url, { signal: stopping.signal }, fixedClock(T0));
    setTimeout(() => stopping.abort(new Error("stopped during")), 5);
    await expect(building).rejects.toThrow("stopped during");
  });

  it("a worker build that cannot reach the database fails with the driver's error, and stops its thread", async () => {
    await expect(buildCoVisitationTableInWorker("postgresql://postgres@127.0.0.1:1/nowhere", {}, fixedClock(T0))).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe("feed preview as of T", () => {
  it("runs one request at `asOf`: windowed features, fresh items and history as of then", async () => {
    const app = await engine(dataClock(T0));
    const asOf = new Date(T0 - 30 * HOUR_MS).toISOString();
    const response = await app.inject({
      method: "POST",
      url: "/v1/admin/feed-preview",
      headers: { authorization: adminKey },
      payload: { userId: user("fan"), surface, count: 10, asOf },
    });
    expect(response.statusCode, response.body).toBe(200);
    const preview = feedPreviewResponse.parse(response.json());
    const trace = preview.trace as Trace;
    expect(trace.nowMs).toBe(Date.parse(asOf));
    // i0, i1 and i2 were published less than 30 h before T0: not yet, as of T0 − 30 h.
    const fresh = preview.response.items.filter((entry) => entry.sources.some((hit) => hit.id === "fresh")).map((entry) => entry.itemId);
    expect(fresh.length).toBeGreaterThan(0);
    for (const id of fresh) expect(publishedAt(Number(id.slice(id.lastIndexOf("i") + 1)))).toBeLessThanOrEqual(Date.parse(asOf));
    // The fan had done nothing yet: no history, no clicks in the window, no recent items.
    expect(preview.history).toEqual([]);
    const candidates = Object.values(trace.candidates ?? {});
    expect(candidates.length).toBeGreaterThan(0);
    for (const candidate of candidates) {
      expect(candidate.features.user_clicks_24h).toBe(0);
      expect(candidate.features.user_recent_items_count).toBe(0);
    }
    expect(preview.pointInTime?.mode).toBe("replay");
  });

  it("replays the items' counters as of T, where the live store holds what came later", async () => {
    const app = await engine(dataClock(T0));
    // At T0 − 3.5 h the viewers' clicks on i0 (T0 − 5 h) had happened, those on i4 (T0 − 3 h) had not.
    const asOf = new Date(T0 - 3.5 * HOUR_MS).toISOString();
    const preview = async (at?: string) => {
      const response = await app.inject({
        method: "POST",
        url: "/v1/admin/feed-preview",
        headers: { authorization: adminKey },
        payload: { userId: user("fan"), surface, count: 10, ...(at ? { asOf: at } : {}) },
      });
      expect(response.statusCode, response.body).toBe(200);
      return feedPreviewResponse.parse(response.json());
    };
    const then = await preview(asOf);
    expect(then.pointInTime?.mode).toBe("replay");
    const thenCandidates = (then.trace as Trace).candidates ?? {};
    // Decayed counters: three clicks, 1.5 h old at T.
    expect(thenCandidates[item(0)]?.features.item_clicks_3d).toBeGreaterThan(2.9);
    expect(thenCandidates[item(4)]?.features.item_clicks_3d).toBe(0);
    const now = await preview();
    expect(now.pointInTime).toBeUndefined();
    expect((now.trace as Trace).candidates?.[item(4)]?.features.item_clicks_3d).toBeGreaterThan(2.9);
  });

  it("runs `asOf` on the live stack, and says so, when the log up to T is above the replay limit", async () => {
    const app = await engine(dataClock(T0), { previewReplayMaxEvents: 0 });
    const asOf = new Date(T0 - 3.5 * HOUR_MS).toISOString();
    const response = await app.inject({
      method: "POST",
      url: "/v1/admin/feed-preview",
      headers: { authorization: adminKey },
      payload: { userId: user("fan"), surface, count: 10, asOf },
    });
    expect(response.statusCode, response.body).toBe(200);
    const preview = feedPreviewResponse.parse(response.json());
    expect(preview.pointInTime).toEqual({ mode: "live", note: expect.stringContaining("exceed the preview's replay limit of 0") });
    expect((preview.trace as Trace).nowMs).toBe(Date.parse(asOf));
    // Live online state: i0's clicks of T0 − 5 h are there (as they were at T0 − 3.5 h too).
    expect((preview.trace as Trace).candidates?.[item(0)]?.features.item_clicks_3d).toBeGreaterThan(0);
  });

  it("answers 400 naming asOf for a value that is not an instant", async () => {
    const app = await engine(dataClock(T0));
    const response = await app.inject({
      method: "POST",
      url: "/v1/admin/feed-preview",
      headers: { authorization: adminKey },
      payload: { userId: user("fan"), surface, asOf: "last tuesday" },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.issues).toEqual([expect.objectContaining({ path: "asOf" })]);
  });
});

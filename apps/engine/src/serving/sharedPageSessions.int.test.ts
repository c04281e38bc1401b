// Two engine replicas (buildEngineApp, each with its own PostgreSQL and Redis connections) on one
// PostgreSQL and one Redis, sharing page sessions through the Redis store: a cursor issued by one is
// served by the other, pages alternate between them exactly as one engine would serve them, the
// diversity caps hold across pages (tails written back), and the failure answers are the documented
// ones: unknown or expired session → 400 invalid_cursor, page-session Redis down → first pages still
// served (counted), later pages 503 dependency_unavailable.
import { recommendationsResponse, type RecommendationsResponse, type SurfaceConfigInput } from "@cascade/core";
import { createPrismaClient, type Database } from "@cascade/db";
import type { FastifyInstance } from "fastify";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildEngineApp, type Engine } from "../composition/engine.ts";
import { createMemoryEventDeduplicator } from "../events/dedup/memoryEventDeduplicator.ts";
import { createMemoryEventStream } from "../events/stream/memoryEventStream.ts";
import type { EngineDeps } from "../server/engineDeps.ts";
import { createRedisOnlineStore } from "../stores/redisOnlineStore.ts";
import type { OnlineStore } from "../stores/onlineStore.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import { SESSION_PREFIX, type PageSessionStore } from "./pageSessions.ts";
import { createRedisPageSessionStore, pageSessionKey } from "./redisPageSessions.ts";
import { startTcpProxy, type TcpProxy } from "./testing/tcpProxy.ts";
import { createServingWorld, type ServingWorld } from "./testing/servingWorld.ts";

const redisUrl = process.env.TEST_REDIS_URL!;
const databaseUrl = process.env.TEST_DATABASE_URL!;

type Replica = { app: FastifyInstance; engine: Engine; pageSessions: PageSessionStore | null };

let world: ServingWorld;
let recommendKey: string;
let surface: string;
let version: number;
let creatorOf: Map<string, string | null>;
const closers: (() => Promise<unknown>)[] = [];

/** An engine replica with connections of its own: PostgreSQL, online store and (unless `pageSessions: null`) the given page-session store. */
async function replica(pageSessions: PageSessionStore | null): Promise<Replica> {
  const db: Database = createPrismaClient(databaseUrl);
  const store: OnlineStore = await createRedisOnlineStore({ url: redisUrl });
  const deps: EngineDeps = {
    db,
    store,
    logger: pino({ level: "silent" }),
    info: { version: "test", databaseMode: "external", storeMode: "redis" },
    eventStream: createMemoryEventStream(),
    eventDeduplicator: createMemoryEventDeduplicator(),
    bodyLimitBytes: 1024 * 1024,
    popularityRanking: world.popularity,
    serving: { databaseUrl, rulesPollIntervalMs: 60_000, guardrailCheckIntervalMs: 0 },
    ...(pageSessions ? { pageSessions } : {}),
  };
  const { app, engine } = await buildEngineApp(deps);
  await engine.serving.warm();
  // Closed in reverse: the app first, then what it was given.
  closers.push(
    () => db.$disconnect(),
    () => store.close(),
    ...(pageSessions ? [() => pageSessions.close()] : []),
    () => app.close(),
  );
  return { app, engine, pageSessions };
}

async function post(target: Replica, payload: Record<string, unknown>) {
  return target.app.inject({ method: "POST", url: "/v1/recommendations", headers: { authorization: recommendKey }, payload: { surface, ...payload } });
}

async function page(target: Replica, payload: Record<string, unknown>): Promise<RecommendationsResponse> {
  const response = await post(target, payload);
  expect(response.statusCode, response.body).toBe(200);
  const parsed = recommendationsResponse.parse(response.json());
  expect(parsed.ruleSetVersion).toBe(version);
  return parsed;
}

/** Pages of 2 until the end, page k served by replicas[k % replicas.length]; page 2 excludes `excludeOnPage2`. */
async function pageThrough(replicas: Replica[], userId: string, excludeOnPage2: string[] = []): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | null = null;
  for (let k = 0; k < 10; k += 1) {
    const response: RecommendationsResponse = await page(replicas[k % replicas.length]!, {
      userId,
      count: 2,
      ...(cursor ? { cursor } : {}),
      ...(k === 1 ? { excludeItemIds: excludeOnPage2 } : {}),
    });
    const served = pages.flat().length;
    expect(response.items.map((item) => item.position)).toEqual(response.items.map((_, i) => served + i));
    pages.push(response.items.map((item) => item.itemId));
    cursor = response.cursor;
    if (!cursor) break;
  }
  return pages;
}

function expectCapsKept(served: string[], label: string): void {
  for (let i = 1; i < served.length; i += 1) {
    // category: at most 1 per 2 positions; creator: at most 2 per 3.
    expect(world.itemCategory.get(served[i]!), `${label}: ${served.join(" ")}`).not.toBe(world.itemCategory.get(served[i - 1]!));
    if (i >= 2) {
      const creators = [served[i - 2]!, served[i - 1]!, served[i]!].map((id) => creatorOf.get(id));
      expect(creators[0] === creators[1] && creators[1] === creators[2], `${label}: ${served.join(" ")}`).toBe(false);
    }
  }
}

let a: Replica;
let b: Replica;
let single: Replica;

beforeAll(async () => {
  world = await createServingWorld();
  recommendKey = await world.createApiKey(["recommend"]);
  surface = `${world.run}-shared`;
  await world.db.surface.create({ data: { id: surface, name: surface } });
  const capped: SurfaceConfigInput = {
    ...world.baseConfig,
    rules: [
      { type: "diversity", id: "categoryDiversity", attribute: "category", maxPerWindow: 1, window: 2 },
      { type: "diversity", id: "creatorDiversity", attribute: "creator", maxPerWindow: 2, window: 3 },
    ],
    exploration: { policy: "none" },
  };
  version = await world.publish(capped, surface);
  creatorOf = new Map((await world.db.item.findMany({ where: { id: { in: [...world.itemCategory.keys()] } } })).map((item) => [item.id, item.creatorId]));
  a = await replica(await createRedisPageSessionStore({ url: redisUrl }));
  b = await replica(await createRedisPageSessionStore({ url: redisUrl }));
  single = await replica(null);
  for (const target of [a, b, single]) await target.engine.serving.rules.refresh();
});

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await world?.close();
});

describe("page sessions shared by two engines through Redis", () => {
  it("page 1 from A, 2 from B, 3 from A…: no item repeated, caps kept across pages, the same pages as one engine", async () => {
    // The viewers have seen most items (a page or two); the follower and a user never seen get four pages or more.
    for (const user of ["viewer1", "viewer2", "follower", "stranger"]) {
      const userId = world.user(user);
      const alone = await pageThrough([single], userId);
      const shared = await pageThrough([a, b], userId);
      expect(shared, user).toEqual(alone);
      const served = shared.flat();
      expect(shared.length, `${user}: ${served.join(" ")}`).toBeGreaterThanOrEqual(user === "follower" || user === "stranger" ? 4 : 2);
      expect(new Set(served).size).toBe(served.length);
      expectCapsKept(served, user);
    }
  });

  it("with an exclusion on page 2 (items passed over), the tail B served is written back and A continues after it as one engine does", async () => {
    const userId = world.user("stranger");
    const first = await page(a, { userId, count: 2 });
    // Exclude the item page 2 would have started with, so page 2 passes over items.
    const whole = await pageThrough([single], userId);
    const excluded = whole[1]!.slice(0, 1);
    const alone = await pageThrough([single], userId, excluded);
    const shared = await pageThrough([a, b], userId, excluded);
    expect(shared).toEqual(alone);
    expect(shared.flat()).not.toContain(excluded[0]);
    expect(shared.length).toBeGreaterThanOrEqual(3);
    expectCapsKept(shared.flat(), "with an exclusion");

    // Page 2 on B records what it served under the next cursor's offset, readable from A.
    const second = await page(b, { userId, count: 2, cursor: first.cursor, excludeItemIds: excluded });
    const next = decodeCursor(second.cursor!)!;
    const session = await a.pageSessions!.get(next.snapshotId);
    expect(session?.caps?.tails.get(next.offset)).toEqual(second.items.map((item) => item.itemId).slice(-2));
  });

  it("serves page 2 from B even when A's write of the session lands after B is asked (the first page writes it after its response)", async () => {
    // A's session writes reach Redis 60 ms late; the cursor goes to B at once.
    const redis = await createRedisPageSessionStore({ url: redisUrl });
    const late: PageSessionStore = {
      put: async (session) => {
        await new Promise((resolve) => setTimeout(resolve, 60));
        await redis.put(session);
      },
      get: (id) => redis.get(id),
      putTail: (id, offset, tail) => redis.putTail(id, offset, tail),
      close: () => redis.close(),
    };
    const slowA = await replica(late);
    await slowA.engine.serving.rules.refresh();
    const first = await page(slowA, { userId: `${world.run}-late-writer`, count: 2 });
    expect(first.cursor).not.toBeNull();
    const second = await page(b, { userId: `${world.run}-late-writer`, count: 2, cursor: first.cursor });
    expect(second.items.map((item) => item.position)).toEqual([2, 3]);
    expect(second.items.map((item) => item.itemId)).not.toContain(first.items[0]!.itemId);
  });

  it("an unknown session, or one that expired (its key gone), is 400 invalid_cursor on every replica", async () => {
    const userId = world.user("viewer1");
    const unknown = encodeCursor({ snapshotId: `${SESSION_PREFIX}never-issued`, offset: 2, served: 2 });
    for (const target of [a, b]) {
      const response = await post(target, { userId, cursor: unknown });
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toMatchObject({ code: "invalid_cursor", issues: [{ path: "cursor" }] });
    }
    const first = await page(a, { userId, count: 2 });
    const raw = new Redis(redisUrl);
    try {
      expect(await raw.del(pageSessionKey(decodeCursor(first.cursor!)!.snapshotId))).toBe(1);
    } finally {
      raw.disconnect();
    }
    const expired = await post(b, { userId, count: 2, cursor: first.cursor });
    expect(expired.statusCode).toBe(400);
    expect(expired.json().error.code).toBe("invalid_cursor");
  });
});

describe("page-session Redis down", () => {
  let proxy: TcpProxy;
  let cut: Replica;

  beforeAll(async () => {
    proxy = await startTcpProxy(redisUrl);
    cut = await replica(await createRedisPageSessionStore({ url: proxy.url }));
    await cut.engine.serving.rules.refresh();
  });

  it("later pages answer 503 dependency_unavailable (retry the cursor); first pages are still served, the lost session counted, and its cursor then reads as expired", async () => {
    const userId = world.user("follower");
    const before = await page(cut, { userId, count: 2 });
    // The first page's write is not awaited by the response: wait until it is in Redis.
    const sessionId = decodeCursor(before.cursor!)!.snapshotId;
    for (let attempt = 0; attempt < 100 && !(await a.pageSessions!.get(sessionId)); attempt += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    await proxy.cut();

    const later = await post(cut, { userId, count: 2, cursor: before.cursor });
    expect(later.statusCode).toBe(503);
    expect(later.json()).toEqual({ error: { code: "dependency_unavailable", message: "a backing service is unavailable; retry later" } });
    // The session is still in Redis: the same cursor works on a replica that can reach it.
    expect((await page(a, { userId, count: 2, cursor: before.cursor })).items.length).toBeGreaterThan(0);

    const failures = cut.engine.serving.sessionWriteFailures.count;
    const whileDown = await page(cut, { userId, count: 2 });
    expect(whileDown.items.length).toBe(2);
    expect(whileDown.cursor).not.toBeNull();
    for (let attempt = 0; attempt < 100 && cut.engine.serving.sessionWriteFailures.count === failures; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(cut.engine.serving.sessionWriteFailures.count).toBe(failures + 1);
    const scrape = await cut.app.inject({ method: "GET", url: "/metrics" });
    expect(scrape.body).toMatch(new RegExp(`^cascade_page_session_write_failures_total ${failures + 1}$`, "m"));
    const orphan = await post(a, { userId, count: 2, cursor: whileDown.cursor });
    expect(orphan.statusCode).toBe(400);
    expect(orphan.json().error.code).toBe("invalid_cursor");
  });
});

import { apiError, recommendationsResponse, type RecommendationsResponse } from "@cascade/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FunnelTrace } from "../../funnel/index.ts";
import { popularityScore, DEFAULT_POPULARITY_SCORING, type ScoredEvent } from "../../sources/popularityScore.ts";
import { startTestEngine, type TestEngine } from "../testing/testEngine.ts";
import { POPULARITY_ONLY_CONFIG } from "../testing/popularSurface.ts";

let engine: TestEngine;
let ingest: string;
let recommend: string;
let admin: string;
const events: (ScoredEvent & { itemId: string; userId: string; eventId: string })[] = [];
const item = (name: string) => `${engine.run}-${name}`;
/** A surface whose published rule set serves the popularity ranking as is (one source, no seen filter, rules or exploration). */
let popular: string;

beforeAll(async () => {
  engine = await startTestEngine();
  ({ authorization: ingest } = await engine.createApiKey(["ingest"]));
  ({ authorization: recommend } = await engine.createApiKey(["recommend"]));
  ({ authorization: admin } = await engine.createApiKey(["admin"]));

  const names = ["hit", "solid", "niche", "seen", "hated", "hidden"];
  const upserted = await engine.app.inject({
    method: "PUT",
    url: "/v1/items",
    headers: { authorization: ingest },
    payload: { items: names.map((name) => ({ id: item(name), category: "c", publishedAt: "2026-01-01T00:00:00Z" })) },
  });
  expect(upserted.statusCode).toBe(200);

  // By design (3-day half-life): hit ≈ 11.6 > hidden ≈ 3.1 > solid ≈ 2.1 > niche ≈ 1.7;
  // "seen" has only impressions (score 0) and "hated" nets negative, so neither is ranked.
  const now = Date.now();
  let n = 0;
  const add = (name: string, type: ScoredEvent["type"], hoursAgo: number, userId = `${engine.run}-fan`, value: number | null = null) => {
    n += 1;
    events.push({ eventId: `${engine.run}-ev${n}`, itemId: item(name), userId, type, value, occurredAt: new Date(now - hoursAgo * 3_600_000) });
  };
  for (let k = 0; k < 4; k += 1) add("hit", "like", k);
  add("hit", "purchase", 30, `${engine.run}-buyer`, 9.99);
  add("solid", "click", 1);
  add("solid", "watch", 100, `${engine.run}-fan`, 120);
  add("niche", "click", 200);
  add("niche", "rating", 2, `${engine.run}-fan`, 9);
  add("seen", "impression", 1);
  add("hated", "click", 1);
  add("hated", "hide", 2);
  for (let k = 0; k < 4; k += 1) add("hidden", "like", 1);
  add("hidden", "hide", 3, `${engine.run}-picky`);
  const posted = await engine.app.inject({
    method: "POST",
    url: "/v1/events",
    headers: { authorization: ingest },
    payload: {
      events: events.map(({ occurredAt, value, ...event }) => ({ ...event, timestamp: occurredAt.toISOString(), ...(value === null ? {} : { value }) })),
    },
  });
  expect(posted.json().accepted).toBe(events.length);
  // Ingestion is asynchronous: the ranking reads the event log the consumers write.
  await engine.settleEvents();
  await engine.ranking.refresh();

  popular = `${engine.run}-popular`;
  await engine.publishSurface(popular, POPULARITY_ONLY_CONFIG);
});

afterAll(async () => {
  await engine.db.surface.deleteMany({ where: { id: popular } });
  await engine.close();
});

async function recommendFor(body: Record<string, unknown>, authorization = recommend): Promise<RecommendationsResponse> {
  const response = await engine.app.inject({ method: "POST", url: "/v1/recommendations", headers: { authorization }, payload: { surface: popular, ...body } });
  expect(response.statusCode, response.body).toBe(200);
  return recommendationsResponse.parse(response.json());
}

/** This file's items, in served order (other test files add items to the shared ranking). */
function ours(response: RecommendationsResponse): string[] {
  return response.items.map((entry) => entry.itemId).filter((id) => id.startsWith(`${engine.run}-`));
}

describe("POST /v1/recommendations", () => {
  it("ranks by time-decayed engagement, leaving out items with no positive score", async () => {
    const response = await recommendFor({ userId: `${engine.run}-anyone`, count: 200 });
    expect(ours(response)).toEqual([item("hit"), item("hidden"), item("solid"), item("niche")]);
    // No ranker promoted yet: ranked by retrieval rank (the popularity order).
    expect(response).toMatchObject({ modelVersion: null, ruleSetVersion: 1, variant: null, degraded: false, surface: popular });
    expect(response.requestId).toMatch(/^[0-9a-f-]{36}$/);

    const first = response.items[0]!;
    const snapshot = await engine.ranking.currentSnapshot();
    expect(first).toMatchObject({ position: 0, propensity: 1, sources: [{ id: "popularity", rank: 0, score: snapshot.items[0]!.score }] });
    response.items.forEach((entry, index) => expect(entry.position).toBe(index));
  });

  it("scores exactly as the reference definition in popularityScore.ts", async () => {
    const snapshot = await engine.ranking.currentSnapshot();
    expect(snapshot.referenceTime).not.toBeNull();
    for (const name of ["hit", "solid", "niche", "hidden"]) {
      const expected = popularityScore(
        events.filter((event) => event.itemId === item(name)),
        snapshot.referenceTime!,
        DEFAULT_POPULARITY_SCORING,
      );
      const served = snapshot.items.find((entry) => entry.itemId === item(name));
      expect(served?.score).toBeCloseTo(expected, 9);
    }
  });

  it("leaves out excludeItemIds and what the user hid, disliked or bought", async () => {
    const picky = await recommendFor({ userId: `${engine.run}-picky`, count: 200, excludeItemIds: [item("solid")] });
    expect(ours(picky)).toEqual([item("hit"), item("niche")]);
    const buyer = await recommendFor({ userId: `${engine.run}-buyer`, count: 200 });
    expect(ours(buyer)).toEqual([item("hidden"), item("solid"), item("niche")]);
  });

  it("gives unknown users the cold-start list", async () => {
    const stranger = await recommendFor({ userId: `${engine.run}-never-seen`, count: 200 });
    const anyone = await recommendFor({ userId: `${engine.run}-anyone`, count: 200 });
    expect(stranger.items.map((entry) => entry.itemId)).toEqual(anyone.items.map((entry) => entry.itemId));
    expect(stranger.items.length).toBeGreaterThanOrEqual(4);
  });

  it("pages with a cursor without repeating items, continuing positions, in ranking order", async () => {
    const snapshot = await engine.ranking.currentSnapshot();
    const userId = `${engine.run}-picky`;
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 4; page += 1) {
      const response = await recommendFor({ userId, count: 2, ...(cursor ? { cursor } : {}) });
      expect(response.items.map((entry) => entry.position)).toEqual(response.items.map((_, index) => seen.length + index));
      seen.push(...response.items.map((entry) => entry.itemId));
      if (!response.cursor) break;
      cursor = response.cursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    const expected = snapshot.items
      .map((entry) => entry.itemId)
      .filter((id) => id !== item("hidden"))
      .slice(0, seen.length);
    expect(seen).toEqual(expected);
  });

  it("reads cursor: null as the first page", async () => {
    const first = await recommendFor({ userId: `${engine.run}-anyone`, count: 2 });
    const withNull = await recommendFor({ userId: `${engine.run}-anyone`, count: 2, cursor: null });
    expect(withNull.items.map((entry) => entry.itemId)).toEqual(first.items.map((entry) => entry.itemId));
  });

  it("answers 400 invalid_cursor naming cursor for a cursor that is not ours or has expired", async () => {
    for (const cursor of ["garbage!", Buffer.from(JSON.stringify({ v: 1, s: "gone", o: 2, n: 2 })).toString("base64url")]) {
      const response = await engine.app.inject({
        method: "POST",
        url: "/v1/recommendations",
        headers: { authorization: recommend },
        payload: { userId: "u", cursor },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toMatchObject({ code: "invalid_cursor", issues: [{ path: "cursor" }] });
    }
  });

  it("returns a trace only to admin keys", async () => {
    const denied = await engine.app.inject({
      method: "POST",
      url: "/v1/recommendations",
      headers: { authorization: recommend },
      payload: { userId: "u", debug: true },
    });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.code).toBe("forbidden");

    const traced = await recommendFor({ userId: `${engine.run}-picky`, count: 3, debug: true }, admin);
    const trace = traced.trace as FunnelTrace;
    expect(trace.requestId).toBe(traced.requestId);
    const exclusions = trace.stages.find((stage) => stage.stage === "filters")!.components.find((component) => component.id === "userExclusions")!;
    expect(exclusions.removed).toEqual([{ itemId: item("hidden"), reason: "the user hid, disliked or bought it" }]);
    expect(trace.served.map((served) => served.itemId)).toEqual(traced.items.map((entry) => entry.itemId));
    expect((await recommendFor({ userId: "u", count: 1 })).trace).toBeUndefined();
  });

  it("validates the request body", async () => {
    const response = await engine.app.inject({
      method: "POST",
      url: "/v1/recommendations",
      headers: { authorization: recommend },
      payload: { userId: "u", count: 0 },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.issues[0].path).toBe("count");
  });
});

describe("an app that owns its popularity ranking", () => {
  it("loads the ranking itself and stops its refresh timer on close", async () => {
    const { buildEngineApp } = await import("../../composition/engine.ts");
    const { pino } = await import("pino");
    const { app } = await buildEngineApp({
      db: engine.db,
      store: engine.store,
      logger: pino({ level: "silent" }),
      info: { version: "test", databaseMode: "external", storeMode: "redis" },
      eventStream: engine.eventStream,
      eventDeduplicator: engine.eventDeduplicator,
      bodyLimitBytes: 1024 * 1024,
    });
    try {
      const response = await app.inject({
        method: "POST",
        url: "/v1/recommendations",
        headers: { authorization: recommend },
        payload: { userId: `${engine.run}-anyone`, count: 1 },
      });
      expect(response.statusCode).toBe(200);
      expect(recommendationsResponse.parse(response.json()).items).toHaveLength(1);
    } finally {
      await app.close();
    }
  });
});

describe("surface names", () => {
  it("answers 404 naming `surface` for a surface that is neither built in nor created, on /v1/recommendations and /v1/rerank", async () => {
    for (const url of ["/v1/recommendations", "/v1/rerank"]) {
      const response = await engine.app.inject({
        method: "POST",
        url,
        headers: { authorization: recommend },
        payload: { surface: "nope", userId: `${engine.run}-u1`, ...(url === "/v1/rerank" ? { itemIds: [`${engine.run}-a`] } : { count: 3 }) },
      });
      expect(response.statusCode, url).toBe(404);
      const { error } = apiError.parse(response.json());
      expect(error.code).toBe("not_found");
      expect(error.message).toContain('"nope"');
      expect(error.issues).toEqual([{ path: "surface", message: expect.any(String) }]);
    }
  });

  it("serves the built-in surfaces, the default one and a created surface", async () => {
    const created = `${engine.run}-created`;
    await engine.db.surface.create({ data: { id: created, name: created } });
    try {
      for (const surface of ["home", "related", undefined, popular, created]) {
        const response = await engine.app.inject({
          method: "POST",
          url: "/v1/recommendations",
          headers: { authorization: recommend },
          payload: { userId: `${engine.run}-u1`, count: 3, ...(surface ? { surface } : {}) },
        });
        expect(response.statusCode, String(surface)).toBe(200);
      }
    } finally {
      await engine.db.surface.deleteMany({ where: { id: created } });
    }
  });
});

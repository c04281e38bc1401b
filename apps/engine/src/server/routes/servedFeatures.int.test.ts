// The recommendation route logs the feature vectors it served for a sampled request, off the
// response path, so the skew check has something to compare.
import { DEFAULT_SURFACE_CONFIGS } from "@cascade/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEngine, type TestEngine } from "../testing/testEngine.ts";

let engine: TestEngine;
let authorization: string;
/** The home defaults with generous budgets: this file checks what is logged, not latency on a loaded machine. */
let surface: string;

beforeAll(async () => {
  engine = await startTestEngine({ servedFeatureSampleRate: 1 });
  ({ authorization } = await engine.createApiKey(["admin"]));
  // a, b, c get clicked; d and e are fresh items the user has not seen (the funnel serves those).
  const items = ["a", "b", "c", "d", "e"].map((name) => ({ id: `${engine.run}-${name}`, category: "music", publishedAt: new Date().toISOString() }));
  const upsert = await engine.app.inject({ method: "PUT", url: "/v1/items", headers: { authorization }, payload: { items } });
  expect(upsert.statusCode).toBe(200);
  const events = items.slice(0, 3).map((item, index) => ({
    eventId: `${engine.run}-e${index}`,
    type: "click",
    userId: `${engine.run}-user`,
    itemId: item.id,
    timestamp: new Date(Date.now() - 60_000).toISOString(),
  }));
  const posted = await engine.app.inject({ method: "POST", url: "/v1/events", headers: { authorization }, payload: { events } });
  expect(posted.statusCode).toBe(200);
  await engine.settleEvents();
  await engine.ranking.refresh();
  surface = `${engine.run}-feed`;
  await engine.db.surface.create({ data: { id: surface, name: surface } });
  const config = { ...DEFAULT_SURFACE_CONFIGS.home, hydrationBudgetMs: 2000, scoringBudgetMs: 2000 };
  await engine.db.ruleSet.create({ data: { surfaceId: surface, version: 1, status: "published", config, publishedAt: new Date() } });
  await engine.engine.serving.warm(); // rule set, trending, fresh items, co-visitation
});

afterAll(async () => {
  await engine.db.servedFeatureLog.deleteMany({ where: { userId: `${engine.run}-user` } });
  await engine.db.surface.deleteMany({ where: { id: surface } });
  await engine.close();
});

describe("served feature logging", () => {
  it("writes one row per served item with the registry's features, as of the request", async () => {
    const response = await engine.app.inject({
      method: "POST",
      url: "/v1/recommendations",
      headers: { authorization },
      payload: { userId: `${engine.run}-user`, surface, count: 200 },
    });
    expect(response.statusCode).toBe(200);
    const body = response.json() as { requestId: string; items: { itemId: string }[] };

    let rows: { itemId: string; features: unknown }[] = [];
    for (let attempt = 0; attempt < 50 && rows.length < body.items.length; attempt += 1) {
      rows = await engine.db.servedFeatureLog.findMany({ where: { requestId: body.requestId } });
      if (rows.length < body.items.length) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(rows.map((row) => row.itemId).sort()).toEqual(body.items.map((item) => item.itemId).sort());
    expect(rows.length).toBeGreaterThan(0);
    // The user clicked three items a minute ago: every served vector carries the user's features.
    // (The clicked items themselves are not served: the surface's seen filter removes them.)
    for (const row of rows) {
      const features = row.features as Record<string, number>;
      expect(features.user_clicks_1h).toBe(3);
      expect(features.user_item_recently_interacted).toBe(0);
    }
    expect(rows.map((row) => row.itemId)).not.toContain(`${engine.run}-a`);
    expect(rows.map((row) => row.itemId)).toEqual(expect.arrayContaining([`${engine.run}-d`, `${engine.run}-e`]));
  });
});

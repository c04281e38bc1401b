// The recommendation route logs the feature vectors it served for a sampled request, off the
// response path, so the skew check has something to compare.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEngine, type TestEngine } from "../testing/testEngine.ts";

let engine: TestEngine;
let authorization: string;

beforeAll(async () => {
  engine = await startTestEngine({ servedFeatureSampleRate: 1 });
  ({ authorization } = await engine.createApiKey(["admin"]));
  const items = ["a", "b", "c"].map((name) => ({ id: `${engine.run}-${name}`, category: "music", publishedAt: new Date().toISOString() }));
  const upsert = await engine.app.inject({ method: "PUT", url: "/v1/items", headers: { authorization }, payload: { items } });
  expect(upsert.statusCode).toBe(200);
  const events = items.map((item, index) => ({
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
});

afterAll(async () => {
  await engine.db.servedFeatureLog.deleteMany({ where: { userId: `${engine.run}-user` } });
  await engine.close();
});

describe("served feature logging", () => {
  it("writes one row per served item with the registry's features, as of the request", async () => {
    const response = await engine.app.inject({
      method: "POST",
      url: "/v1/recommendations",
      headers: { authorization },
      payload: { userId: `${engine.run}-user`, count: 200 },
    });
    expect(response.statusCode).toBe(200);
    const body = response.json() as { requestId: string; items: { itemId: string }[] };

    let rows: { itemId: string; features: unknown }[] = [];
    for (let attempt = 0; attempt < 50 && rows.length < body.items.length; attempt += 1) {
      rows = await engine.db.servedFeatureLog.findMany({ where: { requestId: body.requestId } });
      if (rows.length < body.items.length) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(rows.map((row) => row.itemId).sort()).toEqual(body.items.map((item) => item.itemId).sort());
    const ours = rows.find((row) => row.itemId === `${engine.run}-a`)!;
    const features = ours.features as Record<string, number>;
    // The user clicked this item a minute ago: the online features the route logged must show it.
    expect(features.user_clicks_1h).toBe(3);
    expect(features.user_item_recently_interacted).toBe(1);
  });
});

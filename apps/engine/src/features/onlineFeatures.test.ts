import { describe, expect, it } from "vitest";
import { createMemoryOnlineStore } from "../stores/memoryOnlineStore.ts";
import type { OnlineStore } from "../stores/onlineStore.ts";
import { FEATURE_FRESHNESS_KEY } from "./featureKeys.ts";
import { readOnlineFeatures } from "./onlineFeatureReader.ts";
import { applyEventsToOnlineStore } from "./onlineFeatureWriter.ts";
import { featureRegistry } from "./registry.ts";
import { testEventHistory, testItemCategories } from "./testing/featureTestEvents.ts";

const START = Date.UTC(2026, 0, 5, 8);

/** Counts calls to the store (each call is one round trip on Redis). */
function countingStore(inner: OnlineStore): { store: OnlineStore; calls: () => number } {
  let calls = 0;
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls += 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store, calls: () => calls };
}

describe("online features", () => {
  const events = testEventHistory({ startMs: START, count: 400 });
  const lastMs = events[events.length - 1]!.occurredAt;
  const at = new Date(lastMs + 1);
  const itemIds = ["item-a", "item-b", "item-c", "item-d", "item-unknown"];

  it("costs two store calls per batch, whatever its size, and one per read, whatever the item count", async () => {
    const { store, calls } = countingStore(createMemoryOnlineStore({ now: () => lastMs }));
    await applyEventsToOnlineStore(store, events, new Date(lastMs), { itemCategories: testItemCategories });
    expect(calls()).toBe(2); // applyUpdates + freshness stamps
    await readOnlineFeatures(store, { userId: "user-1", itemIds, at }, { itemCategories: testItemCategories });
    expect(calls()).toBe(3);
    await store.close();
  });

  it("changes nothing when a batch is delivered again, or an event repeats within a batch", async () => {
    let now = lastMs;
    const store = createMemoryOnlineStore({ now: () => now });
    const first = await applyEventsToOnlineStore(store, events, new Date(now), { itemCategories: testItemCategories });
    expect(first.duplicates).toBe(0);
    const before = await readOnlineFeatures(store, { userId: "user-1", itemIds, at }, { itemCategories: testItemCategories });
    const [freshnessBefore] = await store.readHashes([FEATURE_FRESHNESS_KEY]);

    now += 1_000;
    const again = await applyEventsToOnlineStore(store, [...events.slice(0, 50), ...events, events[3]!], new Date(now), { itemCategories: testItemCategories });
    expect(again.duplicates).toBe(again.updates);
    expect(await readOnlineFeatures(store, { userId: "user-1", itemIds, at }, { itemCategories: testItemCategories })).toEqual(before);
    expect((await store.readHashes([FEATURE_FRESHNESS_KEY]))[0]).toEqual(freshnessBefore);
    await store.close();
  });

  it("merges a batch per entity, and applies a redelivery regrouped with new events exactly once per event", async () => {
    const once = createMemoryOnlineStore({ now: () => lastMs });
    await applyEventsToOnlineStore(once, events, new Date(lastMs), { itemCategories: testItemCategories });

    const { store, calls } = countingStore(createMemoryOnlineStore({ now: () => lastMs }));
    const first = await applyEventsToOnlineStore(store, events.slice(0, 200), new Date(lastMs), { itemCategories: testItemCategories });
    expect(first.duplicates).toBe(0);
    const callsBefore = calls();
    // Events 100–199 come again together with 200–399: entities they touch hold seen and unseen ids.
    const regrouped = await applyEventsToOnlineStore(store, events.slice(100), new Date(lastMs), { itemCategories: testItemCategories });
    const redelivered = await applyEventsToOnlineStore(createMemoryOnlineStore({ now: () => lastMs }), events.slice(100, 200), new Date(lastMs), {
      itemCategories: testItemCategories,
    });
    expect(regrouped.duplicates).toBe(redelivered.updates);
    // applyUpdates, the per-event retry of the partly seen entities, the freshness stamps.
    expect(calls() - callsBefore).toBe(3);
    for (const userId of ["user-1", "user-2", "user-3"]) {
      expect(await readOnlineFeatures(store, { userId, itemIds, at }, { itemCategories: testItemCategories })).toEqual(
        await readOnlineFeatures(once, { userId, itemIds, at }, { itemCategories: testItemCategories }),
      );
    }
    await Promise.all([store.close(), once.close()]);
  });

  it("stamps the freshness of the features an event touched", async () => {
    const store = createMemoryOnlineStore({ now: () => START });
    await applyEventsToOnlineStore(store, [{ eventId: "e1", type: "click", userId: "u", itemId: "item-c", occurredAt: START }], new Date(START + 5), {
      itemCategories: testItemCategories,
    });
    const [stamps] = await store.readHashes([FEATURE_FRESHNESS_KEY]);
    expect(stamps).toMatchObject({ user_clicks_5m: START + 5, item_clicks_3d: START + 5, item_trending_6h: START + 5, user_category_affinity: START + 5 });
    expect(stamps).not.toHaveProperty("user_likes_5m");
    expect(stamps).not.toHaveProperty("item_impressions_3d");
    expect(stamps).not.toHaveProperty("context_hour_of_day");
    await store.close();
  });

  it("returns every feature per item, using declared defaults (and counting them) when there is no data", async () => {
    const store = createMemoryOnlineStore();
    const at = new Date(Date.UTC(2026, 0, 7, 13, 30)); // a Wednesday
    const [vector] = await readOnlineFeatures(store, { userId: "nobody", itemIds: ["item-a"], at }, { itemCategories: testItemCategories });
    expect(Object.keys(vector!.features).sort()).toEqual([...featureRegistry.names].sort());
    for (const feature of featureRegistry.features) {
      if (feature.entity !== "context") expect(vector!.features[feature.name]).toBe(feature.default);
    }
    expect(vector!.features.context_hour_of_day).toBe(13);
    expect(vector!.features.context_day_of_week).toBe(3);
    expect(vector!.defaultsUsed).toBe(featureRegistry.features.filter((feature) => feature.entity !== "context").length);
    expect(vector!.features.item_ctr_3d).toBeCloseTo(0.05, 12);
    await store.close();
  });

  it("computes the user × category and recent-item features from the user's history", async () => {
    const store = createMemoryOnlineStore({ now: () => START });
    const click = (eventId: string, itemId: string, occurredAt: number) => ({ eventId, type: "click" as const, userId: "u", itemId, occurredAt });
    await applyEventsToOnlineStore(
      store,
      [click("e1", "item-a", START), click("e2", "item-c", START + 10), click("e3", "item-b", START + 20)],
      new Date(START + 20),
      {
        itemCategories: testItemCategories,
      },
    );
    const vectors = await readOnlineFeatures(
      store,
      { userId: "u", itemIds: ["item-a", "item-c", "item-d"], at: new Date(START + 30) },
      { itemCategories: testItemCategories },
    );
    const [music, sports, news] = vectors.map((vector) => vector.features);
    expect(music!.user_category_affinity).toBeCloseTo(2, 6);
    expect(music!.user_category_affinity_share).toBeCloseTo(2 / 3, 6);
    expect(sports!.user_category_affinity_share).toBeCloseTo(1 / 3, 6);
    expect(news!.user_category_affinity).toBe(0);
    expect(music!.user_item_recently_interacted).toBe(1);
    expect(news!.user_item_recently_interacted).toBe(0);
    expect(music!.user_recent_items_count).toBe(3);
    expect(music!.user_clicks_5m).toBe(3);
    expect(music!.item_clicks_3d).toBeCloseTo(1, 6);
    expect(music!.user_item_hours_since_interaction).toBeCloseTo(30 / 3_600_000, 12);
    await store.close();
  });

  it("counts a rated item as consumed, and a good rating (0–10 scale) as engagement", async () => {
    const store = createMemoryOnlineStore({ now: () => START });
    const rating = (eventId: string, itemId: string, value: number, occurredAt: number) => ({
      eventId,
      type: "rating" as const,
      userId: "r",
      itemId,
      value,
      occurredAt,
    });
    // MovieLens 5 stars and 1 star, imported on the 0–10 scale.
    await applyEventsToOnlineStore(store, [rating("r1", "item-a", 10, START), rating("r2", "item-c", 2, START + 10)], new Date(START + 10), {
      itemCategories: testItemCategories,
    });
    const [music, sports] = (
      await readOnlineFeatures(store, { userId: "r", itemIds: ["item-a", "item-c"], at: new Date(START + 20) }, { itemCategories: testItemCategories })
    ).map((v) => v.features);
    expect(music!.user_recent_items_count).toBe(2);
    expect(music!.user_item_recently_interacted).toBe(1);
    expect(sports!.user_item_recently_interacted).toBe(1);
    // 10 → +2 (like a like); 2 → negative, left out of affinity.
    expect(music!.user_category_affinity).toBeCloseTo(2, 6);
    expect(sports!.user_category_affinity).toBe(0);
    await store.close();
  });
});

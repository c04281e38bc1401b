import { describe, expect, it } from "vitest";
import { readOnlineFeatures } from "../features/onlineFeatureReader.ts";
import { featureRegistry } from "../features/registry.ts";
import { applyEventsToOnlineStore } from "../features/onlineFeatureWriter.ts";
import { testEventHistory, testItemCategories } from "../features/testing/featureTestEvents.ts";
import type { Candidate, ScoreUpdate } from "../funnel/index.ts";
import { createMemoryOnlineStore } from "../stores/memoryOnlineStore.ts";
import { entitiesBatchRead, type BatchRead, type EntitiesRead, type OnlineStore } from "../stores/onlineStore.ts";
import { ItemStateCache } from "../caching/itemStateCache.ts";
import { ItemAttributeCache } from "../caching/itemAttributeCache.ts";
import { ItemSlots } from "../caching/itemSlots.ts";
import type { ServingSql } from "../postgres/servingSql.ts";
import { itemAttributesHydrator } from "./itemAttributesHydrator.ts";
import { onlineFeatureHydrator } from "./onlineFeatureHydrator.ts";
import { userHistoryHydrator } from "./userHistoryHydrator.ts";

const START = Date.UTC(2026, 0, 5, 8);

/** Records every batch read (one batch read = one Redis round trip), an entities read as the keys it reads. */
function recordingStore(inner: OnlineStore): { store: OnlineStore; reads: BatchRead[] } {
  const reads: BatchRead[] = [];
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property === "readBatch") {
        return (read: BatchRead) => {
          reads.push(read);
          return inner.readBatch(read);
        };
      }
      if (property === "readEntities") {
        return (read: EntitiesRead) => {
          reads.push(entitiesBatchRead(read));
          return inner.readEntities(read);
        };
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { store, reads };
}

const candidate = (itemId: string): Candidate => ({ itemId, sources: [], features: {}, scores: {}, score: 0 });
/** A candidate's whole vector as the funnel reads it: the request's features overlaid with its own. */
const wholeVector = (update: ScoreUpdate): Record<string, number> => ({ ...update.requestFeatures, ...update.features });

describe("onlineFeatures hydrator (cached serving path)", () => {
  const events = testEventHistory({ startMs: START, count: 400 });
  const lastMs = events[events.length - 1]!.occurredAt;
  const itemIds = ["item-a", "item-b", "item-c", "item-d", "item-unknown"];

  async function setUp() {
    const inner = createMemoryOnlineStore({ now: () => lastMs });
    await applyEventsToOnlineStore(inner, events, new Date(lastMs), { itemCategories: testItemCategories });
    return { inner, ...recordingStore(inner) };
  }

  async function hydrate(store: OnlineStore, cache: ItemStateCache, userId: string, nowMs: number) {
    const query = { requestId: "r", userId, surface: "home", count: 5, nowMs, context: {}, excludeItemIds: [], seed: 1 };
    const signal = new AbortController().signal;
    const facts = await userHistoryHydrator(store, 1_000).hydrate(query, signal);
    const updates = await onlineFeatureHydrator(store, 1_000, testItemCategories, cache).score(
      { ...query, ...facts },
      itemIds.map(candidate),
      signal,
      () => {},
    );
    return updates.map(wholeVector);
  }

  it("serves exactly the registry's feature values, from cache or not, as time moves on", async () => {
    const { inner, store } = await setUp();
    const cache = new ItemStateCache({ ttlMs: 60_000 });
    for (const [userId, nowMs] of [
      ["user-1", lastMs + 1],
      ["user-2", lastMs + 3_600_000],
      ["user-3", lastMs + 7_200_000],
    ] as const) {
      const served = await hydrate(store, cache, userId, nowMs);
      const expected = await readOnlineFeatures(inner, { userId, itemIds, at: new Date(nowMs) }, { itemCategories: testItemCategories });
      expect(served).toEqual(expected.map((vector) => vector.features));
    }
  });

  it("serves a repeated candidate the same values and reads its item once", async () => {
    const { inner, store, reads } = await setUp();
    const cache = new ItemStateCache({ ttlMs: 60_000 });
    const nowMs = lastMs + 1;
    const query = { requestId: "r", userId: "user-1", surface: "home", count: 5, nowMs, context: {}, excludeItemIds: [], seed: 1 };
    const signal = new AbortController().signal;
    const facts = await userHistoryHydrator(store, 1_000).hydrate(query, signal);
    const repeated = ["item-b", "item-a", "item-b", "item-unknown", "item-a"];
    const updates = await onlineFeatureHydrator(store, 1_000, testItemCategories, cache).score(
      { ...query, ...facts },
      repeated.map(candidate),
      signal,
      () => {},
    );
    const expected = await readOnlineFeatures(inner, { userId: "user-1", itemIds: repeated, at: new Date(nowMs) }, { itemCategories: testItemCategories });
    expect(updates.map(wholeVector)).toEqual(expected.map((vector) => vector.features));
    const itemKeys = reads[1]!.hashes.filter((key) => key.includes("{i:"));
    expect(new Set(itemKeys).size).toBe(itemKeys.length);
    expect(itemKeys.filter((key) => key.includes("{i:item-b}"))).toHaveLength(itemKeys.length / 3);
  });

  it("sends the user's and the context's features once, as one request-features object, and only item and user×item features per candidate", async () => {
    const { store } = await setUp();
    const nowMs = lastMs + 1;
    const query = { requestId: "r", userId: "user-1", surface: "home", count: 5, nowMs, context: {}, excludeItemIds: [], seed: 1 };
    const signal = new AbortController().signal;
    const facts = await userHistoryHydrator(store, 1_000).hydrate(query, signal);
    const updates = await onlineFeatureHydrator(store, 1_000, testItemCategories, new ItemStateCache({ ttlMs: 0 })).score(
      { ...query, ...facts },
      itemIds.map(candidate),
      signal,
      () => {},
    );
    const shared = updates[0]!.requestFeatures!;
    for (const update of updates) expect(update.requestFeatures).toBe(shared);
    const byEntity = (entities: readonly string[]) =>
      featureRegistry.features.filter((feature) => entities.includes(feature.entity)).map((feature) => feature.name);
    expect(Object.keys(shared).sort()).toEqual(byEntity(["user", "context"]).sort());
    for (const update of updates) expect(Object.keys(update.features!).sort()).toEqual(byEntity(["item", "user_item"]).sort());
  });

  it("with the attribute cache on the same slots, looks each candidate's id up once for both hydrators and serves the registry's values", async () => {
    const { inner, store } = await setUp();
    const slots = new ItemSlots();
    const looked: string[] = [];
    const slotOf = slots.slotOf.bind(slots);
    slots.slotOf = (itemId) => (looked.push(itemId), slotOf(itemId));
    // The catalogue: the test categories (item-unknown is not in it).
    const sql: ServingSql = {
      async rows<Row>(_text: string, [ids]: readonly unknown[]) {
        const categories = await testItemCategories.categoriesOf(ids as string[]);
        return [...categories].map(([id, category]) => ({ id, category, creatorId: null, tags: [], publishedAtMs: 0, available: true, attributes: {} }) as Row);
      },
      close: async () => undefined,
    };
    const attributes = new ItemAttributeCache(sql, { slots });
    const states = new ItemStateCache({ ttlMs: 60_000, slots });
    const nowMs = lastMs + 1;
    const query = { requestId: "r", userId: "user-1", surface: "home", count: 5, nowMs, context: {}, excludeItemIds: [], seed: 1 };
    const signal = new AbortController().signal;
    const facts = await userHistoryHydrator(store, 1_000).hydrate(query, signal);
    const candidates = itemIds.map(candidate);
    const [items, features] = await Promise.all([
      itemAttributesHydrator(attributes, 1_000).score({ ...query, ...facts }, candidates, signal, () => {}),
      onlineFeatureHydrator(store, 1_000, attributes.candidateCategories(), states).score({ ...query, ...facts }, candidates, signal, () => {}),
    ]);
    expect(looked).toEqual(itemIds);
    expect(items.map((update) => update.item?.category)).toEqual(["music", "music", "sports", "news", undefined]);
    const expected = await readOnlineFeatures(inner, { userId: "user-1", itemIds, at: new Date(nowMs) }, { itemCategories: testItemCategories });
    expect(features.map(wholeVector)).toEqual(expected.map((vector) => vector.features));
  });

  it("keeps no item state read across a new slot generation (its slots name other items by then), and still serves the registry's values", async () => {
    const { inner, store } = await setUp();
    const slots = new ItemSlots({ maxSlots: itemIds.length });
    const cache = new ItemStateCache({ ttlMs: 60_000, slots });
    const others = itemIds.map((itemId) => `other-${itemId}`);
    // While the items' states are being read, other requests' ids fill the registry: a new generation.
    const churning = new Proxy(store, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property !== "readEntities") return typeof value === "function" ? value.bind(target) : value;
        return async (read: EntitiesRead) => {
          const result = await store.readEntities(read);
          slots.slotsOf(others);
          return result;
        };
      },
    });
    const served = await hydrate(churning, cache, "user-1", lastMs + 1);
    const expected = await readOnlineFeatures(inner, { userId: "user-1", itemIds, at: new Date(lastMs + 1) }, { itemCategories: testItemCategories });
    expect(served).toEqual(expected.map((vector) => vector.features));
    expect(cache.lookup(others)).toEqual(others.map(() => undefined));
    expect(cache.size).toBe(0);
  });

  it("reads the store at most twice per request, and items only when the cache misses them", async () => {
    const { store, reads } = await setUp();
    const cache = new ItemStateCache({ ttlMs: 60_000 });
    await hydrate(store, cache, "user-1", lastMs + 1);
    expect(reads).toHaveLength(2);
    expect(reads[1]!.hashes.every((key) => key.includes("{i:"))).toBe(true);
    await hydrate(store, cache, "user-2", lastMs + 2);
    expect(reads).toHaveLength(3); // the user's read only: every item was cached
    cache.clear();
    await hydrate(store, cache, "user-2", lastMs + 3);
    expect(reads).toHaveLength(5);
  });
});

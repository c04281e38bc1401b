import { describe, expect, it } from "vitest";
import { createMemoryOnlineStore } from "../stores/memoryOnlineStore.ts";
import { assertEntityUpdate, type ApplyUpdatesOptions, type EntityUpdate, type OnlineStore } from "../stores/onlineStore.ts";
import type { FeatureEvent } from "./featureEvent.ts";
import { FEATURE_FRESHNESS_KEY } from "./featureKeys.ts";
import { applyEventsToOnlineStore } from "./onlineFeatureWriter.ts";
import { testEventHistory, testItemCategories } from "./testing/featureTestEvents.ts";

const START = Date.UTC(2026, 0, 5, 8);

/** The memory store, recording what `applyUpdates` is handed. */
function recordingStore(): { store: OnlineStore; calls: { updates: readonly EntityUpdate[]; options: ApplyUpdatesOptions | undefined }[] } {
  const inner = createMemoryOnlineStore({ now: () => START });
  const calls: { updates: readonly EntityUpdate[]; options: ApplyUpdatesOptions | undefined }[] = [];
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      if (property !== "applyUpdates") return Reflect.get(target, property, receiver);
      return (updates: readonly EntityUpdate[], options?: ApplyUpdatesOptions) => {
        calls.push({ updates, options });
        return target.applyUpdates(updates, options);
      };
    },
  });
  return { store, calls };
}

describe("applyEventsToOnlineStore", () => {
  it("hands the store updates that pass the store's own checks, so it may skip them", async () => {
    const { store, calls } = recordingStore();
    const events = testEventHistory({ startMs: START, count: 300 });
    await applyEventsToOnlineStore(store, events, new Date(events[events.length - 1]!.occurredAt), { itemCategories: testItemCategories });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.options).toEqual({ validated: true });
    expect(calls[0]!.updates.length).toBeGreaterThan(0);
    for (const update of calls[0]!.updates) expect(() => assertEntityUpdate(update)).not.toThrow();
  });

  it("rejects a batch with a non-finite amount before writing anything, as the store would", async () => {
    const { store, calls } = recordingStore();
    const watch: FeatureEvent = { eventId: "w1", type: "watch", userId: "user-1", itemId: "item-a", occurredAt: START, value: Number.POSITIVE_INFINITY };
    const click: FeatureEvent = { eventId: "c1", type: "click", userId: "user-2", itemId: "item-b", occurredAt: START };
    await expect(applyEventsToOnlineStore(store, [click, watch], new Date(START), { itemCategories: testItemCategories })).rejects.toThrow(RangeError);
    expect(calls).toHaveLength(0);
    expect(await store.readHashes([FEATURE_FRESHNESS_KEY])).toEqual([{}]);
  });

  it("stamps the freshness of the features whose counters it applied, not of those it skipped as seen", async () => {
    const store = createMemoryOnlineStore({ now: () => START });
    const impression: FeatureEvent = { eventId: "i1", type: "impression", userId: "user-1", itemId: "item-a", occurredAt: START };
    const click: FeatureEvent = { eventId: "c1", type: "click", userId: "user-2", itemId: "item-b", occurredAt: START + 1_000 };
    await applyEventsToOnlineStore(store, [impression], new Date(START), { itemCategories: testItemCategories });
    // The impression again (both its entities skip it) with a new click on other entities.
    const result = await applyEventsToOnlineStore(store, [impression, click], new Date(START + 1_000), { itemCategories: testItemCategories });
    expect(result).toEqual({ updates: 4, duplicates: 2 });
    const [stamps] = await store.readHashes([FEATURE_FRESHNESS_KEY]);
    expect(stamps).toMatchObject({ user_impressions_5m: START, item_impressions_3d: START, user_clicks_5m: START + 1_000, item_clicks_3d: START + 1_000 });
    await store.close();
  });
});

import { describe, expect, it } from "vitest";
import { createMemoryOnlineStore } from "../../stores/memoryOnlineStore.ts";
import { readOnlineFeatures } from "../../features/onlineFeatureReader.ts";
import { applyEventsToOnlineStore } from "../../features/onlineFeatureWriter.ts";
import { createFeatureRegistry, featureRegistry } from "../../features/registry.ts";
import type { FeatureDefinition } from "../../features/featureDefinition.ts";
import { testEventHistory, testItemCategories } from "../../features/testing/featureTestEvents.ts";
import { withMemoizedUserFeatures } from "./userFeatureMemo.ts";

const START = Date.UTC(2026, 0, 5, 8);

describe("withMemoizedUserFeatures", () => {
  it("gives the registry's vectors for every user, item and time", async () => {
    const events = testEventHistory({ startMs: START, count: 400, seed: 5 });
    const at = events[events.length - 1]!.occurredAt + 1;
    const store = createMemoryOnlineStore({ now: () => at });
    await applyEventsToOnlineStore(store, events, new Date(at), { itemCategories: testItemCategories });
    const memoized = withMemoizedUserFeatures(featureRegistry);
    expect(memoized.names).toEqual(featureRegistry.names);
    // Same time, different users back to back: a stale user value would show here.
    for (const readAt of [at, at + 3_600_000]) {
      for (const userId of ["user-1", "user-2", "user-3", "user-1"]) {
        const request = { userId, itemIds: ["item-a", "item-b", "item-c", "item-a"], at: new Date(readAt) };
        const plain = await readOnlineFeatures(store, request, { itemCategories: testItemCategories });
        const fast = await readOnlineFeatures(store, request, { itemCategories: testItemCategories, registry: memoized });
        expect(fast).toEqual(plain);
      }
    }
  });

  it("computes a user feature once per read, item features once per item", async () => {
    const calls = { user: 0, item: 0 };
    const counting = (entity: "user" | "item"): FeatureDefinition => ({
      name: `${entity}_probe`,
      entity,
      type: "number",
      window: null,
      default: 0,
      description: "test probe",
      counters: [],
      compute: () => ++calls[entity],
    });
    const registry = withMemoizedUserFeatures(createFeatureRegistry([counting("user"), counting("item")]));
    const store = createMemoryOnlineStore({ now: () => START });
    const vectors = await readOnlineFeatures(
      store,
      { userId: "u", itemIds: ["a", "b", "c"], at: new Date(START) },
      { itemCategories: testItemCategories, registry },
    );
    expect(calls).toEqual({ user: 1, item: 3 });
    expect(vectors.map((vector) => vector.features.user_probe)).toEqual([1, 1, 1]);
    await readOnlineFeatures(store, { userId: "u", itemIds: ["a"], at: new Date(START) }, { itemCategories: testItemCategories, registry });
    expect(calls.user).toBe(2);
  });
});

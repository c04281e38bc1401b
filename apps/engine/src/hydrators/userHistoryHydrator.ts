// Query hydrator `userHistory`: the user's online state in ONE store round trip (every user counter
// key of the registry in a single readBatch): the user-entity features, and the recently
// interacted items with their times (→ seenAtMs, read by the seen filter, co-visitation and the
// two-tower source). A user with no state (unknown, cold start) gets the declared defaults.
import { RecentItems } from "../features/counters/recentItems.ts";
import type { EntityState } from "../features/counters/counter.ts";
import { entityKey } from "../features/featureKeys.ts";
import { featureRegistry, type FeatureRegistry } from "../features/registry.ts";
import type { QueryHydrator } from "../funnel/index.ts";
import type { OnlineStore, SortedSetRead, StoreKey } from "../stores/onlineStore.ts";
import { counterReadShape } from "../caching/itemStateCache.ts";

export const USER_HISTORY_HYDRATOR_ID = "userHistory";

/** The user's features, seen items and online-store state (`userState`, reused by the `onlineFeatures` hydrator). */
export function userHistoryHydrator(store: OnlineStore, budgetMs: number, registry: FeatureRegistry = featureRegistry): QueryHydrator {
  const counters = registry.counters.user;
  const recent = counters.find((counter): counter is RecentItems => counter instanceof RecentItems);
  const userFeatures = registry.features.filter((feature) => feature.entity === "user");
  return {
    id: USER_HISTORY_HYDRATOR_ID,
    budgetMs,
    async hydrate(query) {
      const atMs = query.nowMs;
      const shape = counterReadShape(counters, atMs);
      const hashKeys: StoreKey[] = shape.hashNames.map((name) => entityKey("user", query.userId, name));
      const setReads: SortedSetRead[] = shape.sortedSets.map(({ name, limit }) => ({ key: entityKey("user", query.userId, name), limit }));
      const result = await store.readBatch({ hashes: hashKeys, sortedSets: setReads });
      const state: EntityState = {
        hashes: new Map(shape.hashNames.map((name, index) => [name, result.hashes[index]!])),
        sortedSets: new Map(shape.sortedSets.map(({ name }, index) => [name, result.sortedSets[index]!])),
      };
      const features: Record<string, number> = {};
      for (const feature of userFeatures) {
        const value = feature.compute({
          atMs,
          userId: query.userId,
          itemId: "",
          itemCategory: null,
          user: state,
          item: { hashes: new Map(), sortedSets: new Map() },
        });
        features[feature.name] = value === null || !Number.isFinite(value) ? feature.default : value;
      }
      const seenAtMs = new Map<string, number>();
      for (const { member, score } of recent?.itemsAt(state, atMs) ?? []) seenAtMs.set(member, score);
      return { userFeatures: features, seenAtMs, userState: state };
    },
  };
}

// Candidate hydrator `onlineFeatures`: user, item, user×item and context features for every
// candidate, computed by the registry's own definitions (computeFeatureVector from
// features/onlineFeatureReader.ts; the same null/non-finite → default rule) over the same store state the reader would read — so a served
// value equals the registry's value for that state (train/serve consistency).
//
// Serving-side batch path (why not readOnlineFeatures itself): per request the reader re-read the
// user's keys and 2 hashes per candidate (≈1000 HGETALLs for 500 candidates), which dominated the
// request's CPU (reply parsing, GC). Here
//   - the user's state comes from the `userHistory` query hydrator's read (RequestScope.userState),
//     so it is not read twice; only if that hydrator failed are the user's keys read here;
//   - item state comes from an in-process ItemStateCache (short TTL, see itemStateCache.ts); only
//     the candidates missing from it are read, in ONE store round trip (none when all are cached).
// Never one round trip per item. User-entity features come from the query (computed once by
// `userHistory` with the same definitions). Values without data are the declared defaults; how
// many are counted per feature into the component's trace tallies (recorded as metrics after the response).
// Runs before the filters so filter expressions and exploration can read item features.
import { EMPTY_STATE, type EntityState } from "../features/counters/counter.ts";
import { entityKey } from "../features/featureKeys.ts";
import { createFeatureRegistry, featureRegistry } from "../features/registry.ts";
import { defaultItemCategories, type ItemCategoryLookup } from "../features/itemCategories.ts";
import type { Scorer, ScoreUpdate } from "../funnel/index.ts";
import type { OnlineStore, SortedSetRead, StoreKey } from "../stores/onlineStore.ts";
import type { CandidateCategoryLookup } from "../caching/itemAttributeCache.ts";
import { appendItemKeys, ItemStateCache, counterReadShape, itemStatesFrom } from "../caching/itemStateCache.ts";
import { defaultsTally } from "../features/defaultsTally.ts";

export const ONLINE_FEATURES_HYDRATOR_ID = "onlineFeatures";

/** Declared defaults of every registered feature: what a candidate carries when the store is unreachable. */
export function declaredDefaults(): Record<string, number> {
  return Object.fromEntries(featureRegistry.features.map((feature) => [feature.name, feature.default]));
}

/**
 * The registry without user-entity features: those are the same for every candidate, so the
 * `userHistory` query hydrator computes them once (same definitions) instead of once per item,
 * and their counters are not read again.
 */
const perCandidateRegistry = createFeatureRegistry(featureRegistry.features.filter((feature) => feature.entity !== "user"));
const userFeatures = featureRegistry.features.filter((feature) => feature.entity === "user");
const EMPTY_ITEM_STATE: EntityState = EMPTY_STATE;

/** Reads the user's state (when not already read) and the uncached items' state in one batch. */
async function readStates(
  store: OnlineStore,
  userId: string,
  userState: EntityState | undefined,
  itemIds: readonly string[],
  cache: ItemStateCache,
  atMs: number,
): Promise<{ user: EntityState; items: Map<string, EntityState> }> {
  const items = new Map<string, EntityState>();
  const cached = cache.lookup(itemIds);
  const missing: string[] = [];
  itemIds.forEach((itemId, index) => {
    const state = cached[index];
    if (state) items.set(itemId, state);
    else missing.push(itemId);
  });
  const userShape = userState ? null : counterReadShape(perCandidateRegistry.counters.user, atMs);
  const hashes: StoreKey[] = [];
  const sortedSets: SortedSetRead[] = [];
  if (userShape) {
    for (const name of userShape.hashNames) hashes.push(entityKey("user", userId, name));
    for (const { name, limit } of userShape.sortedSets) sortedSets.push({ key: entityKey("user", userId, name), limit });
  }
  const itemShape = counterReadShape(perCandidateRegistry.counters.item, atMs);
  const userHashCount = hashes.length;
  const userSetCount = sortedSets.length;
  appendItemKeys(itemShape, missing, hashes, sortedSets);
  let user = userState;
  if (hashes.length + sortedSets.length > 0) {
    const result = await store.readBatch({ hashes, sortedSets });
    if (userShape) {
      user = {
        hashes: new Map(userShape.hashNames.map((name, index) => [name, result.hashes[index]!])),
        sortedSets: new Map(userShape.sortedSets.map(({ name }, index) => [name, result.sortedSets[index]!])),
      };
    }
    const states = itemStatesFrom(itemShape, missing, result.hashes, userHashCount, result.sortedSets, userSetCount);
    cache.store(missing, states);
    missing.forEach((itemId, index) => items.set(itemId, states[index]!));
  }
  return { user: user ?? { hashes: new Map(), sortedSets: new Map() }, items };
}

export function onlineFeatureHydrator(
  store: OnlineStore,
  budgetMs: number,
  itemCategories?: ItemCategoryLookup | CandidateCategoryLookup,
  itemStates: ItemStateCache = new ItemStateCache({ ttlMs: 0 }),
): Scorer {
  return {
    id: ONLINE_FEATURES_HYDRATOR_ID,
    budgetMs,
    writes: featureRegistry.names.map((name) => `features.${name}`),
    defaults: { features: declaredDefaults() },
    freshFeatureObjects: true,
    async score(query, candidates, _signal, count): Promise<ScoreUpdate[]> {
      if (candidates.length === 0) return [];
      const atMs = query.nowMs;
      const itemIds = [...new Set(candidates.map((candidate) => candidate.itemId))];
      // Categories (catalogue cache, shared with the itemAttributes hydrator) and store state in parallel.
      const categoryLookup = itemCategories ?? defaultItemCategories();
      const [categories, states] = await Promise.all([
        "categoriesOfCandidates" in categoryLookup ? categoryLookup.categoriesOfCandidates(candidates) : categoryLookup.categoriesOf(itemIds),
        readStates(store, query.userId, query.userState, itemIds, itemStates, atMs),
      ]);
      // User features from the query hydrator; its declared defaults when it failed.
      const user: Record<string, number> = {};
      for (const feature of userFeatures) {
        const value = query.userFeatures?.[feature.name];
        if (value === undefined) count(defaultsTally(feature.name), candidates.length);
        user[feature.name] = value ?? feature.default;
      }
      // The registry's compute functions, per candidate, with computeFeatureVector's rule (null or
      // not finite → the declared default), writing straight into one object per candidate that
      // also carries the user features: no intermediate vectors (GC was ~1/3 of a loaded request).
      // One template with every key in final order: each candidate's map is one clone of it (one
      // allocation of the right size, no shape transitions), then filled in place. Built by
      // Object.fromEntries, not by assigning ~24 computed keys one by one: V8 turns an object grown
      // that way into a hash-table ("dictionary") object, and cloning one cost ~8× more per
      // candidate (CPU and garbage) than cloning a plain fast object.
      const features = perCandidateRegistry.features;
      const template: Record<string, number> = Object.fromEntries([
        ...features.map((feature): [string, number] => [feature.name, feature.default]),
        ...Object.entries(user),
      ]);
      const input = { atMs, userId: query.userId, itemId: "", itemCategory: null as string | null, user: states.user, item: EMPTY_ITEM_STATE };
      // Defaults tallied per feature here and reported once (not a map update per value).
      const defaulted = new Int32Array(features.length);
      const updates = candidates.map((candidate) => {
        input.itemId = candidate.itemId;
        input.itemCategory = categories.get(candidate.itemId) ?? null;
        input.item = states.items.get(candidate.itemId) ?? EMPTY_ITEM_STATE;
        const values = { ...template };
        for (let index = 0; index < features.length; index += 1) {
          const feature = features[index]!;
          const value = feature.compute(input);
          if (value === null || !Number.isFinite(value))
            defaulted[index]! += 1; // keeps the template's declared default
          else values[feature.name] = value;
        }
        return { features: values };
      });
      defaulted.forEach((times, index) => {
        if (times > 0) count(defaultsTally(features[index]!.name), times);
      });
      return updates;
    },
  };
}

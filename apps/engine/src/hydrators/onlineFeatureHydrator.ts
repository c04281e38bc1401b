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
// `userHistory` with the same definitions); context features (the request time alone, by their
// declared entity) are computed once per request; both go out as the request's features (one
// object every candidate points to); item and user×item features per candidate. Values without data are the declared defaults; how
// many are counted per feature into the component's trace tallies (recorded as metrics after the response).
// Runs before the filters so filter expressions and exploration can read item features.
import { EMPTY_STATE, type EntityState } from "../features/counters/counter.ts";
import { entityKey, entityTag } from "../features/featureKeys.ts";
import { createFeatureRegistry, featureRegistry } from "../features/registry.ts";
import { defaultItemCategories, type ItemCategoryLookup } from "../features/itemCategories.ts";
import type { Candidate, Scorer, ScoreUpdate } from "../funnel/index.ts";
import type { BatchRead, OnlineStore } from "../stores/onlineStore.ts";
import type { CandidateCategoryLookup, CandidateCategoryRows } from "../caching/itemAttributeCache.ts";
import { ItemStateCache, counterReadShape, itemStatesFrom, type CounterReadShape } from "../caching/itemStateCache.ts";
import { NO_SLOT } from "../caching/itemSlots.ts";
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
const EMPTY_USER_STATE: EntityState = EMPTY_STATE;

/**
 * Reads the user's state (when not already read) and the state of `missing` items (not in the
 * cache: each id once; `missingSlots` their slots), in one round trip (two in parallel when the
 * user's state is read too), and caches the items' states.
 */
async function readStates(
  store: OnlineStore,
  userId: string,
  userState: EntityState | undefined,
  missing: readonly string[],
  missingSlots: readonly number[],
  slotsEpoch: number,
  cache: ItemStateCache,
  atMs: number,
): Promise<{ user: EntityState; items: readonly EntityState[] }> {
  // Before the read: a change of an item the feed reports from now on may postdate what the read returns.
  const readStartedAt = cache.readStarted();
  // The user's keys only when the `userHistory` query hydrator did not read them (its budget ran out or it failed).
  const userShape = userState ? null : counterReadShape(perCandidateRegistry.counters.user, atMs);
  const itemShape = counterReadShape(perCandidateRegistry.counters.item, atMs);
  const hasItemKeys = missing.length > 0 && itemShape.hashNames.length + itemShape.sortedSets.length > 0;
  if (!userShape && !hasItemKeys) return { user: userState ?? EMPTY_USER_STATE, items: missing.map(() => EMPTY_ITEM_STATE) };
  // The items' keys said as ids and key names (readEntities), not ~2 key strings per item; the user's, when needed, in parallel.
  const [userRead, itemRead] = await Promise.all([
    userShape ? store.readBatch(userBatchRead(userShape, userId)) : undefined,
    hasItemKeys
      ? store.readEntities({ tagPrefix: entityTag("item", ""), ids: missing, hashNames: itemShape.hashNames, sortedSets: itemShape.sortedSets })
      : undefined,
  ]);
  let user = userState ?? EMPTY_USER_STATE;
  if (userShape && userRead) {
    user = {
      hashes: new Map(userShape.hashNames.map((name, index) => [name, userRead.hashes[index]!])),
      sortedSets: new Map(userShape.sortedSets.map(({ name }, index) => [name, userRead.sortedSets[index]!])),
    };
  }
  if (!itemRead) return { user, items: missing.map(() => EMPTY_ITEM_STATE) };
  const items = itemStatesFrom(itemShape, missing, itemRead.hashes, 0, itemRead.sortedSets, 0);
  // Not kept when a new slot generation started during the read (the slots name other items now).
  cache.storeSlots(missingSlots, slotsEpoch, items, readStartedAt);
  return { user, items };
}

/** The user's counter keys of a read shape. */
function userBatchRead(shape: CounterReadShape, userId: string): BatchRead {
  return {
    hashes: shape.hashNames.map((name) => entityKey("user", userId, name)),
    sortedSets: shape.sortedSets.map(({ name, limit }) => ({ key: entityKey("user", userId, name), limit })),
  };
}

/** Per-candidate features split by what they depend on (see the score function). */
const contextFeatureIndexes = perCandidateRegistry.features.flatMap((feature, index) => (feature.entity === "context" ? [index] : []));
const candidateFeatureIndexes = perCandidateRegistry.features.flatMap((feature, index) => (feature.entity === "context" ? [] : [index]));

/** Each candidate's category by candidate index: by row from the attribute cache's per-list lookup, else by id. */
async function categoriesByRow(
  lookup: ItemCategoryLookup | CandidateCategoryLookup | CandidateCategoryRows,
  candidates: readonly Candidate[],
): Promise<(string | undefined)[]> {
  const categories = new Array<string | undefined>(candidates.length);
  if ("categoryRowsOfCandidates" in lookup) {
    const rows = await lookup.categoryRowsOfCandidates(candidates);
    for (let row = 0; row < candidates.length; row += 1) categories[row] = rows[row]?.category;
    return categories;
  }
  const byId =
    "categoriesOfCandidates" in lookup
      ? await lookup.categoriesOfCandidates(candidates)
      : await lookup.categoriesOf([...new Set(candidates.map((candidate) => candidate.itemId))]);
  for (let row = 0; row < candidates.length; row += 1) categories[row] = byId.get(candidates[row]!.itemId);
  return categories;
}

export function onlineFeatureHydrator(
  store: OnlineStore,
  budgetMs: number,
  itemCategories?: ItemCategoryLookup | CandidateCategoryLookup | CandidateCategoryRows,
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
      const rows = candidates.length;
      // Each candidate's cached item state, read by the list's slots (computed once per list, shared
      // with the itemAttributes hydrator); the ids missing from the cache, each once, are read from
      // the store in one batch.
      const slots = itemStates.slots.slotsOfCandidates(candidates);
      const slotsEpoch = itemStates.slots.epoch;
      const states: (EntityState | undefined)[] = new Array<EntityState | undefined>(rows);
      const misses = itemStates.lookupSlots(slots, slotsEpoch, states);
      const missing: string[] = [];
      const missingSlots: number[] = [];
      let missIndexOfRow: Int32Array | undefined;
      if (misses > 0) {
        // Keyed by slot (by id for an id without one: a list with more distinct ids than the registry's bound).
        const missIndexByKey = new Map<number | string, number>();
        missIndexOfRow = new Int32Array(rows);
        for (let row = 0; row < rows; row += 1) {
          if (states[row] !== undefined) continue;
          const itemId = candidates[row]!.itemId;
          const slot = slots[row]!;
          const key = slot === NO_SLOT ? itemId : slot;
          let index = missIndexByKey.get(key);
          if (index === undefined) {
            index = missing.length;
            missIndexByKey.set(key, index);
            missing.push(itemId);
            missingSlots.push(slot);
          }
          missIndexOfRow[row] = index;
        }
      }
      // Categories (catalogue cache, shared with the itemAttributes hydrator) and store state in parallel.
      const [categories, read] = await Promise.all([
        categoriesByRow(itemCategories ?? defaultItemCategories(), candidates),
        readStates(store, query.userId, query.userState, missing, missingSlots, slotsEpoch, itemStates, atMs),
      ]);
      if (missIndexOfRow) for (let row = 0; row < rows; row += 1) states[row] ??= read.items[missIndexOfRow[row]!];
      // Features the request shares: the user's (from the query hydrator; its declared defaults
      // when it failed) and the context's. One object for the whole request
      // (ScoreUpdate.requestFeatures), not copied into each candidate's map.
      const shared: Record<string, number> = {};
      for (const feature of userFeatures) {
        const value = query.userFeatures?.[feature.name];
        if (value === undefined) count(defaultsTally(feature.name), rows);
        shared[feature.name] = value ?? feature.default;
      }
      const features = perCandidateRegistry.features;
      const input = { atMs, userId: query.userId, itemId: "", itemCategory: null as string | null, user: read.user, item: EMPTY_ITEM_STATE };
      // Defaults tallied per feature here and reported once (not a map update per value).
      const defaulted = new Int32Array(features.length);
      // Context features depend on the request alone (their declared entity): computed once, with the
      // first candidate's input.
      input.itemId = candidates[0]!.itemId;
      input.itemCategory = categories[0] ?? null;
      input.item = states[0] ?? EMPTY_ITEM_STATE;
      for (const index of contextFeatureIndexes) {
        const feature = features[index]!;
        const value = feature.compute(input);
        if (value === null || !Number.isFinite(value)) {
          defaulted[index] = rows;
          shared[feature.name] = feature.default;
        } else shared[feature.name] = value;
      }
      // The registry's compute functions, per candidate, with computeFeatureVector's rule (null or
      // not finite → the declared default), writing straight into one object per candidate: no
      // intermediate vectors (GC was ~1/3 of a loaded request). One template with every key in final
      // order: each candidate's map is one clone of it (one allocation of the right size, no shape
      // transitions), then filled in place. Built by Object.fromEntries, not by assigning the keys
      // one by one: V8 turns an object grown that way into a hash-table ("dictionary") object, and
      // cloning one cost ~8× more per candidate (CPU and garbage) than cloning a plain fast object.
      const template: Record<string, number> = Object.fromEntries(
        candidateFeatureIndexes.map((index): [string, number] => [features[index]!.name, features[index]!.default]),
      );
      const updates = new Array<ScoreUpdate>(rows);
      for (let row = 0; row < rows; row += 1) {
        const itemId = candidates[row]!.itemId;
        input.itemId = itemId;
        input.itemCategory = categories[row] ?? null;
        input.item = states[row] ?? EMPTY_ITEM_STATE;
        const values = { ...template };
        for (let k = 0; k < candidateFeatureIndexes.length; k += 1) {
          const index = candidateFeatureIndexes[k]!;
          const feature = features[index]!;
          const value = feature.compute(input);
          if (value === null || !Number.isFinite(value))
            defaulted[index]! += 1; // keeps the template's declared default
          else values[feature.name] = value;
        }
        updates[row] = { features: values, requestFeatures: shared };
      }
      defaulted.forEach((times, index) => {
        if (times > 0) count(defaultsTally(features[index]!.name), times);
      });
      return updates;
    },
  };
}

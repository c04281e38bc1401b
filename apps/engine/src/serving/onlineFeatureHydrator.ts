// Candidate hydrator `onlineFeatures`: user, item, user×item and context features for every
// candidate from the online store with the registry's definitions, through the public reader
// (features/onlineFeatureReader.ts): ONE store round trip for the user's keys and all candidates'
// keys together — never one per item. User-entity features come from the query (computed once by
// `userHistory` with the same definitions). Values without data are the declared defaults; how many
// are counted per feature in the request scope (recorded as metrics after the response).
// Runs before the filters so filter expressions and exploration can read item features.
import { createFeatureRegistry, featureRegistry } from "../features/registry.ts";
import type { ItemCategoryLookup } from "../features/itemCategories.ts";
import { readOnlineFeatures } from "../features/onlineFeatureReader.ts";
import type { Scorer, ScoreUpdate } from "../funnel/index.ts";
import type { OnlineStore } from "../stores/onlineStore.ts";
import { countDefault, type RequestScope } from "./requestScope.ts";

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

export function onlineFeatureHydrator(store: OnlineStore, scope: RequestScope, budgetMs: number, itemCategories?: ItemCategoryLookup): Scorer {
  return {
    id: ONLINE_FEATURES_HYDRATOR_ID,
    budgetMs,
    writes: featureRegistry.names.map((name) => `features.${name}`),
    defaults: { features: declaredDefaults() },
    async score(query, candidates): Promise<ScoreUpdate[]> {
      if (candidates.length === 0) return [];
      const vectors = await readOnlineFeatures(
        store,
        { userId: query.userId, itemIds: candidates.map((candidate) => candidate.itemId), at: new Date(query.nowMs) },
        { registry: perCandidateRegistry, ...(itemCategories ? { itemCategories } : {}) },
      );
      // User features from the query hydrator; its declared defaults when it failed.
      const user: Record<string, number> = {};
      for (const feature of userFeatures) {
        const value = query.userFeatures?.[feature.name];
        if (value === undefined) countDefault(scope, feature.name, candidates.length);
        user[feature.name] = value ?? feature.default;
      }
      for (const vector of vectors) for (const name of vector.defaulted) countDefault(scope, name);
      // The vectors are fresh objects of this call: fill the user features in place (no copies).
      return vectors.map((vector) => ({ features: Object.assign(vector.features, user) }));
    },
  };
}

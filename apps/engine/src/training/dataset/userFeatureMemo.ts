// A registry for the offline replay in which every user-level feature is computed once per read
// instead of once per candidate item. readOnlineFeatures evaluates the whole registry for each item
// of a request, so a slate of n impressions recomputed the user's windowed counts n times — the
// largest single cost of building a training set. A user-level feature (entity "user") is by
// definition a function of the user's state and the read time only, and within one read every item
// gets the same user state object and time; so the last value is reused while both are unchanged.
// The counters and names are the original ones: the writer and the columns do not change.
import { createFeatureRegistry, type FeatureRegistry } from "../../features/registry.ts";
import type { FeatureDefinition, FeatureInput } from "../../features/featureDefinition.ts";

export function withMemoizedUserFeatures(registry: FeatureRegistry): FeatureRegistry {
  return createFeatureRegistry(registry.features.map((feature) => (feature.entity === "user" ? memoized(feature) : feature)));
}

function memoized(feature: FeatureDefinition): FeatureDefinition {
  let lastUser: FeatureInput["user"] | null = null;
  let lastAtMs = Number.NaN;
  let lastValue: number | null = null;
  return {
    ...feature,
    compute(input) {
      if (input.user !== lastUser || input.atMs !== lastAtMs) {
        lastValue = feature.compute(input);
        lastUser = input.user;
        lastAtMs = input.atMs;
      }
      return lastValue;
    },
  };
}

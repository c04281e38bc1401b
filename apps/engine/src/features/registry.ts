// The feature registry: every feature the platform computes, in one list. Adding a feature is one
// definition file under definitions/ and one line here; the online writer, the reader, the
// training-set builder, the skew check and the console all derive from this list.
import type { Counter, CounterEntity } from "./counters/counter.ts";
import { itemPopularityFeatures } from "./definitions/itemPopularity.ts";
import { requestContextFeatures } from "./definitions/requestContext.ts";
import { userActivityFeatures } from "./definitions/userActivity.ts";
import { userCategoryAffinityFeatures } from "./definitions/userCategoryAffinity.ts";
import { userRecentItemsFeatures } from "./definitions/userRecentItems.ts";
import type { FeatureDefinition } from "./featureDefinition.ts";

export type FeatureRegistry = {
  readonly features: readonly FeatureDefinition[];
  readonly names: readonly string[];
  /** Every counter any feature reads, once, grouped by the entity whose keys hold it. */
  readonly counters: Readonly<Record<CounterEntity, readonly Counter[]>>;
  get(name: string): FeatureDefinition | undefined;
};

/** Checks names and counter ids are unique (two counters with one id would share storage). */
export function createFeatureRegistry(features: readonly FeatureDefinition[]): FeatureRegistry {
  const byName = new Map<string, FeatureDefinition>();
  const countersById = new Map<string, Counter>();
  for (const feature of features) {
    if (byName.has(feature.name)) throw new Error(`duplicate feature name ${feature.name}`);
    byName.set(feature.name, feature);
    for (const counter of feature.counters) {
      const existing = countersById.get(counter.id);
      if (existing && existing !== counter) throw new Error(`two different counters share the id ${counter.id} (feature ${feature.name})`);
      countersById.set(counter.id, counter);
    }
  }
  const counters = [...countersById.values()];
  return {
    features,
    names: features.map((feature) => feature.name),
    counters: {
      user: counters.filter((counter) => counter.entity === "user"),
      item: counters.filter((counter) => counter.entity === "item"),
    },
    get: (name) => byName.get(name),
  };
}

export const featureRegistry: FeatureRegistry = createFeatureRegistry([
  ...userActivityFeatures,
  ...userRecentItemsFeatures,
  ...itemPopularityFeatures,
  ...userCategoryAffinityFeatures,
  ...requestContextFeatures,
]);

// A feature definition: what the registry, the console, the online reader and the offline replay
// all know about one feature. Its logic is `compute` over counter values; the counters carry the
// state logic (counters/). There is no second implementation anywhere: serving and training both
// call `compute` on counters maintained by the same `opsFor`.
import type { Counter, EntityState } from "./counters/counter.ts";

/** As in the feature_definitions table (Prisma enum FeatureEntity). */
export type FeatureEntity = "user" | "item" | "user_item" | "context";

/** Everything `compute` may look at for one (user, item, time). */
export type FeatureInput = {
  /** The "as of" time, ms: state holds only what happened strictly before it. */
  atMs: number;
  userId: string;
  itemId: string;
  /** The item's category from the catalogue (null when unknown). */
  itemCategory: string | null;
  user: EntityState;
  item: EntityState;
};

export type FeatureDefinition = {
  /** snake_case, unique; the column name in training sets and the key in served vectors. */
  name: string;
  entity: FeatureEntity;
  type: "number";
  /** Human-readable time window or half-life ("5m", "half-life 6h"); null when timeless. */
  window: string | null;
  /** Used when `compute` returns null (no state yet: cold start, or everything expired). */
  default: number;
  description: string;
  /** The state this feature reads; the online writer maintains every registered counter. */
  counters: readonly Counter[];
  /** The value, or null for "no data" (→ `default`, counted as a default used). */
  compute(input: FeatureInput): number | null;
};

/** Identity function that type-checks a definition (and keeps `compute`'s source for the digest). */
export function defineFeature(definition: FeatureDefinition): FeatureDefinition {
  if (!/^[a-z][a-z0-9_]*$/.test(definition.name)) throw new TypeError(`feature names are snake_case, got ${JSON.stringify(definition.name)}`);
  if (!Number.isFinite(definition.default)) throw new RangeError(`feature ${definition.name}: default must be finite`);
  return definition;
}

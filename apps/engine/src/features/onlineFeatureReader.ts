// Online store → feature vectors for one user and many candidate items, as of a time. One store
// round trip for the whole request (the user's keys and every item's keys in one batch read; on a
// Redis Cluster the batch splits by node, still one round trip per entity slot, never per feature).
//
// The offline replay reads its in-process store through this same function, so a training row and
// a served vector for the same (user, item, time) and the same state are equal by construction.
import type { BatchRead, ScoredMember, NumericHash, OnlineStore, StoreKey } from "../stores/onlineStore.ts";
import type { Counter, CounterEntity, EntityState } from "./counters/counter.ts";
import type { FeatureInput } from "./featureDefinition.ts";
import { entityKey } from "./featureKeys.ts";
import { defaultItemCategories, type ItemCategoryLookup } from "./itemCategories.ts";
import { featureRegistry, type FeatureRegistry } from "./registry.ts";

export type OnlineFeatureRequest = {
  userId: string;
  itemIds: readonly string[];
  /** The "as of" time (the request time when serving). */
  at: Date;
};

export type FeatureVector = Record<string, number>;

export type ItemFeatureVector = {
  itemId: string;
  /** Every registered feature, name → value (declared default when there was no data). */
  features: FeatureVector;
  /** How many values are declared defaults (cold start, expired state, unknown category). */
  defaultsUsed: number;
  /** Which features those are. */
  defaulted: string[];
};

export type OnlineFeatureReadOptions = {
  itemCategories?: ItemCategoryLookup;
  registry?: FeatureRegistry;
};

/** Vectors in `itemIds` order (duplicates included). */
export async function readOnlineFeatures(
  store: OnlineStore,
  request: OnlineFeatureRequest,
  options: OnlineFeatureReadOptions = {},
): Promise<ItemFeatureVector[]> {
  const registry = options.registry ?? featureRegistry;
  const atMs = request.at.getTime();
  const itemIds = [...new Set(request.itemIds)];
  const categories = itemIds.length > 0 ? await (options.itemCategories ?? defaultItemCategories()).categoriesOf(itemIds) : new Map<string, string>();

  const plan = new ReadPlan();
  const userState = plan.add("user", request.userId, registry.counters.user, atMs);
  const itemStates = new Map(itemIds.map((itemId) => [itemId, plan.add("item", itemId, registry.counters.item, atMs)]));
  await plan.execute(store);

  return request.itemIds.map((itemId) =>
    computeFeatureVector(registry, {
      atMs,
      userId: request.userId,
      itemId,
      itemCategory: categories.get(itemId) ?? null,
      user: userState.state,
      item: itemStates.get(itemId)!.state,
    }),
  );
}

/** Every registered feature for one input; null or non-finite results fall back to the default. */
export function computeFeatureVector(registry: FeatureRegistry, input: FeatureInput): ItemFeatureVector {
  const features: FeatureVector = {};
  const defaulted: string[] = [];
  for (const feature of registry.features) {
    const value = feature.compute(input);
    if (value === null || !Number.isFinite(value)) {
      features[feature.name] = feature.default;
      defaulted.push(feature.name);
    } else {
      features[feature.name] = value;
    }
  }
  return { itemId: input.itemId, features, defaultsUsed: defaulted.length, defaulted };
}

type PendingState = { state: EntityState };

/** Collects the keys of many entities into one batch read, then hands each entity its state. */
class ReadPlan {
  private readonly hashKeys: StoreKey[] = [];
  private readonly sortedSetReads: { key: StoreKey; limit: number }[] = [];
  private readonly fills: ((hashes: NumericHash[], sortedSets: ScoredMember[][]) => void)[] = [];

  add(entity: CounterEntity, id: string, counters: readonly Counter[], atMs: number): PendingState {
    const hashNames = new Set<string>();
    const sortedSetLimits = new Map<string, number>();
    for (const counter of counters) {
      const reads = counter.reads(atMs);
      for (const name of reads.hashes) hashNames.add(name);
      for (const { name, limit } of reads.sortedSets) sortedSetLimits.set(name, Math.max(limit, sortedSetLimits.get(name) ?? 0));
    }
    const pending: PendingState = { state: { hashes: new Map(), sortedSets: new Map() } };
    const hashStart = this.hashKeys.length;
    const sortedSetStart = this.sortedSetReads.length;
    const names = [...hashNames];
    const sortedSetNames = [...sortedSetLimits.keys()];
    for (const name of names) this.hashKeys.push(entityKey(entity, id, name));
    for (const name of sortedSetNames) this.sortedSetReads.push({ key: entityKey(entity, id, name), limit: sortedSetLimits.get(name)! });
    this.fills.push((hashes, sortedSets) => {
      pending.state = {
        hashes: new Map(names.map((name, index) => [name, hashes[hashStart + index]!])),
        sortedSets: new Map(sortedSetNames.map((name, index) => [name, sortedSets[sortedSetStart + index]!])),
      };
    });
    return pending;
  }

  async execute(store: OnlineStore): Promise<void> {
    const read: BatchRead = { hashes: this.hashKeys, sortedSets: this.sortedSetReads };
    const result = read.hashes.length + read.sortedSets.length > 0 ? await store.readBatch(read) : { hashes: [], sortedSets: [] };
    for (const fill of this.fills) fill(result.hashes, result.sortedSets);
  }
}

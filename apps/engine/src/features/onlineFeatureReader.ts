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
  const userState = plan.add("user", request.userId, readShape(registry.counters.user, atMs));
  // Every item reads the same key names: worked out once per request, not per item.
  const itemShape = readShape(registry.counters.item, atMs);
  const itemStates = new Map(itemIds.map((itemId) => [itemId, plan.add("item", itemId, itemShape)]));
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

/** The key names one entity's counters need at one time (sorted sets at their largest limit). */
type ReadShape = { hashNames: readonly string[]; sortedSets: readonly { name: string; limit: number }[] };

function readShape(counters: readonly Counter[], atMs: number): ReadShape {
  const hashNames = new Set<string>();
  const sortedSetLimits = new Map<string, number>();
  for (const counter of counters) {
    const reads = counter.reads(atMs);
    for (const name of reads.hashes) hashNames.add(name);
    for (const { name, limit } of reads.sortedSets) sortedSetLimits.set(name, Math.max(limit, sortedSetLimits.get(name) ?? 0));
  }
  return { hashNames: [...hashNames], sortedSets: [...sortedSetLimits].map(([name, limit]) => ({ name, limit })) };
}

/** Shared by every state with no key of that kind (read-only, like every EntityState). */
const NO_HASHES: ReadonlyMap<string, NumericHash> = new Map();
const NO_SORTED_SETS: ReadonlyMap<string, readonly ScoredMember[]> = new Map();

/** Collects the keys of many entities into one batch read, then hands each entity its state. */
class ReadPlan {
  private readonly hashKeys: StoreKey[] = [];
  private readonly sortedSetReads: { key: StoreKey; limit: number }[] = [];
  private readonly entries: { pending: PendingState; shape: ReadShape; hashStart: number; sortedSetStart: number }[] = [];

  add(entity: CounterEntity, id: string, shape: ReadShape): PendingState {
    const pending: PendingState = { state: { hashes: NO_HASHES, sortedSets: NO_SORTED_SETS } };
    this.entries.push({ pending, shape, hashStart: this.hashKeys.length, sortedSetStart: this.sortedSetReads.length });
    for (const name of shape.hashNames) this.hashKeys.push(entityKey(entity, id, name));
    for (const { name, limit } of shape.sortedSets) this.sortedSetReads.push({ key: entityKey(entity, id, name), limit });
    return pending;
  }

  async execute(store: OnlineStore): Promise<void> {
    const read: BatchRead = { hashes: this.hashKeys, sortedSets: this.sortedSetReads };
    const result = read.hashes.length + read.sortedSets.length > 0 ? await store.readBatch(read) : { hashes: [], sortedSets: [] };
    for (const { pending, shape, hashStart, sortedSetStart } of this.entries) {
      let hashes = NO_HASHES;
      if (shape.hashNames.length > 0) {
        const map = new Map<string, NumericHash>();
        for (let index = 0; index < shape.hashNames.length; index += 1) map.set(shape.hashNames[index]!, result.hashes[hashStart + index]!);
        hashes = map;
      }
      let sortedSets = NO_SORTED_SETS;
      if (shape.sortedSets.length > 0) {
        const map = new Map<string, readonly ScoredMember[]>();
        for (let index = 0; index < shape.sortedSets.length; index += 1) map.set(shape.sortedSets[index]!.name, result.sortedSets[sortedSetStart + index]!);
        sortedSets = map;
      }
      pending.state = { hashes, sortedSets };
    }
  }
}

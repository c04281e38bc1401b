// Where feature state lives in the online store. Every key of one entity shares the entity's hash
// tag (`{u:<userId>}`, `{i:<itemId>}`), so an entity's update is one script on one Redis Cluster
// slot and a request reads one slot per entity.
import { storeKey, type StoreKey } from "../stores/onlineStore.ts";
import type { CounterEntity } from "./counters/counter.ts";

const ENTITY_PREFIX: Record<CounterEntity, string> = { user: "u", item: "i" };

/** The kind part of an entity's hash tags (`i` for items): what a change watch (OnlineStore.watchChanges) names. */
export function entityKind(entity: CounterEntity): string {
  return ENTITY_PREFIX[entity];
}

/** The entity part of the hash tag, e.g. `u:user-00001`. */
export function entityTag(entity: CounterEntity, id: string): string {
  return `${ENTITY_PREFIX[entity]}:${id}`;
}

export function entityKey(entity: CounterEntity, id: string, name: string): StoreKey {
  return storeKey(entityTag(entity, id), name);
}

/** The key name of the ledger (see ledgerKey). */
export const LEDGER_NAME = "applied";

/** Per entity: the event ids already applied (for idempotency), as a pruned sorted set. */
export function ledgerKey(entity: CounterEntity, id: string): StoreKey {
  return entityKey(entity, id, LEDGER_NAME);
}

/** Feature name → ms of its last online update (written by the writer, read by featureStatus). */
export const FEATURE_FRESHNESS_KEY: StoreKey = storeKey("features", "freshness");

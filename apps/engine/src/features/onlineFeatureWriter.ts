// Event → online feature state. The real-time features consumer calls `applyEventsToOnlineStore`
// with each batch it reads from the event stream.
//
// - Same logic as training: every registered counter's `opsFor` (the offline replay calls this very
//   function, on an in-process store whose clock is the replay time).
// - Idempotent per event: each (entity, eventId) is one EntityUpdate carrying a ledger entry; the
//   store applies it atomically and at most once, so a redelivered batch (or an event repeated in a
//   batch) changes nothing. The ledger remembers ids for `ledgerRetentionMs` (48 h by default):
//   the stream must not redeliver later than that.
// - Bounded cost: one store round trip for all updates of the batch, one for the freshness stamps,
//   whatever the batch size (plus, on a cache miss, one catalogue query for item categories).
import type { EntityUpdate, NumericHash, OnlineStore, SortedSetMaxWrite, StoreKey } from "../stores/onlineStore.ts";
import { emptyOps, type CounterEntity, type EntityOps } from "./counters/counter.ts";
import type { FeatureEvent } from "./featureEvent.ts";
import { FEATURE_FRESHNESS_KEY, LEDGER_NAME, ledgerKey } from "./featureKeys.ts";
import { defaultItemCategories, type ItemCategoryLookup } from "./itemCategories.ts";
import { featureRegistry, type FeatureRegistry } from "./registry.ts";

export const DEFAULT_LEDGER_RETENTION_MS = 48 * 3_600_000;

export type OnlineFeatureWriteOptions = {
  itemCategories?: ItemCategoryLookup;
  registry?: FeatureRegistry;
  /** false: no ledger (the offline replay of the event log, which is unique by event id). Default true. */
  idempotent?: boolean;
  ledgerRetentionMs?: number;
  /** Stamp the last-update time of every feature touched (default true). */
  recordFreshness?: boolean;
};

export type OnlineFeatureWriteResult = {
  /** Entity updates sent (one per entity an event touches). */
  updates: number;
  /** Of those, how many had already been applied (redeliveries). */
  duplicates: number;
};

const ENTITIES: readonly CounterEntity[] = ["user", "item"];

export async function applyEventsToOnlineStore(
  store: OnlineStore,
  events: readonly FeatureEvent[],
  now: Date = new Date(),
  options: OnlineFeatureWriteOptions = {},
): Promise<OnlineFeatureWriteResult> {
  if (events.length === 0) return { updates: 0, duplicates: 0 };
  const registry = options.registry ?? featureRegistry;
  const nowMs = now.getTime();
  const idempotent = options.idempotent ?? true;
  const retentionMs = options.ledgerRetentionMs ?? DEFAULT_LEDGER_RETENTION_MS;
  const categories = await (options.itemCategories ?? defaultItemCategories()).categoriesOf([...new Set(events.map((event) => event.itemId))]);

  const updates: EntityUpdate[] = [];
  const touchedCounters: string[][] = [];
  const ops = emptyOps();
  for (const event of events) {
    const facts = { itemCategory: categories.get(event.itemId) ?? null };
    for (const entity of ENTITIES) {
      const id = entity === "user" ? event.userId : event.itemId;
      ops.increments.length = 0;
      ops.deletes.length = 0;
      ops.maxima.length = 0;
      let touched: string[] | undefined;
      for (const counter of registry.counters[entity]) {
        const before = opCount(ops);
        counter.opsFor(event, facts, nowMs, ops);
        if (opCount(ops) > before) (touched ??= []).push(counter.id);
      }
      if (!touched) continue;
      // ledgerKey validates the entity id (no braces); the other keys share its hash tag.
      const ledger = ledgerKey(entity, id);
      const update = toEntityUpdate(ledger.slice(0, ledger.length - LEDGER_NAME.length), ops);
      if (idempotent) update.ledger = { key: ledger, id: event.eventId, atMs: nowMs, retentionMs };
      updates.push(update);
      touchedCounters.push(touched);
    }
  }
  if (updates.length === 0) return { updates: 0, duplicates: 0 };

  const applied = await store.applyUpdates(updates);
  const duplicates = applied.filter((flag) => !flag).length;

  if (options.recordFreshness ?? true) {
    const appliedCounters = new Set(touchedCounters.filter((_, index) => applied[index]).flat());
    const stamps: NumericHash = {};
    for (const feature of registry.features) {
      if (feature.counters.some((counter) => appliedCounters.has(counter.id))) stamps[feature.name] = nowMs;
    }
    if (Object.keys(stamps).length > 0) await store.writeHashes([{ key: FEATURE_FRESHNESS_KEY, values: stamps }]);
  }
  return { updates: updates.length, duplicates };
}

function opCount(ops: EntityOps): number {
  return ops.increments.length + ops.deletes.length + ops.maxima.length;
}

/**
 * Groups a counter's key-name operations into store operations on the entity's keys; `keyPrefix`
 * is the entity's `{tag}:` (as built by entityKey).
 */
function toEntityUpdate(keyPrefix: string, ops: EntityOps): EntityUpdate {
  const hashIncrements: { key: StoreKey; increments: NumericHash; ttlMs?: number }[] = [];
  const incrementsByName = new Map<string, (typeof hashIncrements)[number]>();
  for (const { name, field, by, ttlMs } of ops.increments) {
    let entry = incrementsByName.get(name);
    if (!entry) {
      entry = { key: (keyPrefix + name) as StoreKey, increments: {} };
      incrementsByName.set(name, entry);
      hashIncrements.push(entry);
    }
    entry.increments[field] = (entry.increments[field] ?? 0) + by;
    if (ttlMs !== undefined) entry.ttlMs = Math.max(entry.ttlMs ?? 0, ttlMs);
  }
  const hashDeletes: { key: StoreKey; fields: string[] }[] = [];
  const deletesByName = new Map<string, (typeof hashDeletes)[number]>();
  for (const { name, field } of ops.deletes) {
    let entry = deletesByName.get(name);
    if (!entry) {
      entry = { key: (keyPrefix + name) as StoreKey, fields: [] };
      deletesByName.set(name, entry);
      hashDeletes.push(entry);
    }
    if (!entry.fields.includes(field)) entry.fields.push(field);
  }
  const sortedSetMaxes: SortedSetMaxWrite[] = ops.maxima.map(({ name, member, score, keep, ttlMs }) =>
    ttlMs === undefined ? { key: (keyPrefix + name) as StoreKey, member, score, keep } : { key: (keyPrefix + name) as StoreKey, member, score, keep, ttlMs },
  );
  return { hashDeletes, hashIncrements, sortedSetMaxes };
}

// Event → online feature state. The real-time features consumer calls `applyEventsToOnlineStore`
// with each batch it reads from the event stream.
//
// - Same logic as training: every registered counter's `opsFor` (the offline replay calls this very
//   function, on an in-process store whose clock is the replay time).
// - Merged per entity: all of a batch's operations on one entity (user or item) become ONE
//   EntityUpdate — increments to the same field add up, recent-item writes keep the highest score
//   per member — so the store does one atomic step per entity per batch instead of one per event.
//   Counter operations commute (see counters/counter.ts), so the merged result is the same state.
// - Idempotent per event: the entity's update carries the ids of all the events merged into it;
//   the store applies it only when none was applied before (ledger per entity), and skips it when
//   all were. When only some were (a redelivery regrouped with new events), the store changes
//   nothing and this writer sends that entity's events again one update per event, so each is
//   applied exactly once. A repeated event id within a batch counts once. The ledger remembers ids
//   for at least `ledgerRetentionMs` (48 h by default): the stream must not redeliver later than that.
// - Ledger upkeep (pruning old ids, refreshing its expiry) runs at most every 1/8 of the
//   retention per ledger and process: the store is told to skip it otherwise (it only bounds the
//   ledger's size), and the expiry it sets is the retention plus that 1/8.
// - Bounded cost: one store round trip for all updates of the batch, one for the freshness stamps,
//   whatever the batch size (plus, on a cache miss, one catalogue query for item categories, and
//   after a partial redelivery one more round trip).
import type { EntityHashIncrement, EntityUpdate, NumericHash, OnlineStore, SortedSetMaxWrite, StoreKey, UpdateOutcome } from "../stores/onlineStore.ts";
import { emptyOps, type CounterEntity, type EntityOps, type EventFacts } from "./counters/counter.ts";
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

/** Ledger upkeep runs at most once per this share of the retention (per ledger, per process). */
const LEDGER_UPKEEP_FRACTION = 8;
/** Bounds the upkeep memo; it is simply cleared when full (the next writes do upkeep again). */
const LEDGER_UPKEEP_MEMO_LIMIT = 500_000;
/** Per store: ledger key → when this process last had it pruned and its expiry refreshed. */
const ledgerUpkeep = new WeakMap<OnlineStore, Map<string, number>>();

/** One entity's share of a batch, merged. */
type EntityPlan = {
  entity: CounterEntity;
  /** `{tag}:`, the prefix of every key of the entity. */
  keyPrefix: string;
  ledger: StoreKey;
  events: FeatureEvent[];
  counters: Set<string>;
  hashes: Map<string, { increments: NumericHash; ttlMs: number | undefined; always: boolean; clears: Record<string, readonly string[]> }>;
  maxima: Map<string, Map<string, { score: number; keep: number; ttlMs: number | undefined }>>;
};

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
  const factsOf = (event: FeatureEvent): EventFacts => ({ itemCategory: categories.get(event.itemId) ?? null });

  // Merge every event's operations into its entities' plans; a repeated event id counts once.
  // Plans by entity id, one map per entity kind (no composite key string per event), and in
  // creation order for the store.
  const plansByEntity: Record<CounterEntity, Map<string, EntityPlan>> = { user: new Map(), item: new Map() };
  const planList: EntityPlan[] = [];
  const entityUpdatesOfEvent = new Map<string, number>();
  let repeats = 0;
  const ops = emptyOps();
  for (const event of events) {
    const earlier = entityUpdatesOfEvent.get(event.eventId);
    if (earlier !== undefined) {
      repeats += earlier;
      continue;
    }
    const facts = factsOf(event);
    let touchedEntities = 0;
    for (const entity of ENTITIES) {
      const touched = collectOps(registry, entity, event, facts, nowMs, ops);
      if (!touched) continue;
      touchedEntities += 1;
      const id = entity === "user" ? event.userId : event.itemId;
      const plans = plansByEntity[entity];
      let plan = plans.get(id);
      if (!plan) {
        // ledgerKey validates the entity id (no braces); the other keys share its hash tag.
        const ledger = ledgerKey(entity, id);
        plan = { entity, keyPrefix: ledger.slice(0, ledger.length - LEDGER_NAME.length), ledger, events: [], counters: new Set(), hashes: new Map(), maxima: new Map() };
        plans.set(id, plan);
        planList.push(plan);
      }
      plan.events.push(event);
      for (const counter of touched) plan.counters.add(counter);
      mergeOps(plan, ops);
    }
    entityUpdatesOfEvent.set(event.eventId, touchedEntities);
  }
  if (planList.length === 0) return { updates: repeats, duplicates: repeats };

  const upkeep = idempotent ? upkeepMemo(store) : undefined;
  const ledgerTtlMs = retentionMs + Math.ceil(retentionMs / LEDGER_UPKEEP_FRACTION);
  const updates = planList.map((plan) => {
    const update = toEntityUpdate(plan);
    if (upkeep) {
      const last = upkeep.get(plan.ledger);
      const maintain = last === undefined || nowMs < last || nowMs - last >= retentionMs / LEDGER_UPKEEP_FRACTION;
      update.ledger = { key: plan.ledger, ids: plan.events.map((event) => event.eventId), atMs: nowMs, retentionMs: ledgerTtlMs, maintain };
    }
    return update;
  });
  const outcomes = await store.applyUpdates(updates);

  let updateCount = repeats;
  let duplicates = repeats;
  const appliedCounters = new Set<string>();
  const partial: EntityPlan[] = [];
  planList.forEach((plan, index) => {
    const outcome = outcomes[index]!;
    updateCount += plan.events.length;
    if (outcome === "applied") {
      for (const counter of plan.counters) appliedCounters.add(counter);
      if (upkeep && updates[index]!.ledger!.maintain) upkeep.set(plan.ledger, nowMs);
    } else if (outcome === "duplicate") {
      duplicates += plan.events.length;
    } else {
      partial.push(plan);
    }
  });

  // Partly applied before: one update per event for those entities (each applied or skipped alone).
  if (partial.length > 0) {
    const single: { update: EntityUpdate; counters: Set<string> }[] = [];
    for (const plan of partial) {
      for (const event of plan.events) {
        const touched = collectOps(registry, plan.entity, event, factsOf(event), nowMs, ops);
        if (!touched) continue;
        const one: EntityPlan = { ...plan, events: [event], counters: new Set(touched), hashes: new Map(), maxima: new Map() };
        mergeOps(one, ops);
        const update = toEntityUpdate(one);
        update.ledger = { key: plan.ledger, ids: [event.eventId], atMs: nowMs, retentionMs: ledgerTtlMs };
        single.push({ update, counters: one.counters });
      }
    }
    const singleOutcomes: UpdateOutcome[] = await store.applyUpdates(single.map((entry) => entry.update));
    singleOutcomes.forEach((outcome, index) => {
      if (outcome === "applied") for (const counter of single[index]!.counters) appliedCounters.add(counter);
      else duplicates += 1;
    });
  }

  if ((options.recordFreshness ?? true) && appliedCounters.size > 0) {
    const stamps: NumericHash = {};
    for (const feature of registry.features) {
      if (feature.counters.some((counter) => appliedCounters.has(counter.id))) stamps[feature.name] = nowMs;
    }
    if (Object.keys(stamps).length > 0) await store.writeHashes([{ key: FEATURE_FRESHNESS_KEY, values: stamps }]);
  }
  return { updates: updateCount, duplicates };
}

function upkeepMemo(store: OnlineStore): Map<string, number> {
  let memo = ledgerUpkeep.get(store);
  if (!memo || memo.size >= LEDGER_UPKEEP_MEMO_LIMIT) {
    memo = new Map();
    ledgerUpkeep.set(store, memo);
  }
  return memo;
}

/** Resets `ops` to one event's operations on one entity; returns the counters that had any, or undefined. */
function collectOps(registry: FeatureRegistry, entity: CounterEntity, event: FeatureEvent, facts: EventFacts, nowMs: number, ops: EntityOps): string[] | undefined {
  ops.increments.length = 0;
  ops.maxima.length = 0;
  let touched: string[] | undefined;
  for (const counter of registry.counters[entity]) {
    const before = ops.increments.length + ops.maxima.length;
    counter.opsFor(event, facts, nowMs, ops);
    if (ops.increments.length + ops.maxima.length > before) (touched ??= []).push(counter.id);
  }
  return touched;
}

/** Folds one event's operations into the entity's plan (increments add, maxima keep the highest). */
function mergeOps(plan: EntityPlan, ops: EntityOps): void {
  for (const { name, field, by, ttlMs, expireWhen, clears } of ops.increments) {
    let hash = plan.hashes.get(name);
    if (!hash) {
      hash = { increments: {}, ttlMs, always: expireWhen !== "created", clears: {} };
      plan.hashes.set(name, hash);
    } else {
      if (ttlMs !== undefined && (hash.ttlMs === undefined || ttlMs > hash.ttlMs)) hash.ttlMs = ttlMs;
      if (expireWhen !== "created") hash.always = true;
    }
    hash.increments[field] = (hash.increments[field] ?? 0) + by;
    if (clears && clears.length > 0) hash.clears[field] = clears;
  }
  for (const { name, member, score, keep, ttlMs } of ops.maxima) {
    let members = plan.maxima.get(name);
    if (!members) plan.maxima.set(name, (members = new Map()));
    const current = members.get(member);
    if (!current) {
      members.set(member, { score, keep, ttlMs });
    } else {
      if (score > current.score) current.score = score;
      if (ttlMs !== undefined && (current.ttlMs === undefined || ttlMs > current.ttlMs)) current.ttlMs = ttlMs;
    }
  }
}

/** The plan as store operations on the entity's keys. */
function toEntityUpdate(plan: EntityPlan): EntityUpdate {
  const hashIncrements: EntityHashIncrement[] = [];
  for (const [name, { increments, ttlMs, always, clears }] of plan.hashes) {
    const increment: EntityHashIncrement = { key: (plan.keyPrefix + name) as StoreKey, increments };
    if (ttlMs !== undefined) increment.ttlMs = ttlMs;
    if (!always) increment.expireWhen = "created";
    for (const _ in clears) {
      increment.clearWhenCreated = clears;
      break;
    }
    hashIncrements.push(increment);
  }
  const sortedSetMaxes: SortedSetMaxWrite[] = [];
  for (const [name, members] of plan.maxima) {
    const key = (plan.keyPrefix + name) as StoreKey;
    // Order does not matter: trimming to the `keep` highest after each added member leaves the
    // `keep` highest of them all.
    for (const [member, { score, keep, ttlMs }] of members) {
      sortedSetMaxes.push(ttlMs === undefined ? { key, member, score, keep } : { key, member, score, keep, ttlMs });
    }
  }
  return { hashIncrements, sortedSetMaxes };
}

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
// - Cheap per event (it runs for every ingested event): counters hand their operations to the
//   planner one by one (no op objects), which merges each straight into its entity's EntityUpdate,
//   checking its numbers as it goes, so the store can skip re-validating the updates (`validated`).
import {
  assertCount,
  assertFiniteNumbers,
  assertTtl,
  type EntityHashIncrement,
  type EntityUpdate,
  type NumericHash,
  type OnlineStore,
  type SortedSetMaxWrite,
  type StoreKey,
  type UpdateOutcome,
} from "../stores/onlineStore.ts";
import type { CounterEntity, EntityOps, EventFacts } from "./counters/counter.ts";
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
/**
 * Per store and entity kind: entity id → when this process last had the entity's ledger pruned and
 * its expiry refreshed. By id rather than ledger key: the id's hash is already computed (the
 * batch's plans are found by id), the ledger key is a new string every batch.
 */
const ledgerUpkeep = new WeakMap<OnlineStore, UpkeepMemo>();
type UpkeepMemo = Record<CounterEntity, Map<string, number>>;
/** Members of one sorted set in one update found by scanning up to this many; by a map beyond. */
const MEMBER_SCAN_LIMIT = 16;

/** A hash increment being merged (all properties present, so every one has the same shape). */
type PlannedHash = {
  /** The key's name (the planner's; stores ignore it). */
  name: string;
  key: StoreKey;
  increments: NumericHash;
  ttlMs: number | undefined;
  expireWhen: "created" | undefined;
  clearWhenCreated: Record<string, readonly string[]> | undefined;
};

/** The writes to one sorted set (key name) of one entity, one per member. */
type PlannedMaxima = { name: string; writes: SortedSetMaxWrite[]; byMember: Map<string, SortedSetMaxWrite> | undefined };

/** One entity's share of a batch, merged into the EntityUpdate it becomes. */
type EntityPlan = {
  entity: CounterEntity;
  id: string;
  /** `{tag}:`, the prefix of every key of the entity. */
  keyPrefix: string;
  ledger: StoreKey;
  /** The events merged in, as the ledger's ids (in order). */
  ids: string[];
  /** Few per entity: a scan beats a map. */
  hashes: PlannedHash[];
  maxima: PlannedMaxima[] | undefined;
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
  const itemIds = new Set<string>();
  for (const event of events) itemIds.add(event.itemId);
  const categories = await (options.itemCategories ?? defaultItemCategories()).categoriesOf([...itemIds]);

  // Merge every event's operations into its entities' plans; a repeated event id counts once.
  const planner = new BatchPlanner(registry, categories, nowMs);
  const entityUpdatesOfEvent = new Map<string, number>();
  let repeats = 0;
  for (const event of events) {
    const earlier = entityUpdatesOfEvent.get(event.eventId);
    if (earlier !== undefined) {
      repeats += earlier;
      continue;
    }
    entityUpdatesOfEvent.set(event.eventId, planner.add(event));
  }
  const planList = planner.plans;
  if (planList.length === 0) return { updates: repeats, duplicates: repeats };

  const upkeep = idempotent ? upkeepMemo(store) : undefined;
  const ledgerTtlMs = retentionMs + Math.ceil(retentionMs / LEDGER_UPKEEP_FRACTION);
  if (upkeep) {
    assertFiniteNumbers(nowMs, "ledger atMs");
    assertTtl(ledgerTtlMs);
  }
  const updates: EntityUpdate[] = new Array(planList.length);
  for (let index = 0; index < planList.length; index += 1) {
    const plan = planList[index]!;
    let ledger: EntityUpdate["ledger"];
    if (upkeep) {
      const last = upkeep[plan.entity].get(plan.id);
      const maintain = last === undefined || nowMs < last || nowMs - last >= retentionMs / LEDGER_UPKEEP_FRACTION;
      ledger = { key: plan.ledger, ids: plan.ids, atMs: nowMs, retentionMs: ledgerTtlMs, maintain };
    }
    updates[index] = toEntityUpdate(plan, ledger);
  }
  const outcomes = await store.applyUpdates(updates, { validated: true });

  let updateCount = repeats;
  let duplicates = repeats;
  let allApplied = true;
  const partial: EntityPlan[] = [];
  for (let index = 0; index < planList.length; index += 1) {
    const plan = planList[index]!;
    const outcome = outcomes[index]!;
    updateCount += plan.ids.length;
    if (outcome === "applied") {
      if (upkeep && updates[index]!.ledger!.maintain) upkeep[plan.entity].set(plan.id, nowMs);
      continue;
    }
    allApplied = false;
    if (outcome === "duplicate") duplicates += plan.ids.length;
    else partial.push(plan);
  }

  // The counters that changed: those of the applied plans (all of the batch's, as a rule).
  const appliedCounters = new Set<string>();
  if (allApplied) {
    planner.touchedCounters(appliedCounters);
  } else {
    const toucher = new BatchPlanner(registry, categories, nowMs, false);
    const eventById = eventsById(events);
    planList.forEach((plan, index) => {
      if (outcomes[index] === "applied") for (const id of plan.ids) toucher.add(eventById.get(id)!, plan.entity);
    });
    toucher.touchedCounters(appliedCounters);
  }

  // Partly applied before: one update per event for those entities (each applied or skipped alone).
  if (partial.length > 0) {
    const eventById = eventsById(events);
    const single: { update: EntityUpdate; planner: BatchPlanner }[] = [];
    for (const plan of partial) {
      for (const id of plan.ids) {
        const one = new BatchPlanner(registry, categories, nowMs);
        if (one.add(eventById.get(id)!, plan.entity) === 0) continue;
        const update = toEntityUpdate(one.plans[0]!, { key: plan.ledger, ids: [id], atMs: nowMs, retentionMs: ledgerTtlMs });
        single.push({ update, planner: one });
      }
    }
    const singleOutcomes: UpdateOutcome[] = await store.applyUpdates(
      single.map((entry) => entry.update),
      { validated: true },
    );
    singleOutcomes.forEach((outcome, index) => {
      if (outcome === "applied") single[index]!.planner.touchedCounters(appliedCounters);
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

function upkeepMemo(store: OnlineStore): UpkeepMemo {
  let memo = ledgerUpkeep.get(store);
  if (!memo || memo.user.size + memo.item.size >= LEDGER_UPKEEP_MEMO_LIMIT) {
    memo = { user: new Map(), item: new Map() };
    ledgerUpkeep.set(store, memo);
  }
  return memo;
}

/** The batch's events by id (the first of a repeated id: the one that was merged). */
function eventsById(events: readonly FeatureEvent[]): Map<string, FeatureEvent> {
  const byId = new Map<string, FeatureEvent>();
  for (const event of events) if (!byId.has(event.eventId)) byId.set(event.eventId, event);
  return byId;
}

/**
 * Runs every counter of an event's entities and merges the operations into one plan per entity
 * (increments add, maxima keep the highest score), noting which counters had any. Each
 * operation's numbers are checked as they are merged (the same checks as assertEntityUpdate; its
 * keys share the entity's hash tag by construction), so the store need not check the updates again.
 * With `merge` false it only notes the counters.
 */
class BatchPlanner implements EntityOps {
  /** Plans in creation order (the order of the updates sent). */
  readonly plans: EntityPlan[] = [];
  private readonly plansById: Record<CounterEntity, Map<string, EntityPlan>> = { user: new Map(), item: new Map() };
  /** Per entity kind, per counter (registry order): had an operation in this batch. */
  private readonly touched: Record<CounterEntity, Uint8Array>;
  private readonly facts: EventFacts = { itemCategory: null };
  // The (event, entity) being collected.
  private event: FeatureEvent | undefined;
  private entity: CounterEntity = "user";
  private plan: EntityPlan | undefined;
  private operations = 0;

  constructor(
    private readonly registry: FeatureRegistry,
    private readonly categories: ReadonlyMap<string, string>,
    private readonly nowMs: number,
    private readonly merge = true,
  ) {
    this.touched = { user: new Uint8Array(registry.counters.user.length), item: new Uint8Array(registry.counters.item.length) };
  }

  /** Adds one event (to `only` that entity when given); returns how many entities it touched. */
  add(event: FeatureEvent, only?: CounterEntity): number {
    this.event = event;
    this.facts.itemCategory = this.categories.get(event.itemId) ?? null;
    let entities = 0;
    for (const entity of ENTITIES) {
      if (only !== undefined && entity !== only) continue;
      this.entity = entity;
      this.plan = undefined;
      const before = this.operations;
      const counters = this.registry.counters[entity];
      for (let index = 0; index < counters.length; index += 1) {
        const counterBefore = this.operations;
        counters[index]!.opsFor(event, this.facts, this.nowMs, this);
        if (this.operations > counterBefore) this.touched[entity][index] = 1;
      }
      if (this.operations > before) entities += 1;
    }
    this.event = undefined;
    return entities;
  }

  /** Adds the ids of the counters that had operations to `into`. */
  touchedCounters(into: Set<string>): void {
    for (const entity of ENTITIES) {
      const flags = this.touched[entity];
      const counters = this.registry.counters[entity];
      for (let index = 0; index < flags.length; index += 1) if (flags[index] === 1) into.add(counters[index]!.id);
    }
  }

  increment(name: string, field: string, by: number, ttlMs: number | undefined, expireWhen?: "created", clears?: readonly string[]): void {
    this.operations += 1;
    if (!this.merge) return;
    assertTtl(ttlMs);
    const plan = this.plan ?? this.openPlan();
    let hash = findHash(plan.hashes, name);
    if (!hash) {
      hash = { name, key: (plan.keyPrefix + name) as StoreKey, increments: {}, ttlMs, expireWhen, clearWhenCreated: undefined };
      plan.hashes.push(hash);
    } else {
      if (ttlMs !== undefined && (hash.ttlMs === undefined || ttlMs > hash.ttlMs)) hash.ttlMs = ttlMs;
      if (expireWhen !== "created") hash.expireWhen = undefined;
    }
    const sum = (hash.increments[field] ?? 0) + by;
    if (!Number.isFinite(sum)) throw new RangeError(`hash increments must be finite numbers, got ${sum}`);
    hash.increments[field] = sum;
    if (clears !== undefined && clears.length > 0) (hash.clearWhenCreated ??= {})[field] = clears;
  }

  max(name: string, member: string, score: number, keep: number, ttlMs: number | undefined): void {
    this.operations += 1;
    if (!this.merge) return;
    if (!Number.isFinite(score)) throw new RangeError(`sorted set scores must be finite numbers, got ${score}`);
    assertCount(keep, "keep", 1);
    assertTtl(ttlMs);
    const plan = this.plan ?? this.openPlan();
    plan.maxima ??= [];
    let maxima: PlannedMaxima | undefined;
    for (const candidate of plan.maxima) {
      if (candidate.name === name) {
        maxima = candidate;
        break;
      }
    }
    if (!maxima) {
      maxima = { name, writes: [], byMember: undefined };
      plan.maxima.push(maxima);
    }
    const current = findMember(maxima, member);
    if (!current) {
      const write: SortedSetMaxWrite = { key: (plan.keyPrefix + name) as StoreKey, member, score, keep, ttlMs };
      maxima.writes.push(write);
      maxima.byMember?.set(member, write);
    } else {
      if (score > current.score) current.score = score;
      if (ttlMs !== undefined && (current.ttlMs === undefined || ttlMs > current.ttlMs)) current.ttlMs = ttlMs;
    }
  }

  /** The current entity's plan, created on its first operation of the batch; the event joins it. */
  private openPlan(): EntityPlan {
    const event = this.event!;
    const entity = this.entity;
    const id = entity === "user" ? event.userId : event.itemId;
    const plans = this.plansById[entity];
    let plan = plans.get(id);
    if (!plan) {
      // ledgerKey validates the entity id (no braces); the other keys share its hash tag.
      const ledger = ledgerKey(entity, id);
      plan = { entity, id, keyPrefix: ledger.slice(0, ledger.length - LEDGER_NAME.length), ledger, ids: [], hashes: [], maxima: undefined };
      plans.set(id, plan);
      this.plans.push(plan);
    }
    plan.ids.push(event.eventId);
    this.plan = plan;
    return plan;
  }
}

function findHash(hashes: readonly PlannedHash[], name: string): PlannedHash | undefined {
  for (let index = 0; index < hashes.length; index += 1) if (hashes[index]!.name === name) return hashes[index];
  return undefined;
}

/** The write of `member` in `maxima` so far, if any: a scan while few, a map beyond. */
function findMember(maxima: PlannedMaxima, member: string): SortedSetMaxWrite | undefined {
  if (maxima.byMember) return maxima.byMember.get(member);
  const writes = maxima.writes;
  for (let index = 0; index < writes.length; index += 1) if (writes[index]!.member === member) return writes[index];
  if (writes.length >= MEMBER_SCAN_LIMIT) maxima.byMember = new Map(writes.map((write) => [write.member, write]));
  return undefined;
}

/**
 * The plan as store operations on the entity's keys (its arrays as they are). Sorted-set writes
 * are grouped by set, each set's members in first-seen order; order does not matter anyway:
 * trimming to the `keep` highest after each added member leaves the `keep` highest of them all.
 */
function toEntityUpdate(plan: EntityPlan, ledger: EntityUpdate["ledger"]): EntityUpdate {
  let sortedSetMaxes: SortedSetMaxWrite[] | undefined;
  if (plan.maxima?.length === 1) sortedSetMaxes = plan.maxima[0]!.writes;
  else if (plan.maxima) sortedSetMaxes = plan.maxima.flatMap((maxima) => maxima.writes);
  return { ledger, hashIncrements: plan.hashes satisfies EntityHashIncrement[], sortedSetMaxes };
}

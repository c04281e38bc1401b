// Counters are the state behind features. A counter turns one event into store operations on one
// entity (`opsFor`, pure) and says which keys it needs to answer at a time t (`reads`). Features
// combine counter values; they never touch the store.
//
// The same counter code runs in both paths:
//   online  — onlineFeatureWriter applies `opsFor` to the OnlineStore (Redis or memory);
//   offline — the replay (training/dataset/featureReplay.ts) applies `opsFor` to an in-process OnlineStore whose
//             clock is the replay time, and reads it back through the same reader.
import type { EntityState } from "../../stores/onlineStore.ts";
import type { FeatureEvent } from "../featureEvent.ts";

export type CounterEntity = "user" | "item";

/** Facts about the event's item that are not on the event (looked up from the catalogue). */
export type EventFacts = { itemCategory: string | null };

/** One increment of a hash field, by key *name* (the writer adds the entity's hash tag). */
export type IncrementOp = { name: string; field: string; by: number; ttlMs: number | undefined; expireWhen?: "created"; clears?: readonly string[] };
/** One ZADD GT + trim, by key *name*. */
export type MaxOp = { name: string; member: string; score: number; keep: number; ttlMs: number | undefined };

/**
 * Where a counter puts the store operations one event causes on one entity. TTLs and `clears` only
 * collect garbage: a key never expires, and no field is cleared, while any read at a time ≥ now
 * could still use it.
 *
 * Operations commute (increments add, maxima keep the larger score), so the writer may merge all
 * of a batch's operations on one key before sending them. Hence no unconditional deletes: an
 * increment says which fields to clear when it *creates* its field (`clears`), and whether its
 * expiry needs setting only then (`expireWhen: "created"`, for expiries fixed by the data rather
 * than by the write time); see EntityHashIncrement in stores/onlineStore.ts.
 *
 * Methods with plain arguments rather than op objects: the feature writer merges each operation
 * into its entity's update as it comes, so an event's operations cost no allocation there.
 */
export interface EntityOps {
  increment(name: string, field: string, by: number, ttlMs: number | undefined, expireWhen?: "created", clears?: readonly string[]): void;
  max(name: string, member: string, score: number, keep: number, ttlMs: number | undefined): void;
}

/** EntityOps that keeps the operations as objects, in order (tests, tools). */
export class RecordedOps implements EntityOps {
  readonly increments: IncrementOp[] = [];
  readonly maxima: MaxOp[] = [];

  increment(name: string, field: string, by: number, ttlMs: number | undefined, expireWhen?: "created", clears?: readonly string[]): void {
    const op: IncrementOp = { name, field, by, ttlMs };
    if (expireWhen !== undefined) op.expireWhen = expireWhen;
    if (clears !== undefined) op.clears = clears;
    this.increments.push(op);
  }

  max(name: string, member: string, score: number, keep: number, ttlMs: number | undefined): void {
    this.maxima.push({ name, member, score, keep, ttlMs });
  }
}

export function emptyOps(): RecordedOps {
  return new RecordedOps();
}

export function hasOps(ops: RecordedOps): boolean {
  return ops.increments.length > 0 || ops.maxima.length > 0;
}

/** Key names a counter reads for one entity at one time (counters may hand out shared, memoised lists). */
export type StateReads = { readonly hashes: readonly string[]; readonly sortedSets: readonly { readonly name: string; readonly limit: number }[] };

// An entity's state as the online store returns it; counters compute from it.
export type { EntityState };

export const EMPTY_STATE: EntityState = { hashes: new Map(), sortedSets: new Map() };

export interface Counter {
  /** Unique across the registry; also the hash field (or key) name, so keep it short. */
  readonly id: string;
  readonly entity: CounterEntity;
  /** Everything that defines the counter's behaviour, for definition digests (functions as source). */
  readonly spec: Readonly<Record<string, string | number>>;
  /** Adds the operations one event causes (pure; `nowMs` only sets expiries). */
  opsFor(event: FeatureEvent, facts: EventFacts, nowMs: number, ops: EntityOps): void;
  /** The keys needed to evaluate the counter at `atMs`. */
  reads(atMs: number): StateReads;
}

// Counts (or sums) in a sliding window, kept as time buckets.
//
// Math. With bucket size B and window W = n·B (n whole), an event at time e lands in bucket
// b(e) = ⌊e / B⌋. The value at time t is the sum of the n newest buckets:
//
//     count(t) = Σ { amount(e) : b(t) − n < b(e) ≤ b(t) }
//
// so the window covers between W − B and W of history: the current, partial bucket plus n − 1 full
// ones. That granularity is part of the definition — online and offline both evaluate exactly this
// sum, so they agree to the event, not approximately.
//
// Storage. One hash per (B, n, bucket) and entity, e.g. `{u:42}:w60x5:29035871` holding
// `clicks_5m → 3`; counters with the same B and n share the bucket hashes. A bucket is read by
// every t with b(t) < b + n, i.e. until (b + n)·B, so its expiry is set to that instant (once, when
// the write creates a field: the instant is the same for every write) and Redis drops it by itself. An event whose bucket is already past that instant is not written at all
// (no read at a time ≥ now could see it).
import type { NumericHash } from "../../stores/onlineStore.ts";
import type { FeatureEvent } from "../featureEvent.ts";
import type { Counter, CounterEntity, EntityOps, EntityState, EventFacts, StateReads } from "./counter.ts";

export type WindowedCountOptions = {
  id: string;
  entity: CounterEntity;
  bucketMs: number;
  windowMs: number;
  /** What one event adds (0: not counted). */
  amount: (event: FeatureEvent) => number;
};

export class WindowedCount implements Counter {
  readonly id: string;
  readonly entity: CounterEntity;
  readonly spec: Readonly<Record<string, string | number>>;
  private readonly bucketMs: number;
  private readonly buckets: number;
  private readonly amount: (event: FeatureEvent) => number;
  private lastBucket = Number.NaN;
  private lastKeyName = "";
  private window: { newest: number; keyNames: readonly string[]; reads: StateReads } = {
    newest: Number.NaN,
    keyNames: [],
    reads: { hashes: [], sortedSets: [] },
  };

  constructor(options: WindowedCountOptions) {
    const { bucketMs, windowMs } = options;
    if (!Number.isInteger(bucketMs) || bucketMs < 1000 || bucketMs % 1000 !== 0) throw new RangeError(`bucketMs must be whole seconds, got ${bucketMs}`);
    if (!Number.isInteger(windowMs / bucketMs) || windowMs <= 0) throw new RangeError(`windowMs must be a positive multiple of bucketMs, got ${windowMs}`);
    this.id = options.id;
    this.entity = options.entity;
    this.bucketMs = bucketMs;
    this.buckets = windowMs / bucketMs;
    this.amount = options.amount;
    this.spec = { kind: "windowedCount", bucketMs, windowMs, amount: options.amount.toString() };
  }

  opsFor(event: FeatureEvent, _facts: EventFacts, nowMs: number, ops: EntityOps): void {
    const amount = this.amount(event);
    if (amount === 0) return;
    const bucket = Math.floor(event.occurredAt / this.bucketMs);
    const lastReadMs = (bucket + this.buckets) * this.bucketMs;
    if (lastReadMs <= nowMs) return;
    ops.increment(this.keyName(bucket), this.id, amount, Math.ceil(lastReadMs - nowMs), "created");
  }

  reads(atMs: number): StateReads {
    return this.windowAt(atMs).reads;
  }

  /**
   * The windowed sum at `atMs`; null when the entity has no bucket at all in the window (no activity
   * of any counter sharing these buckets), so the feature falls back to its default.
   */
  valueAt(state: EntityState, atMs: number): number | null {
    const keyNames = this.windowAt(atMs).keyNames;
    let sum = 0;
    let seen = false;
    // Newest bucket first, as ever (same order of additions, same rounding).
    for (let index = 0; index < keyNames.length; index += 1) {
      const hash = state.hashes.get(keyNames[index]!);
      if (!hash || !hasAnyField(hash)) continue;
      seen = true;
      sum += hash[this.id] ?? 0;
    }
    return seen ? sum : null;
  }

  /**
   * The bucket key names of the window ending at `atMs`, newest first, memoised by newest bucket:
   * a window's names change once per bucket, while reads run per candidate on the request path.
   * Callers only iterate the arrays.
   */
  private windowAt(atMs: number): { keyNames: readonly string[]; reads: StateReads } {
    const newest = Math.floor(atMs / this.bucketMs);
    if (newest !== this.window.newest) {
      const keyNames = Array.from({ length: this.buckets }, (_, index) => this.bucketKeyName(newest - index));
      this.window = { newest, keyNames, reads: { hashes: keyNames, sortedSets: [] } };
    }
    return this.window;
  }

  private bucketKeyName(bucket: number): string {
    return `w${this.bucketMs / 1000}x${this.buckets}:${bucket}`;
  }

  private keyName(bucket: number): string {
    // Memoised: consecutive events nearly always fall in the same bucket.
    if (bucket !== this.lastBucket) {
      this.lastBucket = bucket;
      this.lastKeyName = this.bucketKeyName(bucket);
    }
    return this.lastKeyName;
  }
}

/** Whether the hash has a field (no Object.keys array per bucket). */
function hasAnyField(hash: NumericHash): boolean {
  for (const _field in hash) return true;
  return false;
}

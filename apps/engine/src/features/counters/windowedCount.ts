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
    ops.increments.push({ name: this.keyName(bucket), field: this.id, by: amount, ttlMs: Math.ceil(lastReadMs - nowMs), expireWhen: "created" });
  }

  reads(atMs: number): StateReads {
    return { hashes: this.bucketsAt(atMs).map((bucket) => this.keyName(bucket)), sortedSets: [] };
  }

  /**
   * The windowed sum at `atMs`; null when the entity has no bucket at all in the window (no activity
   * of any counter sharing these buckets), so the feature falls back to its default.
   */
  valueAt(state: EntityState, atMs: number): number | null {
    let sum = 0;
    let seen = false;
    for (const bucket of this.bucketsAt(atMs)) {
      const hash = state.hashes.get(this.keyName(bucket));
      if (!hash || Object.keys(hash).length === 0) continue;
      seen = true;
      sum += hash[this.id] ?? 0;
    }
    return seen ? sum : null;
  }

  private bucketsAt(atMs: number): number[] {
    const newest = Math.floor(atMs / this.bucketMs);
    return Array.from({ length: this.buckets }, (_, index) => newest - index);
  }

  private keyName(bucket: number): string {
    // Memoised: consecutive events nearly always fall in the same bucket.
    if (bucket !== this.lastBucket) {
      this.lastBucket = bucket;
      this.lastKeyName = `w${this.bucketMs / 1000}x${this.buckets}:${bucket}`;
    }
    return this.lastKeyName;
  }
}

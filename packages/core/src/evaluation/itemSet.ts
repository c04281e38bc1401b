// Membership test over dense item indices. Metrics take this instead of a concrete Set so that
// callers evaluating millions of users can reuse one `ItemMarker` rather than allocating a Set each.
export interface ItemSet {
  readonly size: number;
  has(item: number): boolean;
}

/**
 * A reusable set of item indices in [0, capacity). `clear()` is O(1): membership is "stamp equals the
 * current epoch", so bumping the epoch forgets everything without touching the array.
 */
export class ItemMarker implements ItemSet {
  private readonly stamps: Uint32Array;
  private epoch = 1;
  private count = 0;

  constructor(capacity: number) {
    this.stamps = new Uint32Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  has(item: number): boolean {
    return item >= 0 && item < this.stamps.length && this.stamps[item] === this.epoch;
  }

  /** Adds `item`; returns false when it was already present. */
  add(item: number): boolean {
    if (this.stamps[item] === this.epoch) return false;
    this.stamps[item] = this.epoch;
    this.count++;
    return true;
  }

  clear(): void {
    this.count = 0;
    this.epoch++;
    // After 2^32-1 clears the epoch would wrap onto stale stamps; reset once instead.
    if (this.epoch === 0xffffffff) {
      this.stamps.fill(0);
      this.epoch = 1;
    }
  }
}

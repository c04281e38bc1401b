// One value and one time (epoch ms) per item slot (itemSlots.ts), in two growable arrays: the
// per-item caches' storage. No wrapper object per entry ({value, time}): the times sit in a
// Float64Array the GC never traces, and the values array holds the cached objects themselves.
// Nothing is ever removed from a Map, so nothing compacts; a released value is just overwritten.

/** A slot's time before anything was stored in it: older than any real time. */
export const NEVER = Number.NEGATIVE_INFINITY;

const INITIAL_CAPACITY = 1_024;

export class SlotTable<V> {
  /** By slot; undefined where nothing is held. Read directly on the hot paths (check the slot against `times.length`). */
  values: (V | undefined)[] = [];
  /** By slot; NEVER where nothing was stored. Its length is the table's capacity (values has the same length). */
  times: Float64Array = new Float64Array(0);

  /** The time stored at `slot` (NEVER when none, or past the capacity). */
  timeAt(slot: number): number {
    return slot >= 0 && slot < this.times.length ? this.times[slot]! : NEVER;
  }

  set(slot: number, value: V, time: number): void {
    if (slot >= this.times.length) this.grow(slot + 1);
    this.values[slot] = value;
    this.times[slot] = time;
  }

  /** Drops what `slot` holds (its time becomes NEVER). */
  release(slot: number): void {
    if (slot >= this.times.length) return;
    this.values[slot] = undefined;
    this.times[slot] = NEVER;
  }

  clear(): void {
    this.values = [];
    this.times = new Float64Array(0);
  }

  /**
   * Doubles the capacity past `needed`: amortised O(1) per slot (a 1M-slot copy is ~1 ms, a few
   * times over a process's life). The values array is filled, not written past its end, so it
   * stays a packed array (a write far past the end turns a V8 array into a slow dictionary).
   */
  private grow(needed: number): void {
    this.times = grownTimes(this.times, needed);
    for (let slot = this.values.length; slot < this.times.length; slot += 1) this.values.push(undefined);
  }
}

/** A per-slot time column with room past `needed` (the capacity doubled until it fits), the new slots NEVER: what every slot-indexed store grows by. */
export function grownTimes(times: Float64Array, needed: number): Float64Array {
  let capacity = Math.max(INITIAL_CAPACITY, times.length * 2);
  while (capacity < needed) capacity *= 2;
  const grown = new Float64Array(capacity);
  grown.set(times);
  grown.fill(NEVER, times.length);
  return grown;
}

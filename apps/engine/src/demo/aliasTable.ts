// Walker's alias method (Vose's variant): after O(n) setup, draws an index with probability
// proportional to its weight in O(1). The simulator draws millions of popularity-weighted items,
// so a binary search over a cumulative table (O(log n) each) would be the hot spot.
import type { Random } from "@cascade/core";

export type AliasTable = {
  readonly size: number;
  /** Draws an index into the weights the table was built from. */
  sample(random: Random): number;
};

/**
 * Builds a sampler over `weights` (non-negative, at least one positive), optionally restricted to
 * a subset: `members` lists indices into `weights`, and samples return members' values.
 * Memory: 12 bytes per entry (Float64 probability + Int32 alias).
 */
export function buildAliasTable(weights: ArrayLike<number>, members?: ArrayLike<number>): AliasTable {
  const size = members ? members.length : weights.length;
  if (size === 0) throw new Error("alias table needs at least one weight");
  const weightAt = members ? (slot: number) => weights[members[slot]!]! : (slot: number) => weights[slot]!;

  let total = 0;
  for (let slot = 0; slot < size; slot += 1) {
    const weight = weightAt(slot);
    if (!(weight >= 0) || !Number.isFinite(weight)) throw new Error(`alias table weight ${slot} is ${weight}`);
    total += weight;
  }
  if (total <= 0) throw new Error("alias table weights sum to zero");

  const probability = new Float64Array(size);
  const alias = new Int32Array(size);
  // Two stacks in one array: small (scaled weight < 1) from the front, large from the back.
  const work = new Int32Array(size);
  let smallCount = 0;
  let largeStart = size;
  for (let slot = 0; slot < size; slot += 1) {
    const scaled = (weightAt(slot) * size) / total;
    probability[slot] = scaled;
    if (scaled < 1) work[smallCount++] = slot;
    else work[--largeStart] = slot;
  }
  while (smallCount > 0 && largeStart < size) {
    const small = work[--smallCount]!;
    const large = work[largeStart]!;
    alias[small] = large;
    probability[large] = probability[large]! + probability[small]! - 1;
    if (probability[large]! < 1) {
      largeStart += 1;
      work[smallCount++] = large;
    }
  }
  // Leftovers are 1 up to rounding error.
  while (smallCount > 0) probability[work[--smallCount]!] = 1;
  while (largeStart < size) probability[work[largeStart++]!] = 1;

  const memberValue = members ? (slot: number) => members[slot]! : (slot: number) => slot;
  return {
    size,
    sample(random) {
      const slot = random.int(size);
      return memberValue(random.next() < probability[slot]! ? slot : alias[slot]!);
    },
  };
}

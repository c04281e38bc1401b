// Beyond-accuracy metrics over all users' lists: does the system show the whole catalogue, and does
// it show things people would not have found anyway?

/**
 * Self-information −log2(share) of an item with `count` interactions out of `total`. An item never
 * seen in training is treated as seen once, so novelty stays finite: that is as novel as an
 * observed item can be.
 */
export function selfInformation(count: number, total: number): number {
  if (total <= 0) return 0;
  return -Math.log2(Math.max(count, 1) / total);
}

/** Share of the catalogue that appears in at least one user's top k. */
export function catalogueCoverageAtK(lists: Iterable<ArrayLike<number>>, numItems: number, k: number): number {
  if (numItems <= 0) return 0;
  const seen = new Uint8Array(numItems);
  let distinct = 0;
  for (const list of lists) {
    const n = Math.min(k, list.length);
    for (let i = 0; i < n; i++) {
      const item = list[i]!;
      if (seen[item] === 0) {
        seen[item] = 1;
        distinct++;
      }
    }
  }
  return distinct / numItems;
}

/**
 * Mean self-information of every recommended slot in the top k of every list, with popularity
 * `counts` per item from the training data.
 */
export function noveltyAtK(lists: Iterable<ArrayLike<number>>, counts: ArrayLike<number>, k: number): number {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  let sum = 0;
  let slots = 0;
  for (const list of lists) {
    const n = Math.min(k, list.length);
    for (let i = 0; i < n; i++) {
      sum += selfInformation(counts[list[i]!]!, total);
      slots++;
    }
  }
  return slots === 0 ? 0 : sum / slots;
}

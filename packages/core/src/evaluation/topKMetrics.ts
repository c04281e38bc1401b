import type { ItemSet } from "./itemSet.ts";

// Metrics of one ranked list against one user's held-out items. `recommended` is best-first; only
// its first k entries count. Each function is a single pass with no allocation, because the
// evaluator calls them once per user per K.

/** Discount of the 0-based position `i`: 1 / log2(i + 2). */
export function positionDiscount(i: number): number {
  return 1 / Math.log2(i + 2);
}

export function hitsAtK(recommended: ArrayLike<number>, relevant: ItemSet, k: number): number {
  const n = Math.min(k, recommended.length);
  let hits = 0;
  for (let i = 0; i < n; i++) if (relevant.has(recommended[i]!)) hits++;
  return hits;
}

/** Share of the relevant items found in the top k; 0 when nothing is relevant. */
export function recallAtK(recommended: ArrayLike<number>, relevant: ItemSet, k: number): number {
  return relevant.size === 0 ? 0 : hitsAtK(recommended, relevant, k) / relevant.size;
}

/** Hits divided by k (not by the list length): a short list is not rewarded for being short. */
export function precisionAtK(recommended: ArrayLike<number>, relevant: ItemSet, k: number): number {
  return k <= 0 ? 0 : hitsAtK(recommended, relevant, k) / k;
}

/** 1 when any relevant item is in the top k. */
export function hitRateAtK(recommended: ArrayLike<number>, relevant: ItemSet, k: number): number {
  return hitsAtK(recommended, relevant, k) > 0 ? 1 : 0;
}

/** 1 / (1-based rank of the first relevant item within the top k), 0 if none. */
export function reciprocalRank(recommended: ArrayLike<number>, relevant: ItemSet, k = recommended.length): number {
  const n = Math.min(k, recommended.length);
  for (let i = 0; i < n; i++) if (relevant.has(recommended[i]!)) return 1 / (i + 1);
  return 0;
}

/** Binary-relevance NDCG@k; the ideal list puts min(k, |relevant|) hits first. */
export function ndcgAtK(recommended: ArrayLike<number>, relevant: ItemSet, k: number): number {
  const n = Math.min(k, recommended.length);
  let dcg = 0;
  for (let i = 0; i < n; i++) if (relevant.has(recommended[i]!)) dcg += positionDiscount(i);
  const idealHits = Math.min(k, relevant.size);
  let idcg = 0;
  for (let i = 0; i < idealHits; i++) idcg += positionDiscount(i);
  return idcg === 0 ? 0 : dcg / idcg;
}

/** Exponential gain 2^rel − 1 (the common Burges et al. form); equals rel for binary labels. */
export function gradedGain(relevance: number): number {
  return 2 ** relevance - 1;
}

/**
 * Graded NDCG@k: `grades` maps item → relevance grade (e.g. a rating); items absent score 0.
 * The ideal ordering sorts the grades, which allocates one array of |grades| — fine per user.
 */
export function gradedNdcgAtK(recommended: ArrayLike<number>, grades: ReadonlyMap<number, number>, k: number): number {
  const n = Math.min(k, recommended.length);
  let dcg = 0;
  for (let i = 0; i < n; i++) {
    const g = grades.get(recommended[i]!);
    if (g !== undefined && g > 0) dcg += gradedGain(g) * positionDiscount(i);
  }
  const sorted = Float64Array.from(grades.values()).sort().reverse();
  let idcg = 0;
  const m = Math.min(k, sorted.length);
  for (let i = 0; i < m; i++) if (sorted[i]! > 0) idcg += gradedGain(sorted[i]!) * positionDiscount(i);
  return idcg === 0 ? 0 : dcg / idcg;
}

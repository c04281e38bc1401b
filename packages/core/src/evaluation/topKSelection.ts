import type { ItemSet } from "./itemSet.ts";

/**
 * Picks the k best-scored items, best first, skipping `exclude` and items scoring below `minScore`
 * (or NaN). A bounded min-heap keeps it O(n log k) with two k-sized buffers,
 * instead of sorting the whole catalogue per user. Ties go to the lower item index, so results
 * are deterministic.
 */
export function topKByScore(scores: ArrayLike<number>, k: number, exclude?: ItemSet, minScore = Number.NEGATIVE_INFINITY): Int32Array {
  return selectTopK(scores, null, k, exclude, minScore);
}

/** Skips `-Infinity` (how callers mark excluded items in a dense score array) and NaN, keeps every finite score. */
export const FINITE_SCORES = -Number.MAX_VALUE;

/** The k best ids with their scores, best first. */
export type ScoredTopK = { ids: Int32Array; scores: Float32Array };

/** topKByScore, returning each pick's score beside its id (retrieval answers, brute-force ANN checks). */
export function topKWithScores(scores: ArrayLike<number>, k: number, exclude?: ItemSet, minScore = Number.NEGATIVE_INFINITY): ScoredTopK {
  const ids = topKByScore(scores, k, exclude, minScore);
  return { ids, scores: Float32Array.from(ids, (id) => scores[id]!) };
}

/**
 * Same, but only over `candidates` (distinct item indices into the dense `scores`): for sparse scoring, where
 * a query touches a few hundred items of a million-item catalogue.
 */
export function topKAmong(
  candidates: ArrayLike<number>,
  scores: ArrayLike<number>,
  k: number,
  exclude?: ItemSet,
  minScore = Number.NEGATIVE_INFINITY,
): Int32Array {
  return selectTopK(scores, candidates, k, exclude, minScore);
}

function selectTopK(scores: ArrayLike<number>, candidates: ArrayLike<number> | null, k: number, exclude: ItemSet | undefined, minScore: number): Int32Array {
  if (!(k > 0)) return new Int32Array(0);
  const heapItems = new Int32Array(k);
  const heapScores = new Float64Array(k);
  let size = 0;
  const count = candidates === null ? scores.length : candidates.length;
  for (let c = 0; c < count; c++) {
    const item = candidates === null ? c : candidates[c]!;
    const s = scores[item]!;
    if (!(s >= minScore) || exclude?.has(item)) continue;
    if (size < k) {
      // Sift up.
      let i = size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!worse(s, item, heapScores[parent]!, heapItems[parent]!)) break;
        heapScores[i] = heapScores[parent]!;
        heapItems[i] = heapItems[parent]!;
        i = parent;
      }
      heapScores[i] = s;
      heapItems[i] = item;
    } else if (worse(heapScores[0]!, heapItems[0]!, s, item)) {
      heapScores[0] = s;
      heapItems[0] = item;
      siftDown(heapScores, heapItems, size, 0);
    }
  }
  // Pop worst-first into the back of the result.
  const result = new Int32Array(size);
  for (let out = size - 1; out >= 0; out--) {
    result[out] = heapItems[0]!;
    size--;
    heapItems[0] = heapItems[size]!;
    heapScores[0] = heapScores[size]!;
    siftDown(heapScores, heapItems, size, 0);
  }
  return result;
}

// "a is worse than b": lower score, or equal score and higher index. Module-level (not closures
// per call) so V8 inlines them into the hot loop.
function worse(sa: number, ia: number, sb: number, ib: number): boolean {
  return sa < sb || (sa === sb && ia > ib);
}

function siftDown(heapScores: Float64Array, heapItems: Int32Array, size: number, from: number): void {
  let i = from;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < size && worse(heapScores[l]!, heapItems[l]!, heapScores[m]!, heapItems[m]!)) m = l;
    if (r < size && worse(heapScores[r]!, heapItems[r]!, heapScores[m]!, heapItems[m]!)) m = r;
    if (m === i) return;
    const ts = heapScores[i]!;
    const ti = heapItems[i]!;
    heapScores[i] = heapScores[m]!;
    heapItems[i] = heapItems[m]!;
    heapScores[m] = ts;
    heapItems[m] = ti;
    i = m;
  }
}

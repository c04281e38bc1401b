// Maximal Marginal Relevance (Carbonell & Goldstein, 1998): position by position pick
//   argmax  λ · relevance(i) − (1 − λ) · max_{j already placed} similarity(i, j)
// over the first `depth` positions; the rest keep their order. Relevance is the score min-max
// scaled to [0, 1] over the list, so λ means the same whatever the blend's scale. λ = 1 is pure
// relevance order; ties keep the current order.
//
// Similarity: cosine of the candidates' embeddings when both have one, else 0.5 for the same
// category plus 0.5 for the same creator.
import type { Candidate } from "../funnel/candidate.ts";
import type { Rule } from "../funnel/components.ts";

export type MmrOptions = { id: string; lambda: number; depth: number };

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length && i < b.length; i++) {
    dot += a[i]! * b[i]!;
    normA += a[i]! * a[i]!;
    normB += b[i]! * b[i]!;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}

export function candidateSimilarity(a: Candidate, b: Candidate): number {
  if (a.embedding && b.embedding) return cosine(a.embedding, b.embedding);
  let similarity = 0;
  if (a.item && b.item) {
    if (a.item.category === b.item.category) similarity += 0.5;
    if (a.item.creatorId !== null && a.item.creatorId === b.item.creatorId) similarity += 0.5;
  }
  return similarity;
}

/** Similarities over one request's candidates by index: pair(a, b) = similarity(candidates[a], candidates[b]). */
export type IndexedSimilarity = { pair(a: number, b: number): number };

/**
 * candidateSimilarity over one request's candidates by index, with each embedding's squared norm
 * summed once, on first use (MMR asks for the pairs of a few front-runners only): for two
 * embeddings of the same length cosine() sums exactly these terms in this order, so the result is
 * the same double. Other pairs go through candidateSimilarity.
 */
export function cachedCandidateSimilarity(candidates: readonly Candidate[]): IndexedSimilarity {
  const squaredNorms = new Float64Array(candidates.length);
  const normKnown = new Uint8Array(candidates.length);
  const squaredNormOf = (index: number, embedding: ArrayLike<number>) => {
    if (normKnown[index] === 1) return squaredNorms[index]!;
    let norm = 0;
    for (let i = 0; i < embedding.length; i++) norm += embedding[i]! * embedding[i]!;
    squaredNorms[index] = norm;
    normKnown[index] = 1;
    return norm;
  };
  return {
    pair(a, b) {
      const first = candidates[a]!;
      const second = candidates[b]!;
      const x = first.embedding;
      const y = second.embedding;
      if (!x || !y || x.length !== y.length) return candidateSimilarity(first, second);
      let dot = 0;
      for (let i = 0; i < x.length; i++) dot += x[i]! * y[i]!;
      const normA = squaredNormOf(a, x);
      const normB = squaredNormOf(b, y);
      return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
    },
  };
}

/**
 * Whether item a is picked before item b by a scan for the highest value (first index on ties)
 * that falls back to the first item when no value beats −∞: the higher value beating −∞ first,
 * then the lower index.
 */
function ranksBefore(a: number, b: number, values: Float64Array): boolean {
  const x = values[a]!;
  const y = values[b]!;
  const xCounts = x > Number.NEGATIVE_INFINITY;
  if (xCounts !== y > Number.NEGATIVE_INFINITY) return xCounts;
  return xCounts && x !== y ? x > y : a < b;
}

/** Restores the heap order (ranksBefore at the top) below `position` of heap[0, size). */
function siftDown(heap: Int32Array, size: number, position: number, values: Float64Array): void {
  const item = heap[position]!;
  for (;;) {
    let child = 2 * position + 1;
    if (child >= size) break;
    if (child + 1 < size && ranksBefore(heap[child + 1]!, heap[child]!, values)) child++;
    if (!ranksBefore(heap[child]!, item, values)) break;
    heap[position] = heap[child]!;
    position = child;
  }
  heap[position] = item;
}

export function mmrRerank(options: MmrOptions, similarity: (a: Candidate, b: Candidate) => number = candidateSimilarity): Rule {
  const { lambda } = options;
  return {
    id: options.id,
    apply(_query, candidates) {
      if (candidates.length === 0) return { items: [], effects: [] };
      const count = candidates.length;
      let low = Number.POSITIVE_INFINITY;
      let high = Number.NEGATIVE_INFINITY;
      for (const candidate of candidates) {
        low = Math.min(low, candidate.score);
        high = Math.max(high, candidate.score);
      }
      const span = high - low;
      const relevance = new Float64Array(count);
      for (let c = 0; c < count; c++) relevance[c] = span > 0 ? (candidates[c]!.score - low) / span : 0;
      const pair =
        similarity === candidateSimilarity ? cachedCandidateSimilarity(candidates).pair : (a: number, b: number) => similarity(candidates[a]!, candidates[b]!);

      // Lazy greedy: an item's value only falls as items are placed (its max similarity only
      // grows), so a value computed against the first `seen[i]` placed items bounds it from above.
      // The remaining items sit in a heap by bound (ties and values that beat no −∞ ordered as the
      // full scan picks them, ranksBefore); each position takes the top once its bound is up to date,
      // refreshing stale tops until one is: no other item can beat it. Only the front-runners'
      // similarities are computed, not every remaining item's against every placed one, and each max
      // is taken over the same similarities in placement order, so every value is the double the
      // full update gives.
      const updates = lambda < 1;
      const maxSimilarity = new Float64Array(count);
      const seen = new Int32Array(count);
      const values = new Float64Array(count);
      const heap = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        values[i] = lambda * relevance[i]! - (1 - lambda) * maxSimilarity[i]!;
        heap[i] = i;
      }
      let size = count;
      for (let position = (size >> 1) - 1; position >= 0; position--) siftDown(heap, size, position, values);
      const placedFlags = new Uint8Array(count);
      const placedIndices = new Int32Array(count);
      const placed: Candidate[] = [];
      const limit = Math.min(options.depth, count);
      while (placed.length < limit) {
        let best = heap[0]!;
        // A top that beats no −∞ stands: updates only lower values.
        while (updates && values[best]! > Number.NEGATIVE_INFINITY && seen[best] !== placed.length) {
          let max = maxSimilarity[best]!;
          for (let j = seen[best]!; j < placed.length; j++) max = Math.max(max, pair(best, placedIndices[j]!));
          maxSimilarity[best] = max;
          seen[best] = placed.length;
          values[best] = lambda * relevance[best]! - (1 - lambda) * max;
          siftDown(heap, size, 0, values);
          best = heap[0]!;
        }
        heap[0] = heap[--size]!;
        siftDown(heap, size, 0, values);
        placedFlags[best] = 1;
        placedIndices[placed.length] = best;
        placed.push(candidates[best]!);
      }
      for (let i = 0; i < count; i++) if (placedFlags[i] === 0) placed.push(candidates[i]!);
      return { items: placed, effects: [] };
    },
  };
}

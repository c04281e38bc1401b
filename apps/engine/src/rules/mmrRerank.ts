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

/**
 * candidateSimilarity over one request's candidates by index, with each embedding's squared norm
 * summed once: for two embeddings of the same length cosine() sums exactly these terms in this
 * order, so the result is the same double. When every candidate has an embedding of one length
 * (the usual case) they are first copied into one Float64Array (exact: float32 and numbers widen
 * to the same doubles). Other pairs go through candidateSimilarity itself.
 */
export function cachedCandidateSimilarity(candidates: readonly Candidate[]): (a: number, b: number) => number {
  const count = candidates.length;
  const squaredNorms = new Float64Array(count);
  for (let c = 0; c < count; c++) {
    const embedding = candidates[c]!.embedding;
    if (!embedding) continue;
    let norm = 0;
    for (let i = 0; i < embedding.length; i++) norm += embedding[i]! * embedding[i]!;
    squaredNorms[c] = norm;
  }
  const dimensions = candidates[0]?.embedding?.length ?? -1;
  if (dimensions >= 0 && candidates.every((candidate) => candidate.embedding?.length === dimensions)) {
    const matrix = new Float64Array(count * dimensions);
    for (let c = 0; c < count; c++) {
      const embedding = candidates[c]!.embedding!;
      for (let i = 0; i < dimensions; i++) matrix[c * dimensions + i] = embedding[i]!;
    }
    return (a, b) => {
      let dot = 0;
      const x = a * dimensions;
      const y = b * dimensions;
      for (let i = 0; i < dimensions; i++) dot += matrix[x + i]! * matrix[y + i]!;
      const normA = squaredNorms[a]!;
      const normB = squaredNorms[b]!;
      return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
    };
  }
  return (a, b) => {
    const first = candidates[a]!;
    const second = candidates[b]!;
    const x = first.embedding;
    const y = second.embedding;
    if (!x || !y || x.length !== y.length) return candidateSimilarity(first, second);
    let dot = 0;
    for (let i = 0; i < x.length; i++) dot += x[i]! * y[i]!;
    const normA = squaredNorms[a]!;
    const normB = squaredNorms[b]!;
    return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
  };
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
      const similarityOf =
        similarity === candidateSimilarity ? cachedCandidateSimilarity(candidates) : (a: number, b: number) => similarity(candidates[a]!, candidates[b]!);

      // The remaining items are the candidates not placed yet, in their order (indices and a flag, no splicing).
      const placedFlags = new Uint8Array(count);
      // Highest similarity of each remaining item to anything placed so far (updated incrementally).
      const maxSimilarity = new Float64Array(count);
      const placed: Candidate[] = [];
      const limit = Math.min(options.depth, count);
      let firstRemaining = 0;
      while (placed.length < limit) {
        let best = -1;
        let bestValue = Number.NEGATIVE_INFINITY;
        for (let i = firstRemaining; i < count; i++) {
          if (placedFlags[i] === 1) continue;
          if (best < 0) best = i; // the first remaining item when no value beats −∞ (NaN scores)
          const value = lambda * relevance[i]! - (1 - lambda) * maxSimilarity[i]!;
          if (value > bestValue) {
            bestValue = value;
            best = i;
          }
        }
        placedFlags[best] = 1;
        placed.push(candidates[best]!);
        while (firstRemaining < count && placedFlags[firstRemaining] === 1) firstRemaining++;
        if (lambda < 1)
          for (let i = firstRemaining; i < count; i++) if (placedFlags[i] === 0) maxSimilarity[i] = Math.max(maxSimilarity[i]!, similarityOf(i, best));
      }
      for (let i = firstRemaining; i < count; i++) if (placedFlags[i] === 0) placed.push(candidates[i]!);
      return { items: placed, effects: [] };
    },
  };
}

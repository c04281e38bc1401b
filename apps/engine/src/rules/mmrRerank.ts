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

/** Similarities over one request's candidates by index. */
export type IndexedSimilarity = {
  /** similarity(candidates[a], candidates[b]) */
  pair(a: number, b: number): number;
  /** out[k] = pair(targets[k], chosen) for k < count. */
  toChosen(targets: Int32Array, count: number, chosen: number, out: Float64Array): void;
};

/**
 * candidateSimilarity over one request's candidates by index, with each embedding's squared norm
 * summed once: for two embeddings of the same length cosine() sums exactly these terms in this
 * order, so the result is the same double. When every candidate has an embedding of one length
 * (the usual case) they are first copied into one Float64Array (exact: float32 and numbers widen
 * to the same doubles), and toChosen runs four dot products side by side (each still summed in
 * order: four independent chains instead of one). Other pairs go through candidateSimilarity.
 */
export function cachedCandidateSimilarity(candidates: readonly Candidate[]): IndexedSimilarity {
  const count = candidates.length;
  const squaredNorms = new Float64Array(count);
  for (let c = 0; c < count; c++) {
    const embedding = candidates[c]!.embedding;
    if (!embedding) continue;
    let norm = 0;
    for (let i = 0; i < embedding.length; i++) norm += embedding[i]! * embedding[i]!;
    squaredNorms[c] = norm;
  }
  const cosineOf = (dot: number, a: number, b: number) => {
    const normA = squaredNorms[a]!;
    const normB = squaredNorms[b]!;
    return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
  };
  const dimensions = candidates[0]?.embedding?.length ?? -1;
  if (dimensions >= 0 && candidates.every((candidate) => candidate.embedding?.length === dimensions)) {
    const matrix = new Float64Array(count * dimensions);
    for (let c = 0; c < count; c++) {
      const embedding = candidates[c]!.embedding!;
      for (let i = 0; i < dimensions; i++) matrix[c * dimensions + i] = embedding[i]!;
    }
    const pair = (a: number, b: number) => {
      let dot = 0;
      const x = a * dimensions;
      const y = b * dimensions;
      for (let i = 0; i < dimensions; i++) dot += matrix[x + i]! * matrix[y + i]!;
      return cosineOf(dot, a, b);
    };
    return {
      pair,
      toChosen(targets, length, chosen, out) {
        const y = chosen * dimensions;
        let k = 0;
        for (; k + 3 < length; k += 4) {
          const x0 = targets[k]! * dimensions;
          const x1 = targets[k + 1]! * dimensions;
          const x2 = targets[k + 2]! * dimensions;
          const x3 = targets[k + 3]! * dimensions;
          let d0 = 0;
          let d1 = 0;
          let d2 = 0;
          let d3 = 0;
          for (let i = 0; i < dimensions; i++) {
            const w = matrix[y + i]!;
            d0 += matrix[x0 + i]! * w;
            d1 += matrix[x1 + i]! * w;
            d2 += matrix[x2 + i]! * w;
            d3 += matrix[x3 + i]! * w;
          }
          out[k] = cosineOf(d0, targets[k]!, chosen);
          out[k + 1] = cosineOf(d1, targets[k + 1]!, chosen);
          out[k + 2] = cosineOf(d2, targets[k + 2]!, chosen);
          out[k + 3] = cosineOf(d3, targets[k + 3]!, chosen);
        }
        for (; k < length; k++) out[k] = pair(targets[k]!, chosen);
      },
    };
  }
  const pair = (a: number, b: number) => {
    const first = candidates[a]!;
    const second = candidates[b]!;
    const x = first.embedding;
    const y = second.embedding;
    if (!x || !y || x.length !== y.length) return candidateSimilarity(first, second);
    let dot = 0;
    for (let i = 0; i < x.length; i++) dot += x[i]! * y[i]!;
    return cosineOf(dot, a, b);
  };
  return { pair, toChosen: pairwise(pair) };
}

function pairwise(pair: (a: number, b: number) => number): IndexedSimilarity["toChosen"] {
  return (targets, length, chosen, out) => {
    for (let k = 0; k < length; k++) out[k] = pair(targets[k]!, chosen);
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
      const similarities =
        similarity === candidateSimilarity
          ? cachedCandidateSimilarity(candidates)
          : { toChosen: pairwise((a: number, b: number) => similarity(candidates[a]!, candidates[b]!)) };
      const targets = new Int32Array(count);
      const targetSimilarities = new Float64Array(count);

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
        if (lambda < 1) {
          let remaining = 0;
          for (let i = firstRemaining; i < count; i++) if (placedFlags[i] === 0) targets[remaining++] = i;
          similarities.toChosen(targets, remaining, best, targetSimilarities);
          for (let k = 0; k < remaining; k++) {
            const i = targets[k]!;
            maxSimilarity[i] = Math.max(maxSimilarity[i]!, targetSimilarities[k]!);
          }
        }
      }
      for (let i = firstRemaining; i < count; i++) if (placedFlags[i] === 0) placed.push(candidates[i]!);
      return { items: placed, effects: [] };
    },
  };
}

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

export function mmrRerank(options: MmrOptions, similarity: (a: Candidate, b: Candidate) => number = candidateSimilarity): Rule {
  const { lambda } = options;
  return {
    id: options.id,
    apply(_query, candidates) {
      if (candidates.length === 0) return { items: [], effects: [] };
      let low = Number.POSITIVE_INFINITY;
      let high = Number.NEGATIVE_INFINITY;
      for (const candidate of candidates) {
        low = Math.min(low, candidate.score);
        high = Math.max(high, candidate.score);
      }
      const span = high - low;
      const relevance = (candidate: Candidate) => (span > 0 ? (candidate.score - low) / span : 0);

      const remaining = [...candidates];
      // Highest similarity of each remaining item to anything placed so far (updated incrementally).
      const maxSimilarity = new Array<number>(remaining.length).fill(0);
      const placed: Candidate[] = [];
      const limit = Math.min(options.depth, candidates.length);
      while (placed.length < limit) {
        let best = 0;
        let bestValue = Number.NEGATIVE_INFINITY;
        for (let i = 0; i < remaining.length; i++) {
          const value = lambda * relevance(remaining[i]!) - (1 - lambda) * maxSimilarity[i]!;
          if (value > bestValue) {
            bestValue = value;
            best = i;
          }
        }
        const [chosen] = remaining.splice(best, 1);
        maxSimilarity.splice(best, 1);
        placed.push(chosen!);
        if (lambda < 1) for (let i = 0; i < remaining.length; i++) maxSimilarity[i] = Math.max(maxSimilarity[i]!, similarity(remaining[i]!, chosen!));
      }
      return { items: [...placed, ...remaining], effects: [] };
    },
  };
}

// Fitting the retrieval prior's fusion (ranking/retrievalPriorScorer.ts: Σ weight / (k + 1 + rank)
// over the sources that found an item) on held-out interactions. The examples come from replays of
// the served funnel (replay/feedReplay.ts): per user, the candidates that passed the surface's
// filters with every source's rank, and the items the user went on to interact with. Changing the
// weights only reorders those candidates, so one replay per user serves every trial.
//
// Search: coordinate ascent on a log grid per source (weights are relative; 0 lets a source supply
// candidates without ordering them), for each k in a small set, maximising mean NDCG@cutoff. Ties
// keep the earlier (simpler) setting. The surface's rules and exploration are not simulated: they
// act on the fused order afterwards, as they do when serving. Hand-written: it is the product's own
// tuning loop, and a dozen lines of search over a cached objective need no optimiser library.
import { ndcgAtK } from "@cascade/core";

export type FusionCandidate = { hits: readonly { source: string; rank: number }[] };

/** One held-out user: the filtered candidates (any order) and which of them are relevant (indices into `candidates`). */
export type FusionExample = { candidates: readonly FusionCandidate[]; relevant: ReadonlySet<number>; relevantTotal: number };

export type Fusion = { k: number; weights: Record<string, number> };

export type FusionFit = { fusion: Fusion; ndcg: number; start: { fusion: Fusion; ndcg: number }; trials: number };

export const FUSION_WEIGHT_GRID = [0, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16];
export const FUSION_K_GRID = [0, 10, 60];

/** Mean NDCG@cutoff of the fused order over the examples (users with no relevant item count 0). */
export function fusionNdcg(examples: readonly FusionExample[], fusion: Fusion, cutoff: number): number {
  if (examples.length === 0) return 0;
  let total = 0;
  for (const example of examples) {
    const scores = example.candidates.map((candidate) => {
      let score = 0;
      for (const hit of candidate.hits) score += (fusion.weights[hit.source] ?? 1) / (fusion.k + 1 + hit.rank);
      return score;
    });
    // Stable for ties: candidates keep their given order, as the funnel's sort does.
    const order = scores.map((_, index) => index).sort((a, b) => scores[b]! - scores[a]! || a - b);
    // ndcgAtK counts the ideal over relevantTotal items, relevant ones the candidates missed included.
    const relevant = { size: example.relevantTotal, has: (index: number) => example.relevant.has(index) };
    total += ndcgAtK(order.slice(0, cutoff), relevant, cutoff);
  }
  return total / examples.length;
}

export function fitFusion(
  examples: readonly FusionExample[],
  start: Fusion,
  options: { cutoff?: number; weightGrid?: readonly number[]; kGrid?: readonly number[]; passes?: number } = {},
): FusionFit {
  const cutoff = options.cutoff ?? 10;
  // Only the sources the config lists are tuned: the others (the engine's cold-start backfill) weigh
  // 1 when serving, so they weigh 1 here too.
  const sources = Object.keys(start.weights).sort();
  const startNdcg = fusionNdcg(examples, start, cutoff);
  let best = { fusion: start, ndcg: startNdcg };
  let trials = 1;
  for (const k of options.kGrid ?? FUSION_K_GRID) {
    let current: Fusion = { k, weights: Object.fromEntries(sources.map((source) => [source, start.weights[source] ?? 1])) };
    let currentNdcg = fusionNdcg(examples, current, cutoff);
    trials += 1;
    for (let pass = 0; pass < (options.passes ?? 2); pass += 1) {
      let improved = false;
      for (const source of sources) {
        for (const weight of options.weightGrid ?? FUSION_WEIGHT_GRID) {
          if (weight === current.weights[source]) continue;
          const trial: Fusion = { k, weights: { ...current.weights, [source]: weight } };
          const ndcg = fusionNdcg(examples, trial, cutoff);
          trials += 1;
          if (ndcg > currentNdcg + 1e-12) {
            current = trial;
            currentNdcg = ndcg;
            improved = true;
          }
        }
      }
      if (!improved) break;
    }
    if (currentNdcg > best.ndcg + 1e-12) best = { fusion: current, ndcg: currentNdcg };
  }
  return { ...best, start: { fusion: start, ndcg: startNdcg }, trials };
}

// Fitting the retrieval prior's fusion (ranking/retrievalPriorScorer.ts: Σ weight / (k + 1 + rank)
// over the sources that found an item, plus Σ scoreWeight × the source's standardised score) on
// held-out interactions. The examples come from replays of the served funnel (replay/feedReplay.ts):
// per user, the candidates that passed the surface's filters with every source's rank and score
// (and the two-tower score of every candidate when the replayed config lists `ann` in its score
// weights), and the items the user went on to interact with. Changing the weights only reorders
// those candidates, so one replay per user serves every trial; the priors are computed by the
// scorer's own function.
//
// Search: coordinate ascent on a log grid per weight (weights are relative; 0 lets a source supply
// candidates without ordering them), for each k in a small set, from two starts: the current
// fusion, and the score fusion led by the first of `scoreSources` (its score alone, no rank
// weights), maximising mean NDCG@cutoff. Ties keep the earlier (simpler) setting. The surface's
// rules and exploration are not simulated: they act on the fused order afterwards, as they do when
// serving. Hand-written: it is the product's own tuning loop, and a dozen lines of search over a
// cached objective need no optimiser library.
import { ndcgAtK } from "@cascade/core";
import { retrievalPriors, standardisedSourceScores, type PriorCandidate } from "../ranking/retrievalPriorScorer.ts";

export type FusionCandidate = { hits: readonly { source: string; rank: number; score?: number }[]; scores?: Readonly<Record<string, number>> };

/** One held-out user: the filtered candidates (any order) and which of them are relevant (indices into `candidates`). */
export type FusionExample = { candidates: readonly FusionCandidate[]; relevant: ReadonlySet<number>; relevantTotal: number };

export type Fusion = { k: number; weights: Record<string, number>; scoreWeights?: Record<string, number> };

export type FusionFit = { fusion: Fusion; ndcg: number; start: { fusion: Fusion; ndcg: number }; trials: number };

export const FUSION_WEIGHT_GRID = [0, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16];
export const FUSION_K_GRID = [0, 10, 60];
export const FUSION_SCORE_WEIGHT_GRID = [0, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 4];

type Prepared = { candidates: PriorCandidate[]; standardised: Map<string, Float64Array> };
const prepared = new WeakMap<FusionExample, Prepared>();

/** The example in the scorer's shape, with each source's standardised scores computed once. */
function prepare(example: FusionExample, scoreSources: Iterable<string>): Prepared {
  let entry = prepared.get(example);
  if (!entry) {
    const candidates = example.candidates.map((candidate) => ({
      sources: candidate.hits.map((hit) => ({ id: hit.source, rank: hit.rank, score: hit.score })),
      scores: candidate.scores,
    }));
    entry = { candidates, standardised: new Map() };
    prepared.set(example, entry);
  }
  for (const source of scoreSources) if (!entry.standardised.has(source)) entry.standardised.set(source, standardisedSourceScores(entry.candidates, source));
  return entry;
}

/** Indices of the `cutoff` largest scores, best first; ties to the lower index (the funnel's stable sort). */
function topIndices(scores: Float64Array, cutoff: number): number[] {
  const top: number[] = [];
  for (let c = 0; c < scores.length; c += 1) {
    const score = scores[c]!;
    if (top.length < cutoff) top.push(c);
    else if (score > scores[top[cutoff - 1]!]!) top[cutoff - 1] = c;
    else continue;
    let at = top.length - 1;
    while (at > 0 && scores[top[at - 1]!]! < score) {
      top[at] = top[at - 1]!;
      at -= 1;
    }
    top[at] = c;
  }
  return top;
}

/** Mean NDCG@cutoff of the fused order over the examples (users with no relevant item count 0). */
export function fusionNdcg(examples: readonly FusionExample[], fusion: Fusion, cutoff: number): number {
  if (examples.length === 0) return 0;
  const scoreWeights = fusion.scoreWeights ?? {};
  const prior = { k: fusion.k, weightOf: (id: string) => fusion.weights[id] ?? 1, scoreWeights };
  let total = 0;
  for (const example of examples) {
    const { candidates, standardised } = prepare(example, Object.keys(scoreWeights));
    const order = topIndices(retrievalPriors(candidates, prior, standardised), cutoff);
    // ndcgAtK counts the ideal over relevantTotal items, relevant ones the candidates missed included.
    const relevant = { size: example.relevantTotal, has: (index: number) => example.relevant.has(index) };
    total += ndcgAtK(order, relevant, cutoff);
  }
  return total / examples.length;
}

export function fitFusion(
  examples: readonly FusionExample[],
  start: Fusion,
  options: {
    cutoff?: number;
    weightGrid?: readonly number[];
    kGrid?: readonly number[];
    passes?: number;
    /** Sources whose score weights are fitted too (e.g. itemToItem, ann); default none. */
    scoreSources?: readonly string[];
    scoreWeightGrid?: readonly number[];
  } = {},
): FusionFit {
  const cutoff = options.cutoff ?? 10;
  // Only the sources the config lists are tuned: the others (the engine's cold-start backfill) weigh
  // 1 when serving, so they weigh 1 here too.
  const sources = Object.keys(start.weights).sort();
  const scoreSources = [...new Set([...(options.scoreSources ?? []), ...Object.keys(start.scoreWeights ?? {})])];
  const startNdcg = fusionNdcg(examples, start, cutoff);
  let best = { fusion: start, ndcg: startNdcg };
  let trials = 1;
  const starts: Fusion[] = [start];
  if (scoreSources.length > 0) {
    // The score fusion led by the first score source alone: rank weights 0, its score weight 1.
    const led = Object.fromEntries(scoreSources.map((source, index) => [source, index === 0 ? 1 : 0]));
    starts.push({ k: start.k, weights: Object.fromEntries(sources.map((source) => [source, 0])), scoreWeights: led });
  }
  const withScores = (fusion: Fusion): Fusion =>
    scoreSources.length === 0
      ? fusion
      : { ...fusion, scoreWeights: Object.fromEntries(scoreSources.map((source) => [source, fusion.scoreWeights?.[source] ?? 0])) };
  for (const from of starts) {
    for (const k of options.kGrid ?? FUSION_K_GRID) {
      let current: Fusion = withScores({ ...from, k, weights: Object.fromEntries(sources.map((source) => [source, from.weights[source] ?? 1])) });
      let currentNdcg = fusionNdcg(examples, current, cutoff);
      trials += 1;
      for (let pass = 0; pass < (options.passes ?? 2); pass += 1) {
        let improved = false;
        const tryTrial = (trial: Fusion) => {
          const ndcg = fusionNdcg(examples, trial, cutoff);
          trials += 1;
          if (ndcg > currentNdcg + 1e-12) {
            current = trial;
            currentNdcg = ndcg;
            improved = true;
          }
        };
        for (const source of sources) {
          for (const weight of options.weightGrid ?? FUSION_WEIGHT_GRID) {
            if (weight === current.weights[source]) continue;
            tryTrial({ ...current, weights: { ...current.weights, [source]: weight } });
          }
        }
        for (const source of scoreSources) {
          for (const weight of options.scoreWeightGrid ?? FUSION_SCORE_WEIGHT_GRID) {
            if (weight === current.scoreWeights?.[source]) continue;
            tryTrial({ ...current, scoreWeights: { ...current.scoreWeights, [source]: weight } });
          }
        }
        if (!improved) break;
      }
      if (currentNdcg > best.ndcg + 1e-12) best = { fusion: current, ndcg: currentNdcg };
    }
  }
  return { ...best, start: { fusion: start, ndcg: startNdcg }, trials };
}

// Thompson-sampling exploration slots for fresh or uncertain items.
//
// Policy (N = page length, k = slot positions inside the page; the pool is taken from the ranked
// list after position N − k, so the greedy prefix is never in it; S = the first min(k, m) slots):
//   1. each pool item i gets θ_i ~ Beta(α + clicks_i, β + max(0, impressions_i − clicks_i)),
//      counts read from the item's features/attributes (missing → 0);
//   2. slot S[0] takes the pool item with the highest θ, S[1] the second highest, …;
//   3. every other position takes the exploited list (ranked minus pool) in order.
//
// Propensity:
//   - exploited items: 1. Given the ranked list, which positions they take is deterministic.
//   - pool item at slot S[i]: P(item's draw ranks i-th among the pool). No closed form, so it is
//     estimated by R Monte-Carlo replays of step 1 on a separate seeded stream (deriveSeed(seed,
//     replays)), counting the replays in which the item ranks i-th, and including the served draw
//     as one more sample: p̂ = (hits + 1) / (R + 1). Never 0 (the item was served), standard error
//     ≈ √(p(1−p)/R), upward bias at most 1/(R + 1).
import type { ItemPredicate } from "@cascade/core";
import { createRandom, deriveSeed, type Random } from "../demo/random.ts";
import type { Candidate, ServedCandidate } from "../funnel/candidate.ts";
import type { Explorer } from "../funnel/components.ts";
import { toFilterableItem } from "../funnel/filterableItem.ts";
import type { RuleEffect } from "../funnel/trace.ts";
import { sampleBeta } from "./betaSample.ts";
import { splitExplorationPool, usableSlots } from "./explorationPool.ts";
import { EXPLORATION_STREAM } from "./requestSeed.ts";

export type ThompsonOptions = {
  id?: string;
  slots: readonly number[];
  poolSize: number;
  poolWhen?: ItemPredicate;
  prior: { alpha: number; beta: number };
  impressionsField: string;
  clicksField: string;
  replays: number;
};

/** Indices of the `k` largest values, largest first (k is a handful of slots: k linear passes). */
function topIndices(values: Float64Array, k: number): number[] {
  const chosen: number[] = [];
  for (let round = 0; round < k; round++) {
    let best = -1;
    for (let i = 0; i < values.length; i++) if (!chosen.includes(i) && (best < 0 || values[i]! > values[best]!)) best = i;
    chosen.push(best);
  }
  return chosen;
}

function drawAll(random: Random, alphas: Float64Array, betas: Float64Array, into: Float64Array): void {
  for (let i = 0; i < alphas.length; i++) into[i] = sampleBeta(random, alphas[i]!, betas[i]!);
}

export function posteriorOf(candidate: Candidate, nowMs: number, options: Pick<ThompsonOptions, "prior" | "impressionsField" | "clicksField">): { alpha: number; beta: number } {
  const numbers = toFilterableItem(candidate, nowMs).numbers;
  const impressions = Math.max(0, numbers[options.impressionsField] ?? 0);
  const clicks = Math.min(impressions, Math.max(0, numbers[options.clicksField] ?? 0));
  return { alpha: options.prior.alpha + clicks, beta: options.prior.beta + impressions - clicks };
}

export function thompsonExplorer(options: ThompsonOptions): Explorer {
  const id = options.id ?? "thompson";
  return {
    id,
    select(query, ranked, count) {
      const pageLength = Math.min(count, ranked.length);
      const inPage = options.slots.filter((slot) => slot < pageLength).length;
      const { pool, exploit } = splitExplorationPool(ranked, pageLength - inPage, { size: options.poolSize, ...(options.poolWhen ? { when: options.poolWhen } : {}) }, query.nowMs);
      const slots = usableSlots(options.slots, pageLength, pool.length);

      const alphas = new Float64Array(pool.length);
      const betas = new Float64Array(pool.length);
      pool.forEach((candidate, i) => {
        const posterior = posteriorOf(candidate, query.nowMs, options);
        alphas[i] = posterior.alpha;
        betas[i] = posterior.beta;
      });
      const servedDraws = new Float64Array(pool.length);
      drawAll(createRandom(deriveSeed(query.seed, EXPLORATION_STREAM.served)), alphas, betas, servedDraws);
      const winners = topIndices(servedDraws, slots.length);
      const draws = new Float64Array(pool.length);

      const hits = new Array<number>(slots.length).fill(0);
      const replayRandom = createRandom(deriveSeed(query.seed, EXPLORATION_STREAM.replays));
      for (let replay = 0; replay < options.replays && slots.length > 0; replay++) {
        drawAll(replayRandom, alphas, betas, draws);
        const replayWinners = topIndices(draws, slots.length);
        for (let i = 0; i < slots.length; i++) if (replayWinners[i] === winners[i]) hits[i]!++;
      }

      const slotIndex = new Map(slots.map((slot, i) => [slot, i]));
      const page: ServedCandidate[] = [];
      const effects: RuleEffect[] = [];
      let nextExploited = 0;
      for (let position = 0; position < pageLength; position++) {
        const i = slotIndex.get(position);
        if (i !== undefined) {
          const propensity = (hits[i]! + 1) / (options.replays + 1);
          const chosen = pool[winners[i]!]!;
          page.push({ ...chosen, position, propensity, slot: "explore" });
          const winner = winners[i]!;
          const mean = alphas[winner]! / (alphas[winner]! + betas[winner]!);
          effects.push({ itemId: chosen.itemId, kind: "explored", to: position, propensity, reason: `θ=${servedDraws[winner]!.toFixed(4)} (posterior mean ${mean.toFixed(4)})` });
        } else page.push({ ...exploit[nextExploited++]!, position, propensity: 1, slot: "ranked" });
      }
      return { page, effects };
    },
  };
}

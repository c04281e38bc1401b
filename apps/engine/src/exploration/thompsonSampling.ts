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
//
// With diversity caps, the pool is taken after position N (not N − k), and slot S[i] takes the
// highest-θ unused pool item that keeps every cap there;
// a slot where none fits goes back to the ranked list (cappedLayout.ts), which moves the later
// ranked items. Every served position's propensity is then the replay estimate above, computed
// over the whole layout (a ranked item keeps exactly 1 when no replay gives a slot back).
import { createRandom, deriveSeed, itemNumber, type ItemPredicate } from "@cascade/core";
import { servedCandidate, type Candidate, type ServedCandidate } from "../funnel/candidate.ts";
import type { Explorer } from "../funnel/components.ts";
import { toFilterableItem } from "../funnel/filterableItem.ts";
import type { RuleEffect } from "../funnel/trace.ts";
import { BetaSampler } from "./betaSample.ts";
import type { DiversityCap } from "../rules/diversityWindows.ts";
import { PageLayouter, pageSlotsOf, replayedPropensities, type PoolPick } from "./cappedLayout.ts";
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
  /** The surface's diversity caps: explored items only go where they keep them. */
  caps?: readonly DiversityCap[];
};

/**
 * The policy's pick for one draw of θ (every pool item's, in `draws`): each slot takes the best-θ
 * fitting item. Made once per buffer of draws, not per replay (a closure each of hundreds of replays).
 */
function bestDrawPick(draws: Float64Array): PoolPick {
  return (_slot, fits) => {
    let best = -1;
    for (let index = 0; index < draws.length; index++) if ((best < 0 || draws[index]! > draws[best]!) && fits(index)) best = index;
    return best;
  };
}

export function posteriorOf(
  candidate: Candidate,
  nowMs: number,
  options: Pick<ThompsonOptions, "prior" | "impressionsField" | "clicksField">,
): { alpha: number; beta: number } {
  const item = toFilterableItem(candidate, nowMs);
  const impressions = Math.max(0, itemNumber(item, options.impressionsField) ?? 0);
  const clicks = Math.min(impressions, Math.max(0, itemNumber(item, options.clicksField) ?? 0));
  return { alpha: options.prior.alpha + clicks, beta: options.prior.beta + impressions - clicks };
}

export function thompsonExplorer(options: ThompsonOptions): Explorer {
  const id = options.id ?? "thompson";
  const caps = options.caps ?? [];
  return {
    id,
    select(query, ranked, count) {
      const pageLength = Math.min(count, ranked.length);
      // Under caps the pool starts after the page, as for ε-greedy: a slot given back then takes a
      // ranked item from the prefix the diversity rule arranged, so the ranked part keeps the caps.
      const inPage = caps.length > 0 ? 0 : options.slots.filter((slot) => slot < pageLength).length;
      const { pool, exploit } = splitExplorationPool(
        ranked,
        pageLength - inPage,
        { size: options.poolSize, ...(options.poolWhen ? { when: options.poolWhen } : {}) },
        query.nowMs,
      );
      const slots = usableSlots(options.slots, pageLength, pool.length);

      const alphas = new Float64Array(pool.length);
      const betas = new Float64Array(pool.length);
      pool.forEach((candidate, i) => {
        const posterior = posteriorOf(candidate, query.nowMs, options);
        alphas[i] = posterior.alpha;
        betas[i] = posterior.beta;
      });
      const sampler = new BetaSampler(alphas, betas);
      const servedDraws = new Float64Array(pool.length);
      sampler.drawAll(createRandom(deriveSeed(query.seed, EXPLORATION_STREAM.served)), servedDraws);
      const layouter = new PageLayouter(exploit, pool, pageLength, caps);
      const served = pageSlotsOf(layouter.layOut(slots, bestDrawPick(servedDraws)));
      const replayRandom = createRandom(deriveSeed(query.seed, EXPLORATION_STREAM.replays));
      const draws = new Float64Array(pool.length);
      const replayPick = bestDrawPick(draws);
      const propensities = replayedPropensities(served, slots.length > 0 ? options.replays : 0, () => {
        sampler.drawAll(replayRandom, draws);
        return layouter.layOut(slots, replayPick);
      });

      const page: ServedCandidate[] = [];
      const effects: RuleEffect[] = [];
      served.forEach((slot, position) => {
        const propensity = propensities[position]!;
        if ("pool" in slot) {
          const chosen = pool[slot.pool]!;
          page.push(servedCandidate(chosen, position, propensity, "explore"));
          const mean = alphas[slot.pool]! / (alphas[slot.pool]! + betas[slot.pool]!);
          effects.push({
            itemId: chosen.itemId,
            kind: "explored",
            to: position,
            propensity,
            reason: `θ=${servedDraws[slot.pool]!.toFixed(4)} (posterior mean ${mean.toFixed(4)})`,
          });
        } else page.push(servedCandidate(exploit[slot.rank]!, position, propensity, "ranked"));
      });
      return { page, effects };
    },
  };
}

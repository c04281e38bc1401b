// Epsilon-greedy exploration slots.
//
// Policy (N = page length, E = exploited list = ranked list minus the pool, pool of m items taken
// from the ranked list after position N, S = usable slot positions, at most m of them):
//   1. each slot s ∈ S independently explores with probability ε;
//   2. explored slots, in order, draw pool items uniformly without replacement;
//   3. every other position takes the next item of E, in order.
//
// Propensity = the marginal probability that the policy puts this item at this position:
//   - pool item at explored slot s:   ε / m
//     (drawing without replacement is a uniformly random assignment, so each explored slot holds
//      each pool item with probability 1/m whatever the other slots did);
//   - exploited item E[r] at position p (the deterministic part): let j = |S ∩ [0, p)| and
//     e = p − r, the number of slots before p that must have explored for E[r] to land at p. Then
//        P = (p ∈ S ? 1 − ε : 1) · C(j, e) · ε^e · (1 − ε)^(j − e)
//     which is exactly 1 when ε = 0 (E[r] at position r) or when S is empty.
//
// With diversity caps (the surface's diversity rules) an explored slot draws uniformly among the
// unused pool items that keep every cap there, and a slot where none fits goes back to the ranked
// list (cappedLayout.ts). Which items fit depends on the other slots' draws, so there is no closed
// form: propensities are then estimated from `replays` replays of the whole policy on a separate
// seeded stream, (hits + 1) / (R + 1) per served position (standard error ≤ 0.5/√R).
import { createRandom, deriveSeed, type ItemPredicate, type Random } from "@cascade/core";
import { servedCandidate, type ServedCandidate } from "../funnel/candidate.ts";
import type { Explorer } from "../funnel/components.ts";
import type { RuleEffect } from "../funnel/trace.ts";
import type { DiversityCap } from "../rules/diversityWindows.ts";
import { PageLayouter, pageSlotsOf, replayedPropensities } from "./cappedLayout.ts";
import { splitExplorationPool, usableSlots } from "./explorationPool.ts";
import { EXPLORATION_STREAM } from "./requestSeed.ts";

export type EpsilonGreedyOptions = {
  id?: string;
  epsilon: number;
  slots: readonly number[];
  poolSize: number;
  poolWhen?: ItemPredicate;
  /** The surface's diversity caps: explored items only go where they keep them. */
  caps?: readonly DiversityCap[];
  /** Replays for the propensity estimate when there are caps (default 500). */
  replays?: number;
};

function binomialCoefficient(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i;
  return result;
}

/** Probability that the exploited item of rank r lands at position p (see the header). */
export function exploitedPropensity(rank: number, position: number, slots: readonly number[], epsilon: number): number {
  const slotSet = new Set(slots);
  const before = slots.filter((slot) => slot < position).length;
  const explored = position - rank;
  if (explored < 0 || explored > before) return 0;
  const here = slotSet.has(position) ? 1 - epsilon : 1;
  return here * binomialCoefficient(before, explored) * Math.pow(epsilon, explored) * Math.pow(1 - epsilon, before - explored);
}

/**
 * Draws of the capped policy for one request (its served layout and every replay, each on its own
 * stream): which slots explore, then a uniform fitting pool item for each, as codes
 * (PageLayouter.layOut). Buffers and the pick closure are made once per request, not per draw.
 */
function cappedLayouts(epsilon: number, slots: readonly number[], layouter: PageLayouter, poolLength: number): (random: Random) => Int32Array {
  // The pool's indices, identity between picks: a pick swap-removes the items it tried and then
  // puts back only the entries it overwrote, instead of refilling the whole pool on every pick.
  const untried = new Int32Array(poolLength);
  for (let index = 0; index < poolLength; index++) untried[index] = index;
  const overwritten = new Int32Array(poolLength);
  const exploring = new Int32Array(slots.length);
  let random: Random;
  const pick = (_slot: number, fits: (poolIndex: number) => boolean): number => {
    // Uniform over the fitting items: draw among the untried ones until one fits (a swap-remove over the pool's indices).
    let left = poolLength;
    let chosen = -1;
    while (left > 0) {
      const at = random.int(left);
      const index = untried[at]!;
      if (fits(index)) {
        chosen = index;
        break;
      }
      untried[at] = untried[left - 1]!;
      left -= 1;
      overwritten[left] = at; // the (poolLength − left)-th miss
    }
    for (let miss = left; miss < poolLength; miss++) untried[overwritten[miss]!] = overwritten[miss]!;
    return chosen;
  };
  return (stream) => {
    random = stream;
    let exploringCount = 0;
    for (let i = 0; i < slots.length; i++) if (random.next() < epsilon) exploring[exploringCount++] = slots[i]!;
    return layouter.layOut(exploring, pick, exploringCount);
  };
}

export function epsilonGreedyExplorer(options: EpsilonGreedyOptions): Explorer {
  const id = options.id ?? "epsilonGreedy";
  const caps = options.caps ?? [];
  return {
    id,
    select(query, ranked, count) {
      const pageLength = Math.min(count, ranked.length);
      const { pool, exploit } = splitExplorationPool(
        ranked,
        pageLength,
        { size: options.poolSize, ...(options.poolWhen ? { when: options.poolWhen } : {}) },
        query.nowMs,
      );
      const slots = usableSlots(options.slots, pageLength, pool.length);
      const random = createRandom(deriveSeed(query.seed, EXPLORATION_STREAM.served));
      if (caps.length > 0) {
        const layouter = new PageLayouter(exploit, pool, pageLength, caps);
        const layOut = cappedLayouts(options.epsilon, slots, layouter, pool.length);
        const served = pageSlotsOf(layOut(random));
        const replayRandom = createRandom(deriveSeed(query.seed, EXPLORATION_STREAM.replays));
        // Most replays explore no slot (1 − ε per slot): their layout is the greedy one, compared once.
        const propensities = replayedPropensities(served, options.replays ?? 500, () => layOut(replayRandom), layouter.greedyCodes);
        const page: ServedCandidate[] = [];
        const effects: RuleEffect[] = [];
        served.forEach((slot, position) => {
          const propensity = propensities[position]!;
          if ("pool" in slot) {
            page.push(servedCandidate(pool[slot.pool]!, position, propensity, "explore"));
            effects.push({ itemId: pool[slot.pool]!.itemId, kind: "explored", to: position, propensity });
          } else page.push(servedCandidate(exploit[slot.rank]!, position, propensity, "ranked"));
        });
        return { page, effects };
      }
      const exploring = new Set(slots.filter(() => random.next() < options.epsilon));
      const remainingPool = [...pool];
      const page: ServedCandidate[] = [];
      const effects: RuleEffect[] = [];
      let nextExploited = 0;
      for (let position = 0; position < pageLength; position++) {
        if (exploring.has(position)) {
          const [drawn] = remainingPool.splice(random.int(remainingPool.length), 1);
          const propensity = options.epsilon / pool.length;
          page.push(servedCandidate(drawn!, position, propensity, "explore"));
          effects.push({ itemId: drawn!.itemId, kind: "explored", to: position, propensity });
        } else {
          const rank = nextExploited++;
          page.push(servedCandidate(exploit[rank]!, position, exploitedPropensity(rank, position, slots, options.epsilon), "ranked"));
        }
      }
      return { page, effects };
    },
  };
}

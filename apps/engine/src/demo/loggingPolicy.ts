// The recommender that "served" the demo traffic: a stochastic policy with known propensities,
// so off-policy estimators (IPS, SNIPS, DR) have something exact to work with. Like a deployed
// recommender it already personalises (most candidates come from the user's niches and followed
// creators, scored by a noisy taste signal) and still leans on popularity, which leaves room for a
// learned model to do better. Formulas: groundTruth.ts ("Logging policy").
import { lowerBound, type CatalogIndex } from "./catalogIndex.ts";
import { affinity, followsCreatorAt } from "./groundTruth.ts";
import type { Random } from "@cascade/core";
import { dotRows } from "./vectors.ts";
import { DAY_MS, sampleCategorical, type DemoWorld } from "./world.ts";

export type DemoSurface = "home" | "related";

export const LOGGING_POLICY = {
  slateLength: { home: 10, related: 6 },
  /** Largest candidate pool: bounds the smallest propensity at exploration / maxPool. */
  maxPool: 50,
  /** Draws per candidate source; duplicates and unpublished/removed items shrink the pool. */
  homePool: { popular: 6, taste: 30, followed: 10, recent: 4 },
  relatedPool: { anchorCategory: 20, anchorCreator: 10, popular: 10, recent: 4 },
  recentDays: 3,
  /** Attempts to find an item that is published and not taken down at the request time. */
  drawAttempts: 3,
  popularityWeight: 0.25,
  affinityWeight: 5,
  affinityNoise: 0.35,
  followWeight: 0.5,
  anchorWeight: 2,
  /** Share of uniform exploration mixed into every slot's choice (keeps propensities > 0). */
  exploration: 0.1,
} as const;

export type SlateRequest = {
  user: number;
  timeMs: number;
  surface: DemoSurface;
  /** The item the `related` surface is shown under; -1 for `home`. */
  anchorItem: number;
};

export type LoggedSlate = {
  /** Item indices, position 0 first. */
  items: number[];
  /** π(item at slot k | items in slots above k), the probability the policy chose it there. */
  propensities: number[];
};

export type LoggingPolicy = {
  /** Builds a candidate pool, scores it, and samples a slate with the propensity of every slot. */
  serve(random: Random, request: SlateRequest): LoggedSlate;
};

/**
 * The policy for one world. It keeps its scratch buffers between requests (a stamp per item
 * instead of a Set for de-duplication, reused pool and score arrays), because it runs once per
 * simulated request: ~300k times for 10M events.
 */
export function createLoggingPolicy(world: DemoWorld, index: CatalogIndex): LoggingPolicy {
  const P = LOGGING_POLICY;
  const pool: number[] = [];
  const scores: number[] = [];
  const stamp = new Int32Array(world.items.count);
  let currentStamp = 0;
  const logPopularity = Float64Array.from(world.items.popularity, (p) => Math.log(p));
  const categoryCount = world.categories.count;

  // One draw from a source: retried a few times when the item is not servable at that time.
  const SOURCE = { popular: 0, category: 1, creator: 2, recent: 3 } as const;
  type Source = (typeof SOURCE)[keyof typeof SOURCE];
  function draw(random: Random, source: Source, argument: number, request: SlateRequest): void {
    for (let attempt = 0; attempt < P.drawAttempts; attempt += 1) {
      let item: number;
      if (source === SOURCE.popular) item = index.popularity.sample(random);
      else if (source === SOURCE.category) item = index.categoryPopularity[argument]?.sample(random) ?? index.popularity.sample(random);
      else if (source === SOURCE.creator) item = argument < 0 ? -1 : creatorItem(index, random, argument);
      else item = recentItem(index, random, request.timeMs);
      if (item < 0) return;
      if (!isServable(world, item, request.timeMs)) continue;
      if (item !== request.anchorItem && stamp[item] !== currentStamp && pool.length < P.maxPool) {
        stamp[item] = currentStamp;
        pool.push(item);
      }
      return;
    }
  }

  function fillPool(random: Random, request: SlateRequest): void {
    pool.length = 0;
    currentStamp += 1;
    const { user, timeMs } = request;
    if (request.surface === "related" && request.anchorItem >= 0) {
      const anchor = request.anchorItem;
      const R = P.relatedPool;
      for (let n = 0; n < R.anchorCategory; n += 1) draw(random, SOURCE.category, world.items.category[anchor]!, request);
      for (let n = 0; n < R.anchorCreator; n += 1) draw(random, SOURCE.creator, world.items.creator[anchor]!, request);
      for (let n = 0; n < R.popular; n += 1) draw(random, SOURCE.popular, 0, request);
      for (let n = 0; n < R.recent; n += 1) draw(random, SOURCE.recent, 0, request);
    } else {
      const H = P.homePool;
      const mixture = world.users.categoryMixture.subarray(user * categoryCount, (user + 1) * categoryCount);
      for (let n = 0; n < H.popular; n += 1) draw(random, SOURCE.popular, 0, request);
      for (let n = 0; n < H.taste; n += 1) draw(random, SOURCE.category, sampleCategorical(random, mixture), request);
      for (let n = 0; n < H.followed; n += 1) draw(random, SOURCE.creator, followedCreator(world, random, user, timeMs), request);
      for (let n = 0; n < H.recent; n += 1) draw(random, SOURCE.recent, 0, request);
    }
    // Rarely empty (a tiny catalogue early in the window): try the broadest source harder. If
    // nothing is servable even then, the request shows nothing rather than an unpublished item.
    for (let n = 0; pool.length === 0 && n < P.maxPool; n += 1) draw(random, SOURCE.popular, 0, request);
  }

  /** s_j: the policy's score, a noisy estimate of what the user likes plus popularity. */
  function score(random: Random, request: SlateRequest, item: number): number {
    const follow = followsCreatorAt(world, request.user, world.items.creator[item]!, request.timeMs) ? 1 : 0;
    let value =
      P.popularityWeight * logPopularity[item]! +
      P.affinityWeight * (affinity(world, request.user, item) + P.affinityNoise * random.normal()) +
      P.followWeight * follow;
    if (request.anchorItem >= 0) value += P.anchorWeight * dotRows(world.items.vector, request.anchorItem, world.items.vector, item, world.dimensions);
    return value;
  }

  return {
    serve(random, request) {
      fillPool(random, request);
      scores.length = 0;
      for (const item of pool) scores.push(score(random, request, item));
      return samplePlackettLuce(random, scores, Math.min(P.slateLength[request.surface], pool.length), P.exploration, pool);
    },
  };
}

/**
 * Plackett–Luce sampling without replacement, each step mixed with uniform exploration:
 * π(j | remaining R) = (1 − ε)·e^{s_j} / Σ_R e^{s} + ε/|R|. The product of the logged
 * propensities is the probability of the whole slate given the pool.
 */
export function samplePlackettLuce(random: Random, scores: number[], length: number, exploration: number, labels: number[]): LoggedSlate {
  const remaining = scores.map((_, position) => position);
  const weights = new Array<number>(scores.length);
  let total = 0;
  // Weights are e^(s − max over remaining), so the best remaining candidate always weighs 1:
  // recomputed when the running total underflows or has drifted through many subtractions.
  const rescale = () => {
    let max = Number.NEGATIVE_INFINITY;
    for (const r of remaining) max = Math.max(max, scores[r]!);
    total = 0;
    for (const r of remaining) {
      weights[r] = Math.exp(scores[r]! - max);
      total += weights[r];
    }
  };
  rescale();
  const slate: LoggedSlate = { items: [], propensities: [] };
  for (let slot = 0; slot < length && remaining.length > 0; slot += 1) {
    let pick: number;
    if (random.next() < exploration) {
      pick = random.int(remaining.length);
    } else {
      let threshold = random.next() * total;
      pick = remaining.length - 1;
      for (let r = 0; r < remaining.length; r += 1) {
        threshold -= weights[remaining[r]!]!;
        if (threshold < 0) {
          pick = r;
          break;
        }
      }
    }
    const chosen = remaining[pick]!;
    const propensity = (1 - exploration) * (weights[chosen]! / total) + exploration / remaining.length;
    slate.items.push(labels[chosen]!);
    slate.propensities.push(Math.min(1, propensity));
    total -= weights[chosen]!;
    remaining.splice(pick, 1);
    if (remaining.length > 0 && (total < 1e-9 || slot % 4 === 3)) rescale();
  }
  return slate;
}

/** Published and not yet taken down at that time. */
function isServable(world: DemoWorld, item: number, timeMs: number): boolean {
  return world.items.publishedAtMs[item]! <= timeMs && timeMs < world.items.availableUntilMs[item]!;
}

function creatorItem(index: CatalogIndex, random: Random, creator: number): number {
  const from = index.creatorItemOffsets[creator]!;
  const count = index.creatorItemOffsets[creator + 1]! - from;
  return count > 0 ? index.creatorItems[from + random.int(count)]! : -1;
}

function followedCreator(world: DemoWorld, random: Random, user: number, timeMs: number): number {
  const from = world.users.followOffsets[user]!;
  const count = world.users.followOffsets[user + 1]! - from;
  if (count === 0) return -1;
  const f = from + random.int(count);
  return world.users.followedAtMs[f]! <= timeMs ? world.users.followCreators[f]! : -1;
}

/** A uniformly chosen item published in the last few days before `timeMs` (cold-start exposure). */
function recentItem(index: CatalogIndex, random: Random, timeMs: number): number {
  const from = lowerBound(index.publishTimes, timeMs - LOGGING_POLICY.recentDays * DAY_MS);
  const to = lowerBound(index.publishTimes, timeMs + 1);
  return to > from ? index.publishOrder[from + random.int(to - from)]! : -1;
}

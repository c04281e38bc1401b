// The latent world behind the demo data: categories, creators, items, users and the follow graph,
// with the hidden vectors that drive behaviour. Pure and deterministic: generateWorld(config)
// returns the same world for the same config, so evaluation code can regenerate the ground truth
// and check a trained model against it. The formulas are written down in groundTruth.ts.
//
// Memory (flat typed arrays): about 175 bytes per item (32-dim Float32 vector = 128 B, plus
// popularity, quality, times, duration, price, creator, category), 270 per creator and about 620
// per user (taste, 100-niche category mixture = 400 B, activity, follows). large (1M items, 100k
// creators, 100k users) ≈ 260 MB; with the simulator's catalogue index and policy buffers (~50 B
// per item) about 310 MB.
import { buildAliasTable } from "./aliasTable.ts";
import { categoryName } from "./demoNames.ts";
import { createRandom, deriveSeed, dirichlet, type Random } from "@cascade/core";
import { STREAM } from "./streams.ts";
import { dotRows, normalizeInPlace, randomUnitVector, readRow, writeRow } from "./vectors.ts";
import type { DemoConfig } from "./worldConfig.ts";

export const DAY_MS = 86_400_000;

/** Knobs of the world generator; see groundTruth.ts for what each one means. */
export const WORLD_PARAMETERS = {
  latentDimensions: 32,
  /**
   * Many small niches rather than a few broad categories: K = clamp(items/50, 2, 100) categories,
   * each a niche of one of `genres` broad genres (category k belongs to genre k mod 20).
   */
  itemsPerCategory: 50,
  maxCategories: 100,
  genres: 20,
  /** Niche centroid c_k = unit(genreWeight·g_{k mod 20} + ownWeight·η_k). */
  nicheGenreWeight: 0.5,
  nicheOwnWeight: 0.85,
  itemsPerCreator: 10,
  /** Dirichlet concentration of category sizes (larger = more even). */
  categorySizeConcentration: 2,
  /** Creator vector = unit(categoryWeight·c_k + styleWeight·σ_c). */
  creatorCategoryWeight: 0.8,
  creatorStyleWeight: 0.6,
  creatorPopularitySigma: 1,
  /** Item vector = unit(categoryWeight·c_k + creatorWeight·σ_c + noiseWeight·η_i). */
  itemCategoryWeight: 0.7,
  itemCreatorWeight: 0.5,
  itemNoiseWeight: 0.4,
  /** Probability that an item is in its creator's category (else a random category). */
  itemInCreatorCategory: 0.85,
  /** Item popularity = creatorPopularity^creatorShare · Pareto(paretoShape), capped. */
  popularityCreatorShare: 0.5,
  popularityParetoShape: 1.6,
  popularityCap: 1_000,
  /** Publication: fresh share in the last freshDays, inWindow share during the window, rest backlog. */
  freshShare: 0.03,
  freshDays: 2,
  inWindowShare: 0.27,
  backlogDays: 180,
  unavailableShare: 0.02,
  durationMedianSeconds: 240,
  durationSigma: 0.8,
  shoppableShare: 0.25,
  priceMedian: 25,
  priceSigma: 0.9,
  /** Users: taste mixture θ ~ Dirichlet(tasteConcentration); taste = unit(unit(Σθ_k c_k) + noise·η_u). */
  tasteConcentration: 0.05,
  tasteNoiseWeight: 0.45,
  activitySigma: 1,
  newUserShare: 0.15,
  /** Follows per user ~ Poisson(base + perActivity·min(activity, 3)). */
  followsBase: 3,
  followsPerActivity: 2,
  /** Each follow is the best (by taste·creator vector) of this many popularity-weighted draws. */
  followCandidates: 3,
  followInTasteCategory: 0.85,
} as const;

export type DemoWorld = {
  config: DemoConfig;
  dimensions: number;
  windowStartMs: number;
  windowEndMs: number;
  categories: {
    count: number;
    names: string[];
    /** K×D unit vectors c_k. */
    centroids: Float32Array;
    /** Share of creators per category (sums to 1). */
    share: Float64Array;
  };
  creators: {
    count: number;
    category: Uint16Array;
    /** C×D unit style vectors σ_c (what the creator's items share beyond their category). */
    style: Float32Array;
    /** C×D unit vectors w_c = unit(0.8·c_k + 0.6·σ_c): where the creator sits in taste space. */
    vector: Float32Array;
    popularity: Float64Array;
  };
  items: {
    count: number;
    creator: Int32Array;
    category: Uint16Array;
    /** I×D unit latent vectors v_i. */
    vector: Float32Array;
    /** Heavy-tailed exposure weight p_i (drives how often the logging policy considers the item). */
    popularity: Float64Array;
    /** Standardised log popularity q_i: intrinsic appeal shared by all users. */
    quality: Float32Array;
    publishedAtMs: Float64Array;
    /** +Infinity for available items; when the item was taken down otherwise. */
    availableUntilMs: Float64Array;
    durationSeconds: Float32Array;
    /** 0 when the item cannot be bought. */
    price: Float64Array;
  };
  users: {
    count: number;
    /** U×D unit taste vectors t_u. */
    taste: Float32Array;
    /** U×K category mixture θ_u (rows sum to 1). */
    categoryMixture: Float32Array;
    /** Relative activity α_u (log-normal): how many sessions the user has. */
    activity: Float64Array;
    joinedAtMs: Float64Array;
    /** Follow graph in CSR form: user u follows followCreators[followOffsets[u] .. followOffsets[u+1]). */
    followOffsets: Int32Array;
    followCreators: Int32Array;
    followedAtMs: Float64Array;
  };
};

export function generateWorld(config: DemoConfig): DemoWorld {
  const P = WORLD_PARAMETERS;
  const dimensions = P.latentDimensions;
  const windowEndMs = config.endAtMs;
  const windowStartMs = windowEndMs - config.days * DAY_MS;

  // ── categories ──
  const categoryCount = clamp(Math.round(config.items / P.itemsPerCategory), 2, P.maxCategories);
  const categoryRandom = createRandom(deriveSeed(config.seed, STREAM.categories));
  const centroids = new Float32Array(categoryCount * dimensions);
  const scratch = new Float64Array(dimensions);
  // Niches of one genre share a direction (music-2 is nearer to music than to cooking), so taste
  // for one niche says a little about its sibling niches, as on real platforms.
  const genreCount = Math.min(categoryCount, P.genres);
  const genres = new Float32Array(genreCount * dimensions);
  for (let g = 0; g < genreCount; g += 1) writeRow(genres, g, randomUnitVector(categoryRandom, scratch));
  const genre = new Float64Array(dimensions);
  for (let k = 0; k < categoryCount; k += 1) {
    readRow(genres, k % genreCount, genre);
    randomUnitVector(categoryRandom, scratch);
    for (let d = 0; d < dimensions; d += 1) scratch[d] = P.nicheGenreWeight * genre[d]! + P.nicheOwnWeight * scratch[d]!;
    writeRow(centroids, k, normalizeInPlace(scratch));
  }
  const share = dirichlet(categoryRandom, categoryCount, P.categorySizeConcentration);
  const categoryAlias = buildAliasTable(share);

  // ── creators ──
  const creatorCount = Math.max(categoryCount, Math.round(config.items / P.itemsPerCreator));
  const creatorRandom = createRandom(deriveSeed(config.seed, STREAM.creators));
  const creatorCategory = new Uint16Array(creatorCount);
  const creatorStyle = new Float32Array(creatorCount * dimensions);
  const creatorVector = new Float32Array(creatorCount * dimensions);
  const creatorPopularity = new Float64Array(creatorCount);
  const centroid = new Float64Array(dimensions);
  const style = new Float64Array(dimensions);
  for (let c = 0; c < creatorCount; c += 1) {
    // The first K creators cover every category once, so no category is without creators.
    const k = c < categoryCount ? c : categoryAlias.sample(creatorRandom);
    creatorCategory[c] = k;
    randomUnitVector(creatorRandom, style);
    writeRow(creatorStyle, c, style);
    readRow(centroids, k, centroid);
    for (let d = 0; d < dimensions; d += 1) scratch[d] = P.creatorCategoryWeight * centroid[d]! + P.creatorStyleWeight * style[d]!;
    writeRow(creatorVector, c, normalizeInPlace(scratch));
    creatorPopularity[c] = creatorRandom.logNormal(0, P.creatorPopularitySigma);
  }
  const creatorAlias = buildAliasTable(creatorPopularity);

  // ── items ──
  const itemCount = config.items;
  const itemRandom = createRandom(deriveSeed(config.seed, STREAM.items));
  const items: DemoWorld["items"] = {
    count: itemCount,
    creator: new Int32Array(itemCount),
    category: new Uint16Array(itemCount),
    vector: new Float32Array(itemCount * dimensions),
    popularity: new Float64Array(itemCount),
    quality: new Float32Array(itemCount),
    publishedAtMs: new Float64Array(itemCount),
    availableUntilMs: new Float64Array(itemCount),
    durationSeconds: new Float32Array(itemCount),
    price: new Float64Array(itemCount),
  };
  const noise = new Float64Array(dimensions);
  const freshStartMs = windowEndMs - P.freshDays * DAY_MS;
  let logPopularitySum = 0;
  let logPopularitySquares = 0;
  for (let i = 0; i < itemCount; i += 1) {
    const c = creatorAlias.sample(itemRandom);
    const k = itemRandom.chance(P.itemInCreatorCategory) ? creatorCategory[c]! : categoryAlias.sample(itemRandom);
    items.creator[i] = c;
    items.category[i] = k;
    readRow(centroids, k, centroid);
    readRow(creatorStyle, c, style);
    randomUnitVector(itemRandom, noise);
    for (let d = 0; d < dimensions; d += 1) {
      scratch[d] = P.itemCategoryWeight * centroid[d]! + P.itemCreatorWeight * style[d]! + P.itemNoiseWeight * noise[d]!;
    }
    writeRow(items.vector, i, normalizeInPlace(scratch));

    const pareto = Math.min(P.popularityCap, Math.pow(1 - itemRandom.next(), -1 / P.popularityParetoShape));
    const popularity = Math.pow(creatorPopularity[c]!, P.popularityCreatorShare) * pareto;
    items.popularity[i] = popularity;
    logPopularitySum += Math.log(popularity);
    logPopularitySquares += Math.log(popularity) ** 2;

    const when = itemRandom.next();
    const publishedAtMs =
      when < P.freshShare
        ? uniform(itemRandom, freshStartMs, windowEndMs)
        : when < P.freshShare + P.inWindowShare
          ? uniform(itemRandom, windowStartMs, freshStartMs)
          : uniform(itemRandom, windowStartMs - P.backlogDays * DAY_MS, windowStartMs);
    items.publishedAtMs[i] = Math.floor(publishedAtMs);
    items.availableUntilMs[i] = itemRandom.chance(P.unavailableShare)
      ? Math.floor(uniform(itemRandom, Math.max(publishedAtMs, windowStartMs), windowEndMs))
      : Number.POSITIVE_INFINITY;
    items.durationSeconds[i] = clamp(Math.round(itemRandom.logNormal(Math.log(P.durationMedianSeconds), P.durationSigma)), 15, 7_200);
    items.price[i] = itemRandom.chance(P.shoppableShare)
      ? Math.max(0.99, Math.round(itemRandom.logNormal(Math.log(P.priceMedian), P.priceSigma) * 100) / 100)
      : 0;
  }
  const logMean = logPopularitySum / itemCount;
  const logStd = Math.sqrt(Math.max(1e-12, logPopularitySquares / itemCount - logMean * logMean));
  for (let i = 0; i < itemCount; i += 1) items.quality[i] = (Math.log(items.popularity[i]!) - logMean) / logStd;

  // ── users ──
  const userCount = config.users;
  const userRandom = createRandom(deriveSeed(config.seed, STREAM.users));
  const taste = new Float32Array(userCount * dimensions);
  const categoryMixture = new Float32Array(userCount * categoryCount);
  const activity = new Float64Array(userCount);
  const joinedAtMs = new Float64Array(userCount);
  for (let u = 0; u < userCount; u += 1) {
    const theta = dirichlet(userRandom, categoryCount, P.tasteConcentration);
    categoryMixture.set(theta, u * categoryCount);
    scratch.fill(0);
    for (let k = 0; k < categoryCount; k += 1) {
      const weight = theta[k]!;
      if (weight < 1e-6) continue;
      for (let d = 0; d < dimensions; d += 1) scratch[d]! += weight * centroids[k * dimensions + d]!;
    }
    normalizeInPlace(scratch);
    randomUnitVector(userRandom, noise);
    for (let d = 0; d < dimensions; d += 1) scratch[d]! += P.tasteNoiseWeight * noise[d]!;
    writeRow(taste, u, normalizeInPlace(scratch));
    activity[u] = userRandom.logNormal(0, P.activitySigma);
    joinedAtMs[u] = Math.floor(
      userRandom.chance(P.newUserShare)
        ? uniform(userRandom, windowStartMs, windowEndMs - DAY_MS)
        : uniform(userRandom, windowStartMs - 365 * DAY_MS, windowStartMs),
    );
  }

  // ── follows ──
  const follows = generateFollows({
    random: createRandom(deriveSeed(config.seed, STREAM.follows)),
    userCount,
    categoryCount,
    dimensions,
    taste,
    categoryMixture,
    activity,
    joinedAtMs,
    creatorCategory,
    creatorPopularity,
    creatorVector,
    windowStartMs,
    windowEndMs,
  });

  return {
    config,
    dimensions,
    windowStartMs,
    windowEndMs,
    categories: {
      count: categoryCount,
      names: Array.from({ length: categoryCount }, (_, k) => categoryName(k)),
      centroids,
      share,
    },
    creators: { count: creatorCount, category: creatorCategory, style: creatorStyle, vector: creatorVector, popularity: creatorPopularity },
    items,
    users: { count: userCount, taste, categoryMixture, activity, joinedAtMs, ...follows },
  };
}

/**
 * Each user follows ~Poisson(3 + 2·min(α_u, 3)) creators. Each follow picks a category from the
 * user's taste mixture (85%) or at random, draws 3 creators of that category by popularity and
 * keeps the one closest to the user's taste, so the graph carries signal about taste.
 */
function generateFollows(input: {
  random: Random;
  userCount: number;
  categoryCount: number;
  dimensions: number;
  taste: Float32Array;
  categoryMixture: Float32Array;
  activity: Float64Array;
  joinedAtMs: Float64Array;
  creatorCategory: Uint16Array;
  creatorPopularity: Float64Array;
  creatorVector: Float32Array;
  windowStartMs: number;
  windowEndMs: number;
}): Pick<DemoWorld["users"], "followOffsets" | "followCreators" | "followedAtMs"> {
  const P = WORLD_PARAMETERS;
  const { random, userCount, categoryCount, dimensions } = input;
  const creatorsByCategory: number[][] = Array.from({ length: categoryCount }, () => []);
  input.creatorCategory.forEach((k, c) => creatorsByCategory[k]!.push(c));
  const categoryCreatorAlias = creatorsByCategory.map((members) => buildAliasTable(input.creatorPopularity, members));
  const uniformCategoryAlias = buildAliasTable(new Float64Array(categoryCount).fill(1));

  const followOffsets = new Int32Array(userCount + 1);
  const creators: number[] = [];
  const times: number[] = [];
  const chosen = new Set<number>();
  const mixture = new Float64Array(categoryCount);
  for (let u = 0; u < userCount; u += 1) {
    followOffsets[u] = creators.length;
    const wanted = random.poisson(P.followsBase + P.followsPerActivity * Math.min(input.activity[u]!, 3));
    for (let k = 0; k < categoryCount; k += 1) mixture[k] = input.categoryMixture[u * categoryCount + k]!;
    chosen.clear();
    for (let f = 0; f < wanted; f += 1) {
      const k = random.chance(P.followInTasteCategory) ? sampleCategorical(random, mixture) : uniformCategoryAlias.sample(random);
      let best = -1;
      let bestScore = Number.NEGATIVE_INFINITY;
      for (let draw = 0; draw < P.followCandidates; draw += 1) {
        const c = categoryCreatorAlias[k]!.sample(random);
        const score = dotRows(input.taste, u, input.creatorVector, c, dimensions);
        if (score > bestScore) {
          best = c;
          bestScore = score;
        }
      }
      if (chosen.has(best)) continue;
      chosen.add(best);
      creators.push(best);
      const joined = input.joinedAtMs[u]!;
      // Established users followed before the window; new users follow in their first two days.
      const followedAt =
        joined < input.windowStartMs
          ? uniform(random, Math.max(joined, input.windowStartMs - P.backlogDays * DAY_MS), input.windowStartMs)
          : uniform(random, joined, Math.min(joined + 2 * DAY_MS, input.windowEndMs));
      times.push(Math.floor(followedAt));
    }
  }
  followOffsets[userCount] = creators.length;
  return { followOffsets, followCreators: Int32Array.from(creators), followedAtMs: Float64Array.from(times) };
}

/** Draws an index with probability proportional to weights (linear scan; for short vectors). */
export function sampleCategorical(random: Random, weights: ArrayLike<number>): number {
  let total = 0;
  for (let index = 0; index < weights.length; index += 1) total += weights[index]!;
  let threshold = random.next() * total;
  for (let index = 0; index < weights.length; index += 1) {
    threshold -= weights[index]!;
    if (threshold < 0) return index;
  }
  return weights.length - 1;
}

function uniform(random: Random, from: number, to: number): number {
  return from + (to - from) * random.next();
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

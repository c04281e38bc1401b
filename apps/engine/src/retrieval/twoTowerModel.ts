// The two-tower retrieval model: a user tower and an item tower that map into one L2-normalised
// d-dimensional space, plus a scalar item bias, so that
//
//   score(u, i, t) = (û · v̂) / τ + b(i, t)
//   user tower   û = unit( g + E_user[u] + mean_{h ∈ recent items} E_history[h] + mean_{c ∈ follows} E_follow[c] )
//   item tower   v̂ = unit( E_item[i] + E_category[k_i] + E_creator[c_i] + mean_{tags} E_tag + E_age[age bucket(i, t)] )
//   item bias    b(i, t) = β_item[i] + β_category[k_i] + β_creator[c_i] + β_age[age bucket(i, t)]
//
// Why a bias beside the unit vectors: with unit vectors the dot product lives in [−1/τ, 1/τ]
// (±3.3 at τ = 0.3), while how often items are consumed spans four orders of magnitude (ln ≈ 9)
// on a power-law catalogue. Without the bias the model cannot say "popular" and "to your taste"
// at once (ablations on the demo world: twoTowerTraining.ts).
// For nearest-neighbour search the bias folds into one more coordinate (retrievalItemVector =
// [v̂, τ·b], retrievalUserVector = [û, 1]; their inner product is τ·score), so the HNSW index
// stays a plain inner-product index over d+1 dimensions.
//
// Sums rather than concatenation + projection: with one shared d the sum is a projection whose
// weights are fixed to identity, costs nothing at serving time, and lets category, creator, tag
// and age carry items the id embedding has barely seen (new items, the long tail): an item with
// no training events still lands near its category and creator, with the bias of its age. The
// history pool places a user the model never saw (or saw little of) by what they just consumed;
// the follow pool by whom they follow. g is one learned vector shared by every user (where a user
// with nothing lands); id rows start at zero so an unknown user is not a random point.
// Age is the only time-dependent part: the item vectors the index holds are computed as of one
// time (the end of the training window) and should be rebuilt daily, like the index.
// Everything is flat Float32Arrays, row r of a table at [r·d, (r+1)·d). Initialisation is
// deterministic from the seed (demo/random.ts), one independent sub-stream per table.
import { createRandom, deriveSeed } from "@cascade/core";

export const DAY_MS = 86_400_000;

export type TwoTowerConfig = {
  /** Dimension d of the shared space. */
  dimensions: number;
  users: number;
  items: number;
  categories: number;
  creators: number;
  tags: number;
  /** Item age buckets: bucket = min(ageBuckets − 1, ⌊log2(1 + age in days)⌋); 0 for "not yet". */
  ageBuckets: number;
  /** How many of a user's most recent items the user tower pools. */
  historyLength: number;
  /** Softmax temperature τ, part of the model because the retrieval vectors depend on it. */
  temperature: number;
  seed: number;
  /** Standard deviation of the initial embedding entries. */
  initScale: number;
};

export const DEFAULT_TWO_TOWER_CONFIG = {
  dimensions: 32,
  historyLength: 20,
  ageBuckets: 10,
  temperature: 0.3,
  seed: 42,
  initScale: 0.1,
  tags: 0,
} as const satisfies Partial<TwoTowerConfig>;

/** Per-item metadata the item tower reads (indexed by item). */
export type ItemFeatures = {
  category: ArrayLike<number>;
  creator: ArrayLike<number>;
  /** Tags as CSR: item i's tags are tagIds[tagOffsets[i] .. tagOffsets[i+1]). Optional. */
  tagOffsets?: ArrayLike<number>;
  tagIds?: ArrayLike<number>;
  /** Publication time (epoch ms); NaN or absent = unknown (oldest bucket). */
  publishedAtMs?: ArrayLike<number>;
};

/** Per-user side features the user tower reads: followed creators, CSR by user. Optional. */
export type UserFeatures = {
  followOffsets: Int32Array;
  followCreators: Int32Array;
};

export type TwoTowerModel = {
  config: TwoTowerConfig;
  itemCategory: Int32Array;
  itemCreator: Int32Array;
  itemTagOffsets: Int32Array;
  itemTagIds: Int32Array;
  itemPublishedAtMs: Float64Array;
  userFollowOffsets: Int32Array;
  userFollowCreators: Int32Array;
  /** d: the shared user vector g. */
  globalUserEmbedding: Float32Array;
  /** users × d (initialised to zero, see above) */
  userEmbedding: Float32Array;
  /** items × d: the history pool's view of an item (separate from the item tower's id embedding). */
  historyEmbedding: Float32Array;
  /** creators × d: the follow pool's view of a creator. */
  followEmbedding: Float32Array;
  itemEmbedding: Float32Array;
  categoryEmbedding: Float32Array;
  creatorEmbedding: Float32Array;
  tagEmbedding: Float32Array;
  ageEmbedding: Float32Array;
  itemBias: Float32Array;
  categoryBias: Float32Array;
  creatorBias: Float32Array;
  ageBias: Float32Array;
};

/** The weight tables by name, in a fixed order (the artifact format and the trainer use it). */
export const WEIGHT_TABLES = [
  "globalUserEmbedding",
  "userEmbedding",
  "historyEmbedding",
  "followEmbedding",
  "itemEmbedding",
  "categoryEmbedding",
  "creatorEmbedding",
  "tagEmbedding",
  "ageEmbedding",
  "itemBias",
  "categoryBias",
  "creatorBias",
  "ageBias",
] as const;
export type WeightTable = (typeof WEIGHT_TABLES)[number];

/** Sub-stream labels for the initial values of each table. */
const INIT_STREAM = { global: 1, history: 2, item: 3, category: 4, creator: 5, tag: 6, age: 7, follow: 8 } as const;

export function createTwoTowerModel(
  options: Pick<TwoTowerConfig, "users" | "items" | "categories" | "creators"> & Partial<TwoTowerConfig>,
  features: ItemFeatures,
  userFeatures?: UserFeatures,
): TwoTowerModel {
  const config: TwoTowerConfig = { ...DEFAULT_TWO_TOWER_CONFIG, ...options };
  const { items, dimensions: d } = config;
  if (features.category.length !== items || features.creator.length !== items) {
    throw new Error(`item features cover ${features.category.length}/${features.creator.length} items, the model has ${items}`);
  }
  const itemCategory = Int32Array.from(features.category);
  const itemCreator = Int32Array.from(features.creator);
  const itemTagOffsets = features.tagOffsets ? Int32Array.from(features.tagOffsets) : new Int32Array(items + 1);
  const itemTagIds = features.tagIds ? Int32Array.from(features.tagIds) : new Int32Array(0);
  const itemPublishedAtMs = features.publishedAtMs ? Float64Array.from(features.publishedAtMs) : new Float64Array(items).fill(Number.NaN);
  if (itemTagOffsets.length !== items + 1) throw new Error(`tagOffsets has ${itemTagOffsets.length} entries, expected ${items + 1}`);
  for (let item = 0; item < items; item += 1) {
    if (itemCategory[item]! < 0 || itemCategory[item]! >= config.categories) throw new Error(`item ${item}: category ${itemCategory[item]} out of range`);
    if (itemCreator[item]! < 0 || itemCreator[item]! >= config.creators) throw new Error(`item ${item}: creator ${itemCreator[item]} out of range`);
  }
  for (const tag of itemTagIds) if (tag < 0 || tag >= config.tags) throw new Error(`tag ${tag} out of range (tags: ${config.tags})`);
  const followOffsets = userFeatures?.followOffsets ?? new Int32Array(config.users + 1);
  const followCreators = userFeatures?.followCreators ?? new Int32Array(0);
  if (followOffsets.length !== config.users + 1) throw new Error(`followOffsets has ${followOffsets.length} entries, expected ${config.users + 1}`);
  for (const creator of followCreators) if (creator < 0 || creator >= config.creators) throw new Error(`followed creator ${creator} out of range`);

  const table = (rows: number, stream: number) => {
    const weights = new Float32Array(rows * d);
    const random = createRandom(deriveSeed(config.seed, stream));
    for (let index = 0; index < weights.length; index += 1) weights[index] = random.normal() * config.initScale;
    return weights;
  };
  return {
    config,
    itemCategory,
    itemCreator,
    itemTagOffsets,
    itemTagIds,
    itemPublishedAtMs,
    userFollowOffsets: followOffsets,
    userFollowCreators: followCreators,
    globalUserEmbedding: table(1, INIT_STREAM.global),
    userEmbedding: new Float32Array(config.users * d),
    historyEmbedding: table(items, INIT_STREAM.history),
    followEmbedding: table(config.creators, INIT_STREAM.follow),
    itemEmbedding: table(items, INIT_STREAM.item),
    categoryEmbedding: table(config.categories, INIT_STREAM.category),
    creatorEmbedding: table(config.creators, INIT_STREAM.creator),
    tagEmbedding: table(config.tags, INIT_STREAM.tag),
    ageEmbedding: table(config.ageBuckets, INIT_STREAM.age),
    itemBias: new Float32Array(items),
    categoryBias: new Float32Array(config.categories),
    creatorBias: new Float32Array(config.creators),
    ageBias: new Float32Array(config.ageBuckets),
  };
}

/** The age bucket of `item` at `timeMs`: ⌊log2(1 + days since publication)⌋, capped. */
export function ageBucket(model: TwoTowerModel, item: number, timeMs: number): number {
  const published = model.itemPublishedAtMs[item]!;
  const last = model.config.ageBuckets - 1;
  if (Number.isNaN(published)) return last;
  const days = (timeMs - published) / DAY_MS;
  if (!(days > 0)) return 0;
  return Math.min(last, Math.floor(Math.log2(1 + days)));
}

/** b(i, t): the item's bias at age bucket `age`. */
export function itemBias(model: TwoTowerModel, item: number, age: number): number {
  return model.itemBias[item]! + model.categoryBias[model.itemCategory[item]!]! + model.creatorBias[model.itemCreator[item]!]! + model.ageBias[age]!;
}

/**
 * Writes the item tower's pre-normalisation sum for `item` in age bucket `age` into
 * out[offset .. offset+d) and returns its norm (the caller divides, or keeps both for backprop).
 */
export function itemTowerRaw(model: TwoTowerModel, item: number, age: number, out: Float32Array, offset: number): number {
  const d = model.config.dimensions;
  const ids = model.itemEmbedding;
  const categories = model.categoryEmbedding;
  const creators = model.creatorEmbedding;
  const ages = model.ageEmbedding;
  const idOffset = item * d;
  const categoryOffset = model.itemCategory[item]! * d;
  const creatorOffset = model.itemCreator[item]! * d;
  const ageOffset = age * d;
  for (let c = 0; c < d; c += 1) {
    out[offset + c] = ids[idOffset + c]! + categories[categoryOffset + c]! + creators[creatorOffset + c]! + ages[ageOffset + c]!;
  }
  const tagStart = model.itemTagOffsets[item]!;
  const tagEnd = model.itemTagOffsets[item + 1]!;
  if (tagEnd > tagStart) {
    const weight = 1 / (tagEnd - tagStart);
    const tags = model.tagEmbedding;
    for (let t = tagStart; t < tagEnd; t += 1) {
      const rowOffset = model.itemTagIds[t]! * d;
      for (let c = 0; c < d; c += 1) out[offset + c] = out[offset + c]! + weight * tags[rowOffset + c]!;
    }
  }
  let squared = 0;
  for (let c = 0; c < d; c += 1) squared += out[offset + c]! * out[offset + c]!;
  return Math.sqrt(squared);
}

/**
 * The user tower's pre-normalisation sum: g, the user's id embedding and followed creators
 * (skipped when user < 0, e.g. a user who joined after training) and the mean history embedding
 * of history[start .. end).
 */
export function userTowerRaw(
  model: TwoTowerModel,
  user: number,
  history: ArrayLike<number>,
  start: number,
  end: number,
  out: Float32Array,
  offset: number,
): number {
  const d = model.config.dimensions;
  const global = model.globalUserEmbedding;
  if (user >= 0 && user < model.config.users) {
    const users = model.userEmbedding;
    const userOffset = user * d;
    for (let c = 0; c < d; c += 1) out[offset + c] = global[c]! + users[userOffset + c]!;
    const followStart = model.userFollowOffsets[user]!;
    const followEnd = model.userFollowOffsets[user + 1]!;
    if (followEnd > followStart) {
      const weight = 1 / (followEnd - followStart);
      const follows = model.followEmbedding;
      for (let f = followStart; f < followEnd; f += 1) {
        const rowOffset = model.userFollowCreators[f]! * d;
        for (let c = 0; c < d; c += 1) out[offset + c] = out[offset + c]! + weight * follows[rowOffset + c]!;
      }
    }
  } else {
    for (let c = 0; c < d; c += 1) out[offset + c] = global[c]!;
  }
  const pooled = end - start;
  if (pooled > 0) {
    const weight = 1 / pooled;
    const pool = model.historyEmbedding;
    for (let h = start; h < end; h += 1) {
      const rowOffset = history[h]! * d;
      for (let c = 0; c < d; c += 1) out[offset + c] = out[offset + c]! + weight * pool[rowOffset + c]!;
    }
  }
  let squared = 0;
  for (let c = 0; c < d; c += 1) squared += out[offset + c]! * out[offset + c]!;
  return Math.sqrt(squared);
}

/** Divides out[offset .. offset+d) by norm (leaves a zero vector as is). */
export function scaleInPlace(out: Float32Array, offset: number, d: number, norm: number): void {
  if (norm === 0) return;
  const inverse = 1 / norm;
  for (let c = 0; c < d; c += 1) out[offset + c] = out[offset + c]! * inverse;
}

/** Dimensions of the retrieval vectors: d + 1 (the bias coordinate). */
export function retrievalDimensions(model: TwoTowerModel): number {
  return model.config.dimensions + 1;
}

/**
 * Every item's retrieval vector as of `asOfMs` (items × (d+1)): [v̂, τ·b(i, asOf)]. This is what
 * the ANN index is built from; a user's retrieval vector · it = τ·score.
 */
export function computeItemVectors(model: TwoTowerModel, asOfMs: number = Date.now()): Float32Array {
  const d = model.config.dimensions;
  const width = d + 1;
  const vectors = new Float32Array(model.config.items * width);
  for (let item = 0; item < model.config.items; item += 1) {
    const age = ageBucket(model, item, asOfMs);
    const offset = item * width;
    scaleInPlace(vectors, offset, d, itemTowerRaw(model, item, age, vectors, offset));
    vectors[offset + d] = model.config.temperature * itemBias(model, item, age);
  }
  return vectors;
}

/**
 * The retrieval vector [û, 1] for `user` (or -1 for a user unknown to the model) given their
 * recent items, oldest first; only the last `historyLength` are pooled.
 */
export function computeUserVector(
  model: TwoTowerModel,
  user: number,
  recentItems: ArrayLike<number>,
  out: Float32Array = new Float32Array(model.config.dimensions + 1),
): Float32Array {
  const d = model.config.dimensions;
  const end = recentItems.length;
  const start = Math.max(0, end - model.config.historyLength);
  scaleInPlace(out, 0, d, userTowerRaw(model, user, recentItems, start, end, out, 0));
  out[d] = 1;
  return out;
}

/** scores[i] = query · vectors[i] for every row of a flat row-major matrix. */
export function dotAll(vectors: Float32Array, d: number, query: Float32Array, scores: Float32Array = new Float32Array(vectors.length / d)): Float32Array {
  const rows = vectors.length / d;
  for (let row = 0; row < rows; row += 1) {
    const offset = row * d;
    let sum = 0;
    for (let c = 0; c < d; c += 1) sum += vectors[offset + c]! * query[c]!;
    scores[row] = sum;
  }
  return scores;
}

// The two-tower retrieval model: a user tower and an item tower that map into one L2-normalised
// d-dimensional space, relevance = dot product (so retrieval is maximum inner product search over
// the item vectors, see annIndex.ts).
//
//   user tower   u = unit( g + E_user[user] + mean_{h ∈ recent items} E_history[h] )
//   item tower   v = unit( E_item[item] + E_category[category(item)] + E_creator[creator(item)] )
//
// Sums rather than concatenation + projection: with one shared d the sum is a projection whose
// weights are fixed to identity, costs nothing at serving time, and lets the category and creator
// embeddings carry items the id embedding has barely seen (new items, the long tail) — an item
// with no training events still lands near its category and creator. The history pool lets a
// user the model never saw in training (or saw little of) be placed by what they just consumed.
// g is one learned vector shared by every user: it is where a user with no id row and no history
// lands (it learns the "everyone" direction, i.e. what is popular), and the id rows start at zero
// so a user without training events is not a random point in the space.
// Everything is flat Float32Arrays, row r of a table at [r·d, (r+1)·d). Initialisation is
// deterministic from the seed (demo/random.ts), one independent sub-stream per table.
import { createRandom, deriveSeed } from "../demo/random.ts";

export type TwoTowerConfig = {
  /** Dimension d of the shared space. */
  dimensions: number;
  users: number;
  items: number;
  categories: number;
  creators: number;
  /** How many of a user's most recent items the user tower pools. */
  historyLength: number;
  seed: number;
  /** Standard deviation of the initial embedding entries. */
  initScale: number;
};

export const DEFAULT_TWO_TOWER_CONFIG = {
  dimensions: 32,
  historyLength: 20,
  seed: 42,
  initScale: 0.1,
} as const satisfies Partial<TwoTowerConfig>;

/** The item side features the item tower reads (per item index). */
export type ItemFeatures = {
  category: ArrayLike<number>;
  creator: ArrayLike<number>;
};

export type TwoTowerModel = {
  config: TwoTowerConfig;
  itemCategory: Int32Array;
  itemCreator: Int32Array;
  /** d: the shared user vector g. */
  globalUserEmbedding: Float32Array;
  /** users × d (initialised to zero, see above) */
  userEmbedding: Float32Array;
  /** items × d: the history pool's view of an item (separate from the item tower's id embedding). */
  historyEmbedding: Float32Array;
  /** items × d */
  itemEmbedding: Float32Array;
  /** categories × d */
  categoryEmbedding: Float32Array;
  /** creators × d */
  creatorEmbedding: Float32Array;
};

/** Sub-stream labels for the initial values of each table. */
const INIT_STREAM = { global: 1, history: 2, item: 3, category: 4, creator: 5 } as const;

export function createTwoTowerModel(
  options: Pick<TwoTowerConfig, "users" | "items" | "categories" | "creators"> & Partial<TwoTowerConfig>,
  features: ItemFeatures,
): TwoTowerModel {
  const config: TwoTowerConfig = { ...DEFAULT_TWO_TOWER_CONFIG, ...options };
  const { items, dimensions: d } = config;
  if (features.category.length !== items || features.creator.length !== items) {
    throw new Error(`item features cover ${features.category.length}/${features.creator.length} items, the model has ${items}`);
  }
  const itemCategory = Int32Array.from(features.category);
  const itemCreator = Int32Array.from(features.creator);
  for (let item = 0; item < items; item += 1) {
    if (itemCategory[item]! < 0 || itemCategory[item]! >= config.categories) throw new Error(`item ${item}: category ${itemCategory[item]} out of range`);
    if (itemCreator[item]! < 0 || itemCreator[item]! >= config.creators) throw new Error(`item ${item}: creator ${itemCreator[item]} out of range`);
  }
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
    globalUserEmbedding: table(1, INIT_STREAM.global),
    userEmbedding: new Float32Array(config.users * d),
    historyEmbedding: table(items, INIT_STREAM.history),
    itemEmbedding: table(items, INIT_STREAM.item),
    categoryEmbedding: table(config.categories, INIT_STREAM.category),
    creatorEmbedding: table(config.creators, INIT_STREAM.creator),
  };
}

/**
 * Writes the item tower's pre-normalisation sum for `item` into out[offset .. offset+d) and
 * returns its norm (the caller divides, or keeps both for backpropagation).
 */
export function itemTowerRaw(model: TwoTowerModel, item: number, out: Float32Array, offset: number): number {
  const d = model.config.dimensions;
  const ids = model.itemEmbedding;
  const categories = model.categoryEmbedding;
  const creators = model.creatorEmbedding;
  const idOffset = item * d;
  const categoryOffset = model.itemCategory[item]! * d;
  const creatorOffset = model.itemCreator[item]! * d;
  let squared = 0;
  for (let c = 0; c < d; c += 1) {
    const value = ids[idOffset + c]! + categories[categoryOffset + c]! + creators[creatorOffset + c]!;
    out[offset + c] = value;
    squared += value * value;
  }
  return Math.sqrt(squared);
}

/**
 * The user tower's pre-normalisation sum: the shared vector g, the user's id embedding (skipped
 * when user < 0, e.g. a user who joined after training) and the mean history embedding of history[start .. end).
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

/** The unit item vectors of every item, items × d (what the ANN index is built from). */
export function computeItemVectors(model: TwoTowerModel): Float32Array {
  const d = model.config.dimensions;
  const vectors = new Float32Array(model.config.items * d);
  for (let item = 0; item < model.config.items; item += 1) {
    scaleInPlace(vectors, item * d, d, itemTowerRaw(model, item, vectors, item * d));
  }
  return vectors;
}

/**
 * The unit user vector for `user` (or -1 for a user unknown to the model) given their recent
 * items, oldest first; only the last `historyLength` are pooled.
 */
export function computeUserVector(model: TwoTowerModel, user: number, recentItems: ArrayLike<number>, out: Float32Array = new Float32Array(model.config.dimensions)): Float32Array {
  const end = recentItems.length;
  const start = Math.max(0, end - model.config.historyLength);
  scaleInPlace(out, 0, model.config.dimensions, userTowerRaw(model, user, recentItems, start, end, out, 0));
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

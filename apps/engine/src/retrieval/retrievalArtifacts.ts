// The retrieval model's artifacts, in the container of artifactFile.ts:
//   two-tower.bin     kind "cascade.two-tower", v1: every weight table (WEIGHT_TABLES) + item
//                     metadata (category, creator, tags CSR, publication time) + follows CSR;
//                     meta: model config, userIds, itemIds, categoryNames, creatorIds, tagNames.
//                     Enough to embed any user at serving time (userVector).
//   item-vectors.bin  kind "cascade.item-vectors", v1: `vectors` (items × dimensions float32, the
//                     d+1-dim retrieval vectors [v̂, τ·b] as of meta.asOfMs); meta: dimensions,
//                     asOfMs, itemIds. What the HNSW index is built from.
import { join } from "node:path";
import { ArtifactError, readArtifactFile, writeArtifactFile, type ArtifactArray } from "./artifactFile.ts";
import { WEIGHT_TABLES, computeUserVector, type TwoTowerConfig, type TwoTowerModel } from "./twoTowerModel.ts";

export const TWO_TOWER_ARTIFACT = { kind: "cascade.two-tower", version: 1, file: "two-tower.bin" } as const;
export const ITEM_VECTORS_ARTIFACT = { kind: "cascade.item-vectors", version: 1, file: "item-vectors.bin" } as const;

export type RetrievalVocabulary = {
  userIds: string[];
  itemIds: string[];
  categoryNames: string[];
  creatorIds: string[];
  tagNames: string[];
};

export type SavedArtifact = { path: string; bytes: number; sha256: string };

/** The model with its id dictionaries: what serving needs to turn ids into a user vector. */
export type LoadedRetrievalModel = RetrievalVocabulary & {
  model: TwoTowerModel;
  /** The d+1-dim retrieval vector of a user (unknown user → id and follows skipped; unknown items ignored). */
  userVector(userId: string | null, recentItemIds: readonly string[]): Float32Array;
};

export type ItemVectors = { itemIds: string[]; dimensions: number; asOfMs: number; vectors: Float32Array };

const MODEL_ARRAYS = ["itemCategory", "itemCreator", "itemTagOffsets", "itemTagIds", "itemPublishedAtMs", "userFollowOffsets", "userFollowCreators"] as const;

export async function saveTwoTowerModel(directory: string, model: TwoTowerModel, vocabulary: RetrievalVocabulary): Promise<SavedArtifact> {
  const path = join(directory, TWO_TOWER_ARTIFACT.file);
  const arrays: Record<string, ArtifactArray> = {};
  for (const name of WEIGHT_TABLES) arrays[name] = model[name];
  for (const name of MODEL_ARRAYS) arrays[name] = model[name];
  const written = await writeArtifactFile(path, {
    kind: TWO_TOWER_ARTIFACT.kind,
    version: TWO_TOWER_ARTIFACT.version,
    meta: { config: model.config, ...vocabulary },
    arrays,
  });
  return { path, ...written };
}

export async function saveItemVectors(directory: string, vectors: ItemVectors): Promise<SavedArtifact> {
  const path = join(directory, ITEM_VECTORS_ARTIFACT.file);
  const written = await writeArtifactFile(path, {
    kind: ITEM_VECTORS_ARTIFACT.kind,
    version: ITEM_VECTORS_ARTIFACT.version,
    meta: { dimensions: vectors.dimensions, asOfMs: vectors.asOfMs, itemIds: vectors.itemIds },
    arrays: { vectors: vectors.vectors },
  });
  return { path, ...written };
}

function stringList(meta: Record<string, unknown>, key: string, path: string): string[] {
  const value = meta[key];
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === "string")) throw new ArtifactError(`${path}: meta.${key} is not a list of strings`);
  return value as string[];
}

export async function loadTwoTowerModel(path: string): Promise<LoadedRetrievalModel & { sha256: string }> {
  const file = await readArtifactFile(path, { kind: TWO_TOWER_ARTIFACT.kind, maxVersion: TWO_TOWER_ARTIFACT.version });
  const config = file.meta.config as TwoTowerConfig;
  const vocabulary: RetrievalVocabulary = {
    userIds: stringList(file.meta, "userIds", path),
    itemIds: stringList(file.meta, "itemIds", path),
    categoryNames: stringList(file.meta, "categoryNames", path),
    creatorIds: stringList(file.meta, "creatorIds", path),
    tagNames: stringList(file.meta, "tagNames", path),
  };
  const d = config.dimensions;
  const expectedLength: Record<string, number> = {
    globalUserEmbedding: d,
    userEmbedding: config.users * d,
    historyEmbedding: config.items * d,
    followEmbedding: config.creators * d,
    itemEmbedding: config.items * d,
    categoryEmbedding: config.categories * d,
    creatorEmbedding: config.creators * d,
    tagEmbedding: config.tags * d,
    ageEmbedding: config.ageBuckets * d,
    itemBias: config.items,
    categoryBias: config.categories,
    creatorBias: config.creators,
    ageBias: config.ageBuckets,
    itemCategory: config.items,
    itemCreator: config.items,
    itemTagOffsets: config.items + 1,
    itemPublishedAtMs: config.items,
    userFollowOffsets: config.users + 1,
  };
  for (const [name, length] of Object.entries(expectedLength)) {
    if (file.arrays[name]?.length !== length)
      throw new ArtifactError(`${path}: array ${name} has ${file.arrays[name]?.length ?? "no"} values, the config needs ${length}`);
  }
  if (vocabulary.userIds.length !== config.users || vocabulary.itemIds.length !== config.items) {
    throw new ArtifactError(
      `${path}: ${vocabulary.userIds.length} user ids / ${vocabulary.itemIds.length} item ids for a model of ${config.users} users / ${config.items} items`,
    );
  }
  const typed = <T extends ArtifactArray>(name: string, type: new (length: number) => T): T => {
    const array = file.arrays[name];
    if (!(array instanceof type)) throw new ArtifactError(`${path}: array ${name} is missing or of the wrong type (expected ${type.name})`);
    return array;
  };
  const f32 = (name: string) => typed(name, Float32Array);
  const i32 = (name: string) => typed(name, Int32Array);
  const model: TwoTowerModel = {
    config,
    itemCategory: i32("itemCategory"),
    itemCreator: i32("itemCreator"),
    itemTagOffsets: i32("itemTagOffsets"),
    itemTagIds: i32("itemTagIds"),
    itemPublishedAtMs: typed("itemPublishedAtMs", Float64Array),
    userFollowOffsets: i32("userFollowOffsets"),
    userFollowCreators: i32("userFollowCreators"),
    globalUserEmbedding: f32("globalUserEmbedding"),
    userEmbedding: f32("userEmbedding"),
    historyEmbedding: f32("historyEmbedding"),
    followEmbedding: f32("followEmbedding"),
    itemEmbedding: f32("itemEmbedding"),
    categoryEmbedding: f32("categoryEmbedding"),
    creatorEmbedding: f32("creatorEmbedding"),
    tagEmbedding: f32("tagEmbedding"),
    ageEmbedding: f32("ageEmbedding"),
    itemBias: f32("itemBias"),
    categoryBias: f32("categoryBias"),
    creatorBias: f32("creatorBias"),
    ageBias: f32("ageBias"),
  };
  return { ...withUserVector(model, vocabulary), sha256: file.sha256 };
}

export async function loadItemVectors(path: string): Promise<ItemVectors & { sha256: string }> {
  const file = await readArtifactFile(path, { kind: ITEM_VECTORS_ARTIFACT.kind, maxVersion: ITEM_VECTORS_ARTIFACT.version });
  const itemIds = stringList(file.meta, "itemIds", path);
  const dimensions = file.meta.dimensions;
  const asOfMs = file.meta.asOfMs;
  if (typeof dimensions !== "number" || !Number.isInteger(dimensions) || dimensions <= 0)
    throw new ArtifactError(`${path}: meta.dimensions is not a positive integer`);
  if (typeof asOfMs !== "number") throw new ArtifactError(`${path}: meta.asOfMs is not a number`);
  const vectors = file.arrays.vectors;
  if (!(vectors instanceof Float32Array) || vectors.length !== itemIds.length * dimensions) {
    throw new ArtifactError(`${path}: vectors hold ${vectors?.length ?? "no"} values, expected ${itemIds.length} × ${dimensions} float32`);
  }
  return { itemIds, dimensions, asOfMs, vectors, sha256: file.sha256 };
}

/** Wraps a model and its dictionaries with the id-level userVector. */
export function withUserVector(model: TwoTowerModel, vocabulary: RetrievalVocabulary): LoadedRetrievalModel {
  const userIndex = new Map(vocabulary.userIds.map((id, index) => [id, index]));
  const itemIndex = new Map(vocabulary.itemIds.map((id, index) => [id, index]));
  return {
    ...vocabulary,
    model,
    userVector(userId, recentItemIds) {
      const recent: number[] = [];
      for (const id of recentItemIds) {
        const index = itemIndex.get(id);
        if (index !== undefined) recent.push(index);
      }
      return computeUserVector(model, userId === null ? -1 : (userIndex.get(userId) ?? -1), recent);
    },
  };
}

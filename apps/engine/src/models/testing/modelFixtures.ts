// Test fixtures for model artifacts, built in the test (no committed binaries): ONNX rankers from a
// tiny multi-task ranker, hand-made ONNX graphs with odd shapes, retrieval artifacts over random
// unit vectors, item-to-item weights given as lists.
import { createRequire } from "node:module";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { onnx as OnnxProto } from "onnx-proto";
import { registerModelVersion, type Database, type ModelKind, type ModelVersion } from "@cascade/db";
import { createMultiTaskRanker } from "../../ranking/multiTaskRanker.ts";
import { exportRankerToOnnx } from "../../training/ranker/onnxExport.ts";
import { buildAnnIndex, saveAnnIndex } from "../../retrieval/annIndex.ts";
import { saveItemToItemModel } from "../../retrieval/itemToItemArtifacts.ts";
import type { ItemToItemWeights } from "../../retrieval/itemToItemModel.ts";
import { saveItemVectors, saveTwoTowerModel } from "../../retrieval/retrievalArtifacts.ts";
import { computeItemVectors, createTwoTowerModel } from "../../retrieval/twoTowerModel.ts";
import { storeTwoTowerArtifacts } from "../twoTowerArtifacts.ts";
import { storeArtifacts } from "../artifactStore.ts";
import { storePlainRetrieval } from "../plainRetrievalArtifacts.ts";

const { onnx } = createRequire(import.meta.url)("onnx-proto") as { onnx: typeof OnnxProto };

/** Registry features, so the fixtures pass the "features exist" check. */
export const FIXTURE_FEATURES = ["item_ctr_3d", "item_popularity_3d", "user_category_affinity", "context_hour_of_day"] as const;

export function rankerOnnx(featureNames: readonly string[] = FIXTURE_FEATURES, seed = 7, hiddenSizes: readonly number[] = [4]): Uint8Array {
  return exportRankerToOnnx(createMultiTaskRanker({ featureNames, hiddenSizes, seed }));
}

/**
 * y = x · W with x [batch, inputs] and y [batch, outputs] ("N" = dynamic), W all 0.5. For the shapes
 * exportRankerToOnnx never produces: fixed batch, several values per row.
 */
export function matmulOnnx(options: { batch: number | "N"; inputs: number; outputs: number; outputName?: string }): Uint8Array {
  const dim = (value: number | string) => (typeof value === "string" ? { dimParam: value } : { dimValue: value });
  const info = (name: string, shape: Array<number | string>) => ({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: shape.map(dim) } } },
  });
  const weights = new Float32Array(options.inputs * options.outputs).fill(0.5);
  const outputName = options.outputName ?? "y";
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 17 }],
    producerName: "cascade-test",
    graph: {
      name: "matmul",
      node: [{ opType: "MatMul", input: ["x", "w"], output: [outputName], name: "matmul" }],
      initializer: [{ name: "w", dims: [options.inputs, options.outputs], dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(weights.buffer) }],
      input: [info("x", [options.batch, options.inputs])],
      output: [info(outputName, [options.batch, options.outputs])],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Stores `bytes` as a ranker artifact and registers a candidate; `digest` overrides the real one. */
export async function registerRankerFixture(
  db: Database,
  dataDir: string,
  options: {
    kind?: Extract<ModelKind, "ranker" | "external_ranker">;
    name: string;
    bytes: Uint8Array;
    features?: readonly string[];
    outputs?: readonly string[];
    digest?: string;
  },
): Promise<ModelVersion> {
  const kind = options.kind ?? "ranker";
  const stored = await storeArtifacts({ dataDir, kind, files: [{ name: "model.onnx", bytes: options.bytes }] });
  return registerModelVersion(db, {
    kind,
    name: options.name,
    artifactPath: stored.files[0]!.path,
    artifactDigest: options.digest ?? stored.files[0]!.sha256,
    features: options.features ?? FIXTURE_FEATURES,
    outputs: options.outputs ?? ["p_click", "p_like", "watch_seconds"],
  });
}

/** Random unit vectors + HNSW index, stored and registered as a two_tower candidate. */
export async function registerRetrievalFixture(
  db: Database,
  dataDir: string,
  options: { name: string; items: number; dimensions: number; seed: number },
): Promise<ModelVersion> {
  let state = options.seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
  const vectors = new Float32Array(options.items * options.dimensions);
  for (let row = 0; row < options.items; row += 1) {
    let norm = 0;
    for (let c = 0; c < options.dimensions; c += 1) {
      const value = next();
      vectors[row * options.dimensions + c] = value;
      norm += value * value;
    }
    for (let c = 0; c < options.dimensions; c += 1) vectors[row * options.dimensions + c]! /= Math.sqrt(norm);
  }
  const scratch = await mkdtemp(join(tmpdir(), "cascade-index-"));
  try {
    const indexFile = join(scratch, "index.hnsw");
    await saveAnnIndex(buildAnnIndex(vectors, options.dimensions, { m: 8, efConstruction: 50, efSearch: 50 }), indexFile);
    const itemIds = Array.from({ length: options.items }, (_, index) => `item-${index}`);
    const stored = await storePlainRetrieval({ dataDir, itemIds, vectors, dimensions: options.dimensions, indexFile });
    return registerModelVersion(db, {
      kind: "two_tower",
      name: options.name,
      artifactPath: stored.artifactPath,
      artifactDigest: stored.artifactDigest,
      indexPath: stored.indexPath,
      indexDigest: stored.indexDigest,
      config: stored.config,
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * A tiny untrained two-tower model saved in the trainer's format (two-tower.bin, item-vectors.bin)
 * plus its HNSW index, stored and registered as a two_tower candidate.
 */
export async function registerTwoTowerFixture(db: Database, dataDir: string, options: { name: string; items: number; seed: number }): Promise<ModelVersion> {
  const users = 4;
  const model = createTwoTowerModel(
    { users, items: options.items, categories: 3, creators: 2, dimensions: 8, seed: options.seed },
    { category: Array.from({ length: options.items }, (_, item) => item % 3), creator: Array.from({ length: options.items }, (_, item) => item % 2) },
  );
  const vocabulary = {
    userIds: Array.from({ length: users }, (_, user) => `user-${user}`),
    itemIds: Array.from({ length: options.items }, (_, item) => `item-${item}`),
    categoryNames: ["a", "b", "c"],
    creatorIds: ["creator-0", "creator-1"],
    tagNames: [],
  };
  const vectors = computeItemVectors(model);
  const dimensions = vectors.length / options.items;
  const scratch = await mkdtemp(join(tmpdir(), "cascade-two-tower-"));
  try {
    const saved = await saveTwoTowerModel(scratch, model, vocabulary);
    const savedVectors = await saveItemVectors(scratch, { itemIds: vocabulary.itemIds, dimensions, asOfMs: 0, vectors });
    const indexFile = join(scratch, "index.hnsw");
    await saveAnnIndex(buildAnnIndex(vectors, dimensions, { m: 8, efConstruction: 50, efSearch: 50 }), indexFile);
    const stored = await storeTwoTowerArtifacts({ dataDir, modelFile: saved.path, itemVectorsFile: savedVectors.path, indexFile });
    return registerModelVersion(db, {
      kind: "two_tower",
      name: options.name,
      artifactPath: stored.artifactPath,
      artifactDigest: stored.artifactDigest,
      indexPath: stored.indexPath,
      indexDigest: stored.indexDigest,
      config: stored.config,
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * An item-to-item model from `neighbours` (item id → [neighbour id, weight] strongest first) saved
 * as item-to-item.bin, stored and registered as an item_item candidate.
 */
export async function registerItemToItemFixture(
  db: Database,
  dataDir: string,
  options: { name: string; neighbours: Record<string, [string, number][]> },
): Promise<ModelVersion> {
  const itemIds = [...new Set([...Object.keys(options.neighbours), ...Object.values(options.neighbours).flatMap((list) => list.map(([id]) => id))])].sort();
  const rowOf = new Map(itemIds.map((id, row) => [id, row]));
  const offsets = new Int32Array(itemIds.length + 1);
  const ids: number[] = [];
  const weights: number[] = [];
  itemIds.forEach((id, row) => {
    for (const [neighbour, weight] of options.neighbours[id] ?? []) {
      ids.push(rowOf.get(neighbour)!);
      weights.push(weight);
    }
    offsets[row + 1] = ids.length;
  });
  const model: ItemToItemWeights = { method: "knn", items: itemIds.length, offsets, neighbours: Int32Array.from(ids), weights: Float32Array.from(weights) };
  const scratch = await mkdtemp(join(tmpdir(), "cascade-item-to-item-"));
  try {
    const saved = await saveItemToItemModel(scratch, model, itemIds);
    const stored = await storeArtifacts({ dataDir, kind: "item_item", files: [{ name: "item-to-item.bin", sourcePath: saved.path }] });
    return registerModelVersion(db, { kind: "item_item", name: options.name, artifactPath: stored.files[0]!.path, artifactDigest: stored.files[0]!.sha256 });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

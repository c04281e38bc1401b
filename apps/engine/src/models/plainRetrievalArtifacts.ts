// A plain retrieval version (item vectors + index, no user tower), as the registry records it —
// for retrieval models built outside the two-tower trainer, and for tests (trained two-tower
// versions use twoTowerArtifacts.ts):
//   artifactPath  item vectors: raw little-endian float32, row-major, itemCount × dimensions
//   indexPath     the HNSW index over those rows (annIndex.ts; label r = row r)
//   config        { dimensions, itemCount, itemIdsPath, itemIdsDigest } — item ids, row order, as a
//                 JSON array of strings in a file beside the vectors
// Loading verifies every digest and that the three agree (same row count, same dimensions), so a
// truncated or mismatched artifact is refused before it can serve. The retrieval training code may
// store richer models (e.g. the user tower) and plug its own loader into activeModels instead.
import type { ModelVersion } from "@cascade/db";
import { z } from "zod";
import type { AnnSearcher } from "../retrieval/annIndex.ts";
import { loadServingAnnIndex } from "../retrieval/annSearchThread.ts";
import { assertDigest, readArtifact, storeArtifacts, verifyArtifact, type StoredArtifacts } from "./artifactStore.ts";
import { IncompatibleArtifactError } from "./incompatibleArtifactError.ts";
import type { ServingRetrieval } from "./servingModels.ts";

export const ITEM_VECTORS_FILE = "item_vectors.f32";
export const ITEM_IDS_FILE = "item_ids.json";
export const ANN_INDEX_FILE = "index.hnsw";

export const retrievalArtifactConfig = z.object({
  dimensions: z.number().int().positive(),
  itemCount: z.number().int().nonnegative(),
  itemIdsPath: z.string().min(1),
  itemIdsDigest: z.string().regex(/^[a-f0-9]{64}$/),
});
export type RetrievalArtifactConfig = z.infer<typeof retrievalArtifactConfig>;

/** Stores vectors, ids and a saved index file; returns what registerModelVersion needs. */
export async function storePlainRetrieval(input: {
  dataDir: string;
  itemIds: readonly string[];
  vectors: Float32Array;
  dimensions: number;
  /** path of an index written by saveAnnIndex */
  indexFile: string;
  key?: string;
}): Promise<{
  stored: StoredArtifacts;
  artifactPath: string;
  artifactDigest: string;
  indexPath: string;
  indexDigest: string;
  config: RetrievalArtifactConfig;
}> {
  if (input.vectors.length !== input.itemIds.length * input.dimensions) {
    throw new IncompatibleArtifactError(`${input.vectors.length} vector values are not ${input.itemIds.length} items × ${input.dimensions} dimensions`);
  }
  const vectorBytes = new Uint8Array(input.vectors.buffer, input.vectors.byteOffset, input.vectors.byteLength);
  const stored = await storeArtifacts({
    dataDir: input.dataDir,
    kind: "two_tower",
    ...(input.key ? { key: input.key } : {}),
    files: [
      { name: ITEM_VECTORS_FILE, bytes: vectorBytes },
      { name: ITEM_IDS_FILE, bytes: JSON.stringify(input.itemIds) },
      { name: ANN_INDEX_FILE, sourcePath: input.indexFile },
    ],
  });
  const file = (name: string) => stored.files.find((entry) => entry.name === name)!;
  return {
    stored,
    artifactPath: file(ITEM_VECTORS_FILE).path,
    artifactDigest: file(ITEM_VECTORS_FILE).sha256,
    indexPath: file(ANN_INDEX_FILE).path,
    indexDigest: file(ANN_INDEX_FILE).sha256,
    config: { dimensions: input.dimensions, itemCount: input.itemIds.length, itemIdsPath: file(ITEM_IDS_FILE).path, itemIdsDigest: file(ITEM_IDS_FILE).sha256 },
  };
}

/** Verifies and loads a retrieval version stored by storePlainRetrieval. */
export async function loadPlainRetrieval(version: ModelVersion): Promise<ServingRetrieval> {
  const parsed = retrievalArtifactConfig.safeParse(version.config);
  if (!parsed.success)
    throw new IncompatibleArtifactError(`model ${version.id}: config lacks the retrieval artifact fields (${parsed.error.issues[0]?.message ?? "invalid"})`);
  const config = parsed.data;
  if (!version.indexPath || !version.indexDigest) throw new IncompatibleArtifactError(`model ${version.id}: a retrieval version needs an index artifact`);
  await verifyArtifact(version.indexPath, version.indexDigest);
  const vectorFile = await readArtifact(version.artifactPath);
  assertDigest(version.artifactPath, vectorFile, version.artifactDigest);
  const idsFile = await readArtifact(config.itemIdsPath);
  assertDigest(config.itemIdsPath, idsFile, config.itemIdsDigest);
  const itemIds = z.array(z.string()).parse(JSON.parse(idsFile.toString("utf8")));
  if (vectorFile.byteLength !== config.itemCount * config.dimensions * 4 || itemIds.length !== config.itemCount) {
    throw new IncompatibleArtifactError(
      `model ${version.id}: ${vectorFile.byteLength} vector bytes and ${itemIds.length} ids do not match ${config.itemCount} items × ${config.dimensions} dimensions`,
    );
  }
  // Copy into an aligned buffer: readFile's Buffer may sit at an offset not divisible by 4.
  const vectors = new Float32Array(config.itemCount * config.dimensions);
  new Uint8Array(vectors.buffer).set(vectorFile);
  let index: AnnSearcher;
  try {
    index = await loadServingAnnIndex(version.indexPath, config.dimensions);
  } catch (error) {
    throw new IncompatibleArtifactError(`model ${version.id}: the HNSW index does not load (${error instanceof Error ? error.message : String(error)})`);
  }
  if (index.count !== config.itemCount)
    throw new IncompatibleArtifactError(`model ${version.id}: the index holds ${index.count} items, the vectors ${config.itemCount}`);
  return { dimensions: config.dimensions, itemIds, vectors, index };
}

// A trained two-tower version in the registry (the format of retrieval/retrievalArtifacts.ts):
//   artifactPath / artifactDigest   two-tower.bin  (weights + id dictionaries: embeds users)
//   indexPath / indexDigest         the HNSW index over the item vectors' rows (annIndex.ts)
//   config.itemVectorsPath / config.itemVectorsDigest   item-vectors.bin
// Loading checks every digest against the registry and that the three files describe the same
// items, so a corrupt or mismatched set is refused before it serves.
import { basename } from "node:path";
import type { ModelVersion } from "@cascade/db";
import { z } from "zod";
import type { AnnSearcher } from "../retrieval/annIndex.ts";
import { loadServingAnnIndex } from "../retrieval/annSearchThread.ts";
import { ITEM_VECTORS_ARTIFACT, TWO_TOWER_ARTIFACT, loadItemVectors, loadTwoTowerModel } from "../retrieval/retrievalArtifacts.ts";
import { ArtifactError, storeArtifacts, verifyArtifact } from "./artifactStore.ts";
import { IncompatibleArtifactError } from "./incompatibleArtifactError.ts";
import { ANN_INDEX_FILE } from "./plainRetrievalArtifacts.ts";
import type { ServingRetrieval } from "./servingModels.ts";

export const twoTowerArtifactConfig = z.object({
  itemVectorsPath: z.string().min(1),
  itemVectorsDigest: z.string().regex(/^[a-f0-9]{64}$/),
});

/** True when a two_tower version's config names an item-vectors file (this format). */
export function isTwoTowerArtifactConfig(config: unknown): boolean {
  return twoTowerArtifactConfig.safeParse(config).success;
}

export type StoredTwoTowerArtifacts = {
  dir: string;
  artifactPath: string;
  artifactDigest: string;
  indexPath: string;
  indexDigest: string;
  /** merge into the version's config */
  config: z.infer<typeof twoTowerArtifactConfig>;
};

/**
 * Copies two-tower.bin, item-vectors.bin and an index file (saveAnnIndex) into a new artifact
 * directory; the result's fields go straight into registerModelVersion (kind two_tower).
 */
export async function storeTwoTowerArtifacts(input: {
  dataDir: string;
  modelFile: string;
  itemVectorsFile: string;
  indexFile: string;
  key?: string;
}): Promise<StoredTwoTowerArtifacts> {
  const stored = await storeArtifacts({
    dataDir: input.dataDir,
    kind: "two_tower",
    ...(input.key ? { key: input.key } : {}),
    files: [
      { name: TWO_TOWER_ARTIFACT.file, sourcePath: input.modelFile },
      { name: ITEM_VECTORS_ARTIFACT.file, sourcePath: input.itemVectorsFile },
      { name: ANN_INDEX_FILE, sourcePath: input.indexFile },
    ],
  });
  const [model, vectors, index] = stored.files as [(typeof stored.files)[0], (typeof stored.files)[0], (typeof stored.files)[0]];
  return {
    dir: stored.dir,
    artifactPath: model.path,
    artifactDigest: model.sha256,
    indexPath: index.path,
    indexDigest: index.sha256,
    config: { itemVectorsPath: vectors.path, itemVectorsDigest: vectors.sha256 },
  };
}

/** Verifies and loads a two_tower version stored by storeTwoTowerArtifacts. */
export async function loadTwoTowerRetrieval(version: ModelVersion): Promise<ServingRetrieval> {
  const config = twoTowerArtifactConfig.parse(version.config);
  if (!version.indexPath || !version.indexDigest) throw new IncompatibleArtifactError(`model ${version.id}: a retrieval version needs an index artifact`);
  const model = await readChecked(version.artifactPath, version.artifactDigest, loadTwoTowerModel);
  const vectors = await readChecked(config.itemVectorsPath, config.itemVectorsDigest, loadItemVectors);
  await verifyArtifact(version.indexPath, version.indexDigest);
  if (model.itemIds.length !== vectors.itemIds.length || model.itemIds.some((id, row) => id !== vectors.itemIds[row])) {
    throw new IncompatibleArtifactError(
      `model ${version.id}: the item vectors (${vectors.itemIds.length} items) are not those of the model (${model.itemIds.length} items)`,
    );
  }
  let index: AnnSearcher;
  try {
    index = await loadServingAnnIndex(version.indexPath, vectors.dimensions);
  } catch (error) {
    throw new IncompatibleArtifactError(`model ${version.id}: the HNSW index does not load (${error instanceof Error ? error.message : String(error)})`);
  }
  if (index.count !== vectors.itemIds.length)
    throw new IncompatibleArtifactError(`model ${version.id}: the index holds ${index.count} items, the vectors ${vectors.itemIds.length}`);
  return { dimensions: vectors.dimensions, itemIds: vectors.itemIds, vectors: vectors.vectors, index, model };
}

/** Reads with the retrieval code's reader (which hashes as it reads) and compares to the registry's digest. */
export async function readChecked<T extends { sha256: string }>(path: string, expectedSha256: string, read: (path: string) => Promise<T>): Promise<T> {
  let contents: T;
  try {
    contents = await read(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new ArtifactError("missing", `artifact ${path} does not exist`);
    throw new IncompatibleArtifactError(
      `${basename(path)} is not a valid artifact: ${error instanceof Error ? error.message.replace(path, basename(path)) : String(error)}`,
    );
  }
  if (contents.sha256 !== expectedSha256.toLowerCase()) {
    throw new ArtifactError("digest_mismatch", `artifact ${path} is corrupt: sha256 ${contents.sha256} differs from the registered ${expectedSha256}`);
  }
  return contents;
}

// The item-to-item model's artifact, in the container of artifactFile.ts:
//   item-to-item.bin  kind "cascade.item-to-item", v1: `offsets` (int32, items + 1), `neighbours`
//                     (int32 item rows) and `weights` (float32), item j's neighbours being
//                     neighbours[offsets[j] .. offsets[j+1]) strongest first (itemToItemModel.ts);
//                     meta: method ("ease" | "knn"), itemIds (row → item id), and retrievalNeighbours
//                     when rows hold more weights than retrieval reads (the rest re-score candidates).
// Loading checks the CSR is well formed (offsets start at 0, never decrease, end at the array
// lengths; every neighbour a valid row; every weight finite), so a damaged file is refused before
// a source reads past an array.
import { join } from "node:path";
import { ArtifactError, readArtifactFile, writeArtifactFile } from "./artifactFile.ts";
import type { ItemToItemWeights } from "./itemToItemModel.ts";
import type { SavedArtifact } from "./retrievalArtifacts.ts";

export const ITEM_TO_ITEM_ARTIFACT = { kind: "cascade.item-to-item", version: 1, file: "item-to-item.bin" } as const;

/** The weights with their id dictionary: what the itemToItem source serves from. */
export type LoadedItemToItemModel = ItemToItemWeights & { itemIds: readonly string[] };

export async function saveItemToItemModel(directory: string, model: ItemToItemWeights, itemIds: readonly string[]): Promise<SavedArtifact> {
  if (itemIds.length !== model.items) throw new Error(`saveItemToItemModel: ${itemIds.length} item ids for a model of ${model.items} items`);
  const path = join(directory, ITEM_TO_ITEM_ARTIFACT.file);
  const written = await writeArtifactFile(path, {
    kind: ITEM_TO_ITEM_ARTIFACT.kind,
    version: ITEM_TO_ITEM_ARTIFACT.version,
    meta: { method: model.method, itemIds, ...(model.retrievalNeighbours !== undefined ? { retrievalNeighbours: model.retrievalNeighbours } : {}) },
    arrays: { offsets: model.offsets, neighbours: model.neighbours, weights: model.weights },
  });
  return { path, ...written };
}

export async function loadItemToItemModel(path: string): Promise<LoadedItemToItemModel & { sha256: string }> {
  const file = await readArtifactFile(path, { kind: ITEM_TO_ITEM_ARTIFACT.kind, maxVersion: ITEM_TO_ITEM_ARTIFACT.version });
  const fail = (problem: string): never => {
    throw new ArtifactError(`${path}: ${problem}`);
  };
  const { method, itemIds } = file.meta;
  if (method !== "ease" && method !== "knn") fail(`meta.method is ${JSON.stringify(method)}, expected "ease" or "knn"`);
  if (!Array.isArray(itemIds) || !itemIds.every((id) => typeof id === "string")) fail("meta.itemIds is not a list of strings");
  const ids = itemIds as string[];
  const { retrievalNeighbours } = file.meta;
  if (retrievalNeighbours !== undefined && !(Number.isInteger(retrievalNeighbours) && (retrievalNeighbours as number) > 0))
    fail(`meta.retrievalNeighbours is ${JSON.stringify(retrievalNeighbours)}, expected a positive integer`);
  const { offsets, neighbours, weights } = file.arrays;
  if (!(offsets instanceof Int32Array) || offsets.length !== ids.length + 1)
    fail(`offsets must be ${ids.length + 1} int32 values (items + 1), found ${offsets?.length ?? "none"}`);
  if (!(neighbours instanceof Int32Array)) fail("neighbours must be int32");
  if (!(weights instanceof Float32Array) || weights.length !== neighbours!.length)
    fail(`weights must be float32, one per neighbour (${neighbours!.length}), found ${weights?.length ?? "none"}`);
  const o = offsets as Int32Array;
  const n = neighbours as Int32Array;
  const w = weights as Float32Array;
  if (o[0] !== 0 || o[ids.length] !== n.length) fail(`offsets must run from 0 to ${n.length}, found ${o[0]} … ${o[ids.length]}`);
  for (let j = 0; j < ids.length; j++) if (o[j + 1]! < o[j]!) fail(`offsets decrease at item ${j}`);
  for (let x = 0; x < n.length; x++) {
    if (!(n[x]! >= 0 && n[x]! < ids.length)) fail(`neighbour ${x} is row ${n[x]}, outside [0, ${ids.length})`);
    if (!Number.isFinite(w[x]!)) fail(`weight ${x} is not finite`);
  }
  return {
    method: method as "ease" | "knn",
    items: ids.length,
    itemIds: ids,
    offsets: o,
    neighbours: n,
    weights: w,
    ...(retrievalNeighbours !== undefined ? { retrievalNeighbours: retrievalNeighbours as number } : {}),
    sha256: file.sha256,
  };
}

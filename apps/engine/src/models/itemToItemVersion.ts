// An item_item version in the registry: artifactPath / artifactDigest name item-to-item.bin
// (retrieval/itemToItemArtifacts.ts), stored by `cascade train`. Loading checks the digest against
// the registry and the file's own structure, so a corrupt or foreign file is refused before the
// itemToItem source reads it.
import type { ModelVersion } from "@cascade/db";
import { loadItemToItemModel } from "../retrieval/itemToItemArtifacts.ts";
import { IncompatibleArtifactError } from "./incompatibleArtifactError.ts";
import type { ServingItemToItem } from "./servingModels.ts";
import { readChecked } from "./twoTowerArtifacts.ts";
import { rowsOfItemIds } from "./retrievalRows.ts";

export async function loadItemToItemVersion(version: ModelVersion): Promise<ServingItemToItem> {
  if (version.kind !== "item_item") throw new IncompatibleArtifactError(`model ${version.id} is a ${version.kind}, not an item-to-item model`);
  const { sha256: _sha256, ...model } = await readChecked(version.artifactPath, version.artifactDigest, loadItemToItemModel);
  return { ...model, rowOf: rowsOfItemIds(model.itemIds) };
}

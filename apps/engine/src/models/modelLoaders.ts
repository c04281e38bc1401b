// Turning a registry row into a servable model: read the artifact, check its digest, check it fits
// this engine (feature names it can supply, the input/output contract), load it. Every failure is
// an error with a readable message; activeModels refuses the version and keeps the old one.
import type { ModelVersion } from "@cascade/db";
import { RANKER_OUTPUTS } from "../ranking/multiTaskRanker.ts";
import { loadServingOnnxRanker } from "../ranking/rankerThread.ts";
import { assertDigest, readArtifact } from "./artifactStore.ts";
import { loadExternalRanker, unservableFeatures } from "./externalRanker.ts";
import { IncompatibleArtifactError } from "./incompatibleArtifactError.ts";
import { loadPlainRetrieval } from "./plainRetrievalArtifacts.ts";
import { isTwoTowerArtifactConfig, loadTwoTowerRetrieval } from "./twoTowerArtifacts.ts";
import { loadItemToItemVersion } from "./itemToItemVersion.ts";
import { retrievalRows } from "./retrievalRows.ts";
import type { ServingRanker } from "../ranking/servingRanker.ts";
import type { ServingItemToItem, ServingRetrieval } from "./servingModels.ts";

export type ModelLoaders = {
  retrieval(version: ModelVersion): Promise<ServingRetrieval>;
  ranker(version: ModelVersion): Promise<ServingRanker>;
  itemToItem(version: ModelVersion): Promise<ServingItemToItem>;
};

export async function loadRankerVersion(version: ModelVersion): Promise<ServingRanker> {
  if (version.kind === "two_tower" || version.kind === "item_item")
    throw new IncompatibleArtifactError(`model ${version.id} is a retrieval model (${version.kind}), not a ranker`);
  if (version.features.length === 0) throw new IncompatibleArtifactError(`model ${version.id} declares no input features`);
  const unknown = unservableFeatures(version.features);
  if (unknown.length > 0) throw new IncompatibleArtifactError(`model ${version.id} needs features this engine does not compute: ${unknown.join(", ")}`);
  const bytes = await readArtifact(version.artifactPath);
  assertDigest(version.artifactPath, bytes, version.artifactDigest);
  if (version.kind === "external_ranker") {
    return loadExternalRanker(bytes, { features: version.features, outputs: version.outputs });
  }
  const ranker = await loadServingOnnxRanker(bytes, { featureCount: version.features.length });
  const [click, like, watch] = RANKER_OUTPUTS;
  return {
    featureNames: [...version.features],
    outputs: [...RANKER_OUTPUTS],
    async score(features, rows) {
      const scores = await ranker.score(features, rows);
      return { [click]: scores.pClick, [like]: scores.pLike, [watch]: scores.watchSeconds };
    },
    release: () => ranker.release(),
  };
}

/** Trained two-tower versions (twoTowerArtifacts.ts), or plain vectors + index (plainRetrievalArtifacts.ts). */
export async function loadRetrievalVersion(version: ModelVersion): Promise<ServingRetrieval> {
  if (version.kind !== "two_tower") throw new IncompatibleArtifactError(`model ${version.id} is a ${version.kind}, not a retrieval model`);
  const retrieval = await (isTwoTowerArtifactConfig(version.config) ? loadTwoTowerRetrieval(version) : loadPlainRetrieval(version));
  retrievalRows(retrieval); // at load, not inside the first request's budget
  return retrieval;
}

export const defaultModelLoaders: ModelLoaders = {
  retrieval: loadRetrievalVersion,
  ranker: loadRankerVersion,
  itemToItem: loadItemToItemVersion,
};

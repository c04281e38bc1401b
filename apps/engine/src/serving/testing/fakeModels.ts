// Models for serving tests, built in memory: a ranker whose predictions are a known function of
// its inputs (so a test can check the ranker saw the hydrated features in its declared column
// order), and a vector-only retrieval version with a real HNSW index.
import { buildAnnIndex } from "../../retrieval/annIndex.ts";
import type { ServingRetrieval } from "../../models/servingModels.ts";
import type { ServingRanker } from "../../ranking/servingRanker.ts";
import type { ServingModels } from "../servingStack.ts";

export const FAKE_RANKER_FEATURES = ["item_trending_6h", "retrieval_score", "position", "item_ctr_3d"] as const;

/** p_click = trending / (1 + trending), p_like = ctr; throws when `failing` is set. */
export function fakeRanker(options: { failing?: boolean } = {}): ServingRanker & { calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    featureNames: [...FAKE_RANKER_FEATURES],
    outputs: ["p_click", "p_like"],
    async score(features, rows) {
      calls.push(rows);
      if (options.failing) throw new Error("onnx session failed");
      const width = FAKE_RANKER_FEATURES.length;
      const click = new Float32Array(rows);
      const like = new Float32Array(rows);
      for (let row = 0; row < rows; row += 1) {
        const trending = features[row * width]!;
        click[row] = trending / (1 + trending);
        like[row] = features[row * width + 3]!;
      }
      return { p_click: click, p_like: like };
    },
    release: async () => undefined,
  };
}

/** Unit vectors on 4 axes: item k points along axis k % 4 (items sharing an axis are neighbours). */
export function fakeRetrieval(itemIds: readonly string[]): ServingRetrieval {
  const dimensions = 4;
  const vectors = new Float32Array(itemIds.length * dimensions);
  itemIds.forEach((_, row) => {
    vectors[row * dimensions + (row % dimensions)] = 1;
  });
  return { dimensions, itemIds, vectors, index: buildAnnIndex(vectors, dimensions, { m: 8, efConstruction: 50, efSearch: 50 }) };
}

export function fakeModels(parts: { ranker?: ServingRanker; retrieval?: ServingRetrieval; refusedSlot?: "ranker" | "retrieval" }): ServingModels {
  return {
    status: () => (parts.refusedSlot ? { lastError: { slot: parts.refusedSlot, message: "an artifact file is missing" } } : {}),
    ranker: () => (parts.ranker ? { model: parts.ranker, version: { id: "ranker-test-1" } } : null),
    retrieval: () => (parts.retrieval ? { model: parts.retrieval, version: { id: "retrieval-test-1" } } : null),
  };
}

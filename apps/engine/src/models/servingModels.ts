// What the engine serves with once a model version is loaded: rankers (ranking/servingRanker.ts),
// retrieval versions (vectors and their index) and item-to-item tables.
import type { ModelVersion } from "@cascade/db";
import type { AnnSearcher } from "../retrieval/annIndex.ts";
import type { LoadedItemToItemModel } from "../retrieval/itemToItemArtifacts.ts";

/**
 * A loaded retrieval version: item vectors (row r ↔ itemIds[r]) and their HNSW index. `model`
 * carries whatever else the retrieval code needs to embed users (e.g. the user tower).
 */
export type ServingRetrieval = {
  readonly dimensions: number;
  readonly itemIds: readonly string[];
  readonly vectors: Float32Array;
  /** Searched by the `ann` source: in this thread, or in the ANN search thread (retrieval/annSearchThread.ts). */
  readonly index: AnnSearcher;
  readonly model?: unknown;
};

/** A loaded item-to-item version: its CSR weights and ids, and the row of each item id. */
export type ServingItemToItem = LoadedItemToItemModel & { readonly rowOf: ReadonlyMap<string, number> };

/** A version in service: what was loaded, and when. */
export type LoadedModel<T> = { readonly version: ModelVersion; readonly loadedAt: Date; readonly model: T };

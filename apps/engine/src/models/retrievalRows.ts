// The row of each item id in a served retrieval model (its vectors and index are by row), built
// once per loaded model. The model loader builds it when a version is loaded, so no request pays
// for it: built lazily on the first request, a 1M-item catalogue stalled that request's event loop
// for ~0.85 s (the cold-start tail of the latency bench). Filled by a loop, not
// `new Map(ids.map((id, row) => [id, row]))`, which also allocates a pair per item (2.4× slower).
import type { ServingRetrieval } from "./servingModels.ts";

const rowsByModel = new WeakMap<ServingRetrieval, ReadonlyMap<string, number>>();

/** Item id → row, one map per id list. */
export function rowsOfItemIds(itemIds: readonly string[]): ReadonlyMap<string, number> {
  const rows = new Map<string, number>();
  for (let row = 0; row < itemIds.length; row += 1) rows.set(itemIds[row]!, row);
  return rows;
}

/** The retrieval model's item id → row map; built on first use and kept as long as the model. */
export function retrievalRows(retrieval: ServingRetrieval): ReadonlyMap<string, number> {
  let rows = rowsByModel.get(retrieval);
  if (!rows) {
    rows = rowsOfItemIds(retrieval.itemIds);
    rowsByModel.set(retrieval, rows);
  }
  return rows;
}

/** Whether the model's row map is already built (the loader builds it at load). */
export function hasRetrievalRows(retrieval: ServingRetrieval): boolean {
  return rowsByModel.has(retrieval);
}

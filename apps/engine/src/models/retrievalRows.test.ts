import { describe, expect, it } from "vitest";
import { buildAnnIndex } from "../retrieval/annIndex.ts";
import { hasRetrievalRows, retrievalRows, rowsOfItemIds } from "./retrievalRows.ts";
import type { ServingRetrieval } from "./servingModels.ts";

describe("retrieval rows", () => {
  it("maps every item id to its row; a repeated id keeps its last row, as Map construction did", () => {
    const rows = rowsOfItemIds(["a", "b", "c", "b"]);
    expect([...rows.entries()]).toEqual([
      ["a", 0],
      ["b", 3],
      ["c", 2],
    ]);
  });

  it("is built once per model and shared by every later call", () => {
    const vectors = Float32Array.from([1, 0, 0, 1]);
    const retrieval: ServingRetrieval = { dimensions: 2, itemIds: ["x", "y"], vectors, index: buildAnnIndex(vectors, 2) };
    expect(hasRetrievalRows(retrieval)).toBe(false);
    const first = retrievalRows(retrieval);
    expect(hasRetrievalRows(retrieval)).toBe(true);
    expect(retrievalRows(retrieval)).toBe(first);
    expect(first.get("y")).toBe(1);
    const other = { ...retrieval, itemIds: ["y", "x"] };
    expect(retrievalRows(other).get("y")).toBe(0);
  });
});

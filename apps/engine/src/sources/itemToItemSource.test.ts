import { describe, expect, it } from "vitest";
import { query } from "../funnel/testing/funnelFixtures.ts";
import type { ServingItemToItem } from "../models/servingModels.ts";
import { candidate } from "../funnel/testing/funnelFixtures.ts";
import { itemToItemScorer, itemToItemSource, seedItemIds } from "./itemToItemSource.ts";

const signal = new AbortController().signal;

/** A served model from item id → [neighbour id, weight] lists (strongest first). */
function servingModel(neighbours: Record<string, [string, number][]>): ServingItemToItem {
  const itemIds = [...new Set([...Object.keys(neighbours), ...Object.values(neighbours).flatMap((list) => list.map(([id]) => id))])].sort();
  const rowOf = new Map(itemIds.map((id, row) => [id, row]));
  const offsets = new Int32Array(itemIds.length + 1);
  const ids: number[] = [];
  const weights: number[] = [];
  itemIds.forEach((id, row) => {
    for (const [neighbour, weight] of neighbours[id] ?? []) {
      ids.push(rowOf.get(neighbour)!);
      weights.push(weight);
    }
    offsets[row + 1] = ids.length;
  });
  return { method: "ease", items: itemIds.length, itemIds, rowOf, offsets, neighbours: Int32Array.from(ids), weights: Float32Array.from(weights) };
}

const model = servingModel({
  watched: [
    ["x", 0.5],
    ["bought", 0.4],
    ["y", 0.125],
  ],
  bought: [
    ["y", 0.25],
    ["watched", 0.5],
    ["z", -0.75],
  ],
  x: [["z", 1]],
});
const provider = { itemToItem: () => ({ model, version: { id: "v1" } }) };

describe("itemToItemSource", () => {
  it("seeds from the recent items (newest first, before the request time) and then the consumed items", () => {
    const q = query();
    expect(
      seedItemIds({
        nowMs: q.nowMs,
        seenAtMs: new Map([
          ["old", q.nowMs - 10],
          ["new", q.nowMs - 1],
          ["future", q.nowMs],
        ]),
        consumedItemIds: new Set(["old", "bought"]),
      }),
    ).toEqual(["new", "old", "bought"]);
    expect(seedItemIds({ nowMs: q.nowMs })).toEqual([]);
  });

  it("scores each neighbour by the sum of its weights over every seed, never returning a seed", async () => {
    const q = query({ seenAtMs: new Map([["watched", 1]]), consumedItemIds: new Set(["bought"]) });
    const found = await itemToItemSource(provider).fetch(q, 10, signal);
    // y: 0.125 (watched) + 0.25 (bought); x: 0.5; z: −0.75 is not positive; watched and bought are seeds.
    expect(found).toEqual([
      { itemId: "x", score: 0.5 },
      { itemId: "y", score: 0.375 },
    ]);
    expect(await itemToItemSource(provider).fetch(q, 1, signal)).toEqual([{ itemId: "x", score: 0.5 }]);
  });

  it("uses consumed items alone when nothing recent is known, and ignores items the model never saw", async () => {
    const found = await itemToItemSource(provider).fetch(query({ consumedItemIds: new Set(["x", "unknown"]) }), 10, signal);
    expect(found).toEqual([{ itemId: "z", score: 1 }]);
    expect(await itemToItemSource(provider).fetch(query({ consumedItemIds: new Set(["unknown"]) }), 10, signal)).toEqual([]);
    expect(await itemToItemSource(provider).fetch(query(), 10, signal)).toEqual([]);
  });

  it("keeps at most maxSeeds seeds, the newest first", async () => {
    const q = query({
      seenAtMs: new Map([
        ["watched", 2],
        ["x", 1],
      ]),
    });
    // Only "watched" seeds: x comes back as its neighbour, z (x's) does not.
    expect((await itemToItemSource(provider, { maxSeeds: 1 }).fetch(q, 10, signal)).map((hit) => hit.itemId)).toEqual(["x", "bought", "y"]);
    expect((await itemToItemSource(provider).fetch(q, 10, signal)).map((hit) => hit.itemId)).toEqual(["z", "bought", "y"]);
  });

  it("is unavailable without an active item-to-item model", async () => {
    await expect(itemToItemSource({ itemToItem: () => null }).fetch(query(), 5, signal)).rejects.toThrow("unavailable: no active item-to-item model");
  });

  it("reads only each seed's first retrievalNeighbours weights; the scorer re-scores every candidate over all of them", async () => {
    const limited = { itemToItem: () => ({ model: { ...model, retrievalNeighbours: 1 }, version: { id: "v2" } }) };
    const q = query({ seenAtMs: new Map([["watched", 1]]), consumedItemIds: new Set(["bought"]) });
    // Retrieval: watched → x 0.5 only, bought → y 0.25 only.
    expect(await itemToItemSource(limited).fetch(q, 10, signal)).toEqual([
      { itemId: "x", score: 0.5 },
      { itemId: "y", score: 0.25 },
    ]);
    // Re-scoring: y 0.125 + 0.25, z −0.75 (found by another source), x 0.5; an unknown item gets no score.
    const scorer = itemToItemScorer(limited);
    const updates = await scorer.score(
      q,
      ["y", "z", "x", "unknown"].map((id) => candidate(id)),
      signal,
      () => {},
    );
    expect(updates).toEqual([{ scores: { itemToItem: 0.375 } }, { scores: { itemToItem: -0.75 } }, { scores: { itemToItem: 0.5 } }, {}]);
    // Again, after the shared scratch was used: the same answer.
    expect(
      await scorer.score(
        q,
        ["y"].map((id) => candidate(id)),
        signal,
        () => {},
      ),
    ).toEqual([{ scores: { itemToItem: 0.375 } }]);
    expect(await itemToItemScorer({ itemToItem: () => null }).score(q, [candidate("y")], signal, () => {})).toEqual([{}]);
  });
});

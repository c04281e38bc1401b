import { describe, expect, it } from "vitest";
import { candidate, query } from "../funnel/testing/funnelFixtures.ts";
import { buildAnnIndex } from "../retrieval/annIndex.ts";
import type { ServingRetrieval } from "../models/servingModels.ts";
import { embedUser, twoTowerScorer, twoTowerSource } from "./twoTowerSource.ts";
import { ItemSlots } from "../caching/itemSlots.ts";

const signal = new AbortController().signal;
const itemIds = ["a", "b", "c", "d"];
// a and c along axis 0, b and d along axis 1 (c and d a little tilted so scores differ).
const vectors = Float32Array.from([1, 0, 0, 1, 0.8, 0.6, 0.6, 0.8]);
const retrieval: ServingRetrieval = { dimensions: 2, itemIds, vectors, index: buildAnnIndex(vectors, 2, { m: 4, efConstruction: 20, efSearch: 20 }) };

describe("twoTowerSource", () => {
  it("embeds a user without a user tower as the normalised mean of their recent items' vectors", () => {
    expect([...embedUser(retrieval, "u", ["a"])!]).toEqual([1, 0]);
    expect(embedUser(retrieval, "u", ["unknown"])).toBeNull();
  });

  it("uses the model's user tower when the version has one", () => {
    const withTower: ServingRetrieval = {
      ...retrieval,
      model: { userVector: (_user: string, recent: readonly string[]) => Float32Array.from(recent.length === 2 ? [0, 1] : [1, 0]) },
    };
    expect([...embedUser(withTower, "u", ["a", "c"])!]).toEqual([0, 1]);
  });

  it("looks up the nearest items by inner product, leaving out the user's own recent items", async () => {
    const source = twoTowerSource({ retrieval: () => ({ model: retrieval, version: { id: "v1" } }) });
    const found = await source.fetch(query({ seenAtMs: new Map([["a", 1]]) }), 2, signal);
    expect(found.map((hit) => hit.itemId)).toEqual(["c", "d"]);
    expect(found[0]!.score).toBeCloseTo(0.8, 5);
  });

  it("stamps each candidate with the slot its id has in the serving stack's registry, looked up once per retrieval row", async () => {
    const slots = new ItemSlots();
    slots.slotOf("z");
    const source = twoTowerSource({ retrieval: () => ({ model: retrieval, version: { id: "v1" } }) }, { slots });
    const first = await source.fetch(query(), 4, signal);
    expect(first.map(({ itemId, itemSlot, itemSlotEpoch }) => [itemId, itemSlot, itemSlotEpoch])).toEqual(
      first.map(({ itemId }) => [itemId, slots.existingSlotOf(itemId), slots.epoch]),
    );
    const looked: string[] = [];
    const slotOf = slots.slotOf.bind(slots);
    slots.slotOf = (itemId) => (looked.push(itemId), slotOf(itemId));
    expect(await source.fetch(query(), 4, signal)).toEqual(first);
    expect(looked).toEqual([]);
  });

  it("is unavailable without an active retrieval model", async () => {
    await expect(twoTowerSource({ retrieval: () => null }).fetch(query(), 5, signal)).rejects.toThrow("unavailable: no active retrieval model");
  });

  it("scores every candidate with the source's inner product, whichever source found it", async () => {
    const scorer = twoTowerScorer({ retrieval: () => ({ model: retrieval, version: { id: "v1" } }) });
    const q = query({ seenAtMs: new Map([["a", 1]]) });
    const updates = await scorer.score(
      q,
      ["b", "c", "unknown"].map((id) => candidate(id)),
      signal,
      () => {},
    );
    expect(updates[0]!.scores!.twoTower).toBeCloseTo(0, 6);
    expect(updates[1]!.scores!.twoTower).toBeCloseTo(0.8, 6);
    expect(updates[2]).toEqual({});
    // Nothing to embed the user from, or no model: no scores.
    expect(await scorer.score(query(), [candidate("b")], signal, () => {})).toEqual([{}]);
    expect(await twoTowerScorer({ retrieval: () => null }).score(q, [candidate("b")], signal, () => {})).toEqual([{}]);
  });
});

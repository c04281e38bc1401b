// The item-to-item model against the core baselines it truncates: EASE's weights kept exactly
// (every one: the same top lists as core's dense EASE; fewer: the strongest by magnitude), the
// kNN fallback above maxEaseItems scoring like core's RecBole-style item kNN, and the sparse
// scorer's contract (seeds count once, never returned, positive totals only, best first).
import { binaryCosineNeighbours, createInteractionLog, fitEase, fitItemKnn, ItemMarker, type InteractionLog } from "@cascade/core";
import { describe, expect, it } from "vitest";
import { backfilledWith, chooseItemToItemMethod, fitItemToItem, itemToItemRecommender, rescoreItemToItem, scoreItemToItem } from "./itemToItemModel.ts";

/** Users who each like a few items of one of three overlapping item clusters, plus noise. */
function clusteredLog(users: number, items: number, seed: number): InteractionLog {
  let state = seed;
  const random = () => (state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
  const rows = { users: [] as number[], items: [] as number[], timestamps: [] as number[] };
  const clusterSize = Math.ceil(items / 3);
  for (let u = 0; u < users; u++) {
    const cluster = u % 3;
    const picks = 3 + Math.floor(random() * 5);
    for (let p = 0; p < picks; p++) {
      const item = random() < 0.85 ? Math.min(items - 1, cluster * clusterSize + Math.floor(random() * (clusterSize + 2))) : Math.floor(random() * items);
      rows.users.push(u);
      rows.items.push(item);
      rows.timestamps.push(rows.timestamps.length);
    }
  }
  return createInteractionLog(rows, { numUsers: users, numItems: items });
}

function histories(log: InteractionLog): Int32Array[] {
  const lists: number[][] = Array.from({ length: log.numUsers }, () => []);
  for (let r = 0; r < log.users.length; r++) lists[log.users[r]!]!.push(log.items[r]!);
  return lists.map((list) => Int32Array.from(list));
}

const log = clusteredLog(240, 30, 7);

describe("fitItemToItem (EASE)", () => {
  it("keeps exactly the non-zero off-diagonal weights of core's EASE, largest magnitude first, when neighbours = items", () => {
    const model = fitItemToItem(log, { method: "ease", neighbours: log.numItems });
    const dense = fitEase(log).weights;
    const n = log.numItems;
    expect(model.method).toBe("ease");
    for (let j = 0; j < n; j++) {
      const expected: [number, number][] = [];
      for (let i = 0; i < n; i++) if (i !== j && dense[j * n + i]! !== 0) expected.push([i, dense[j * n + i]!]);
      expected.sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]) || a[0] - b[0]);
      expect(expected.some(([, w]) => w < 0)).toBe(true);
      const row = Array.from(model.neighbours.subarray(model.offsets[j]!, model.offsets[j + 1]!));
      expect(row).toEqual(expected.map(([i]) => i));
      const weights = Array.from(model.weights.subarray(model.offsets[j]!, model.offsets[j + 1]!));
      expect(weights).toEqual(expected.map(([, w]) => Math.fround(w)));
    }
  });

  it("reproduces core's full EASE top lists when every neighbour is kept", () => {
    const full = fitEase(log);
    const truncated = itemToItemRecommender({ method: "ease", neighbours: log.numItems }).fit(log);
    let compared = 0;
    histories(log).forEach((history, user) => {
      if (history.length === 0) return;
      expect(Array.from(truncated.recommend(user, history, 5)), `user ${user}`).toEqual(Array.from(full.recommend(user, history, 5)));
      compared += 1;
    });
    expect(compared).toBe(log.numUsers);
  });

  it("truncates each item to its `neighbours` strongest", () => {
    const all = fitItemToItem(log, { method: "ease", neighbours: log.numItems });
    const two = fitItemToItem(log, { method: "ease", neighbours: 2, scoringWeights: 0 });
    expect(two.retrievalNeighbours).toBeUndefined();
    for (let j = 0; j < log.numItems; j++) {
      const kept = Math.min(2, all.offsets[j + 1]! - all.offsets[j]!);
      expect(two.offsets[j + 1]! - two.offsets[j]!).toBe(kept);
      expect(Array.from(two.neighbours.subarray(two.offsets[j]!, two.offsets[j + 1]!))).toEqual(
        Array.from(all.neighbours.subarray(all.offsets[j]!, all.offsets[j]! + kept)),
      );
    }
  });
});

describe("fitItemToItem (weights kept for re-scoring)", () => {
  it("retrieves with the `neighbours` strongest but keeps the rest for re-scoring, which gives full EASE's sums", () => {
    const truncated = fitItemToItem(log, { method: "ease", neighbours: 2, scoringWeights: 0 });
    const kept = fitItemToItem(log, { method: "ease", neighbours: 2 }); // 30 items: every weight fits the default budget
    expect(kept.retrievalNeighbours).toBe(2);
    expect(kept.neighbours.length).toBeGreaterThan(truncated.neighbours.length);
    // Retrieval reads what the truncated model holds: the same lists.
    for (const history of histories(log)) {
      const exclude = new ItemMarker(log.numItems);
      for (const item of history) exclude.add(item);
      expect(Array.from(scoreItemToItem(kept, history, 10, exclude).ids)).toEqual(Array.from(scoreItemToItem(truncated, history, 10, exclude).ids));
    }
    // Re-scoring reads every stored weight: core's dense EASE sums, unknown candidates NaN, the scratch left clean.
    const dense = fitEase(log).weights;
    const n = log.numItems;
    const slot = new Int32Array(n).fill(-1);
    const seeds = [0, 3, 7];
    const candidates = [1, 2, 12, 29, -1];
    const totals = rescoreItemToItem(kept, seeds, candidates, slot);
    candidates.slice(0, 4).forEach((i, c) =>
      expect(totals[c]).toBeCloseTo(
        seeds.reduce((sum, j) => sum + dense[j * n + i]!, 0),
        5,
      ),
    );
    expect(totals[4]).toBeNaN();
    expect(slot.every((value) => value === -1)).toBe(true);
    // The budget caps the row length: 30 items × 10 weights each.
    const capped = fitItemToItem(log, { method: "ease", neighbours: 2, scoringWeights: 300 });
    for (let j = 0; j < n; j++) expect(capped.offsets[j + 1]! - capped.offsets[j]!).toBeLessThanOrEqual(10);
    expect(capped.retrievalNeighbours).toBe(2);
  });
});

describe("fitItemToItem (method choice and kNN fallback)", () => {
  it("auto picks EASE up to maxEaseItems and item kNN above", () => {
    expect(chooseItemToItemMethod(4_000).method).toBe("ease");
    expect(chooseItemToItemMethod(4_001).method).toBe("knn");
    expect(fitItemToItem(log, { maxEaseItems: log.numItems }).method).toBe("ease");
    expect(fitItemToItem(log, { maxEaseItems: log.numItems - 1 }).method).toBe("knn");
    expect(() => fitItemToItem(log, { method: "ease", maxEaseItems: 10 })).toThrow(
      /method is ease but the catalogue has 30 items, over itemToItem.maxEaseItems 10/,
    );
    expect(() => fitItemToItem(log, { neighbours: 0 })).toThrow(/neighbours must be a positive integer/);
  });

  it("above the threshold scores like core's item kNN (RecBole's ItemKNN) when no vote list is capped", () => {
    const ours = itemToItemRecommender({ maxEaseItems: 10, neighbours: log.numItems }).fit(log);
    const reference = fitItemKnn(log, { neighbours: log.numItems });
    histories(log).forEach((history, user) => {
      const mine = ours.recommend(user, history, 6);
      // core's kNN pads with unscored items by index; ours returns scored items only.
      expect(mine.length).toBeGreaterThan(0);
      expect(Array.from(mine), `user ${user}`).toEqual(Array.from(reference.recommend(user, history, 6)).slice(0, mine.length));
    });
  });

  it("item j votes only for items i with j among i's `neighbours` most similar, at most `neighbours` of them", () => {
    const k = 4;
    const model = fitItemToItem(log, { method: "knn", neighbours: k });
    const similar = binaryCosineNeighbours(log, { neighbours: k });
    let votes = 0;
    for (let j = 0; j < log.numItems; j++) {
      expect(model.offsets[j + 1]! - model.offsets[j]!).toBeLessThanOrEqual(k);
      for (let x = model.offsets[j]!; x < model.offsets[j + 1]!; x++) {
        const i = model.neighbours[x]!;
        const at = Array.from(similar.items.subarray(similar.offsets[i]!, similar.offsets[i + 1]!)).indexOf(j);
        expect(at, `${j} → ${i}`).toBeGreaterThanOrEqual(0);
        expect(model.weights[x]).toBe(Math.fround(similar.weights[similar.offsets[i]! + at]!));
        votes += 1;
      }
    }
    expect(votes).toBeGreaterThan(log.numItems);
  });
});

describe("fitItemToItem (items without positives)", () => {
  it("fits on the items that have positives, chooses the method on their count, and keeps the log's indices", () => {
    // The same log with every item index tripled, in a catalogue three times the size: two thirds never occur.
    const spread = createInteractionLog(
      { users: log.users, items: Int32Array.from(log.items, (item) => item * 3), timestamps: log.timestamps },
      { numUsers: log.numUsers, numItems: log.numItems * 3 },
    );
    const dense = fitItemToItem(log, { method: "ease", neighbours: 5 });
    const sparse = fitItemToItem(spread, { maxEaseItems: log.numItems, neighbours: 5 });
    expect(sparse.method).toBe("ease");
    expect(sparse.items).toBe(log.numItems * 3);
    for (let i = 0; i < sparse.items; i++) {
      const row = Array.from(sparse.neighbours.subarray(sparse.offsets[i]!, sparse.offsets[i + 1]!));
      if (i % 3 !== 0) expect(row).toEqual([]);
      else {
        expect(row).toEqual(Array.from(dense.neighbours.subarray(dense.offsets[i / 3]!, dense.offsets[i / 3 + 1]!), (j) => j * 3));
        expect(sparse.weights.subarray(sparse.offsets[i]!, sparse.offsets[i + 1]!)).toEqual(
          dense.weights.subarray(dense.offsets[i / 3]!, dense.offsets[i / 3 + 1]!),
        );
      }
    }
  });
});

describe("scoreItemToItem", () => {
  const model = {
    method: "knn" as const,
    items: 5,
    //            0: → 1 (0.5), 2 (0.25)   1: → 2 (1), 3 (0.125)   2: → 0 (0.75)   3, 4: nothing
    offsets: Int32Array.from([0, 2, 4, 5, 5, 5]),
    neighbours: Int32Array.from([1, 2, 2, 3, 0]),
    weights: Float32Array.from([0.5, 0.25, 1, 0.125, 0.75]),
  };

  it("sums the seeds' weights, counts a repeated seed once and skips excluded items", () => {
    const none = new ItemMarker(5);
    const found = scoreItemToItem(model, [0, 1, 0], 10, none);
    expect(Array.from(found.ids)).toEqual([2, 1, 3]);
    expect(Array.from(found.scores)).toEqual([1.25, 0.5, 0.125]);
    const seeds = new ItemMarker(5);
    [0, 1].forEach((seed) => seeds.add(seed));
    expect(Array.from(scoreItemToItem(model, [0, 1], 10, seeds).ids)).toEqual([2, 3]);
    expect(Array.from(scoreItemToItem(model, [0, 1], 1, seeds).ids)).toEqual([2]);
  });

  it("never proposes an item whose total is not positive", () => {
    const signed = { ...model, weights: Float32Array.from([0.5, -0.25, 0.125, 0.125, 0.75]) };
    // 2: −0.25 (from 0) + 0.125 (from 1) < 0; 1: 0.5; 3: 0.125
    expect(Array.from(scoreItemToItem(signed, [0, 1], 10, new ItemMarker(5)).ids)).toEqual([1, 3]);
  });

  it("returns nothing for seeds without neighbours or outside the catalogue, and forgets earlier calls", () => {
    const none = new ItemMarker(5);
    expect(scoreItemToItem(model, [3, 4, -1, 9], 10, none).ids).toHaveLength(0);
    scoreItemToItem(model, [0], 10, none);
    expect(Array.from(scoreItemToItem(model, [2], 10, none).scores)).toEqual([0.75]);
  });
});

describe("backfilledWith", () => {
  it("fills a short list with the fallback's items it does not already hold, up to k", () => {
    const primary = { recommend: (_user: number, _history: Int32Array, k: number) => Int32Array.from([4, 2].slice(0, k)) };
    const fallback = { recommend: (_user: number, _history: Int32Array, k: number) => Int32Array.from([2, 7, 1, 9, 3].slice(0, k)) };
    const filled = backfilledWith(primary, fallback);
    expect(Array.from(filled.recommend(0, new Int32Array(0), 4))).toEqual([4, 2, 7, 1]);
    expect(Array.from(filled.recommend(0, new Int32Array(0), 2))).toEqual([4, 2]);
    expect(Array.from(filled.recommend(0, new Int32Array(0), 9))).toEqual([4, 2, 7, 1, 9, 3]);
  });
});

// HNSW over trained item vectors finds what exact search finds, and survives a save/load round trip.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateDemoEvents } from "../demo/eventStream.ts";
import { DAY_MS, generateWorld } from "../demo/world.ts";
import { resolveDemoConfig } from "../demo/worldConfig.ts";
import { annRecall, buildAnnIndex, exactTopK, loadAnnIndex, queryAnnIndex, saveAnnIndex } from "./annIndex.ts";
import { buildUserHistories, positiveInteractions, splitByTime } from "../training/retrieval/interactions.ts";
import { computeItemVectors, computeUserVector, createTwoTowerModel } from "./twoTowerModel.ts";
import { trainTwoTower } from "../training/retrieval/twoTowerTraining.ts";

/** Retrieval vectors: 32 model dimensions + the bias coordinate. */
const D = 33;
const world = generateWorld(resolveDemoConfig("small", { endAtMs: Date.UTC(2025, 5, 1) }));
const { train, validation } = splitByTime(positiveInteractions(generateDemoEvents(world)), world.windowEndMs - 4 * DAY_MS);
const model = createTwoTowerModel(
  { users: world.users.count, items: world.items.count, categories: world.categories.count, creators: world.creators.count, dimensions: D - 1 },
  { category: world.items.category, creator: world.items.creator },
);
trainTwoTower(model, train, validation, { epochs: 3, maxValidationUsers: 50 });
const itemVectors = computeItemVectors(model, world.windowEndMs - 4 * DAY_MS);

// Queries: the user vectors the engine would send (every user with training history).
const histories = buildUserHistories(train, world.users.count);
const queryRows: Float32Array[] = [];
for (let user = 0; user < world.users.count && queryRows.length < 300; user += 1) {
  const history = histories.items.subarray(histories.offsets[user]!, histories.offsets[user + 1]!);
  if (history.length > 0) queryRows.push(computeUserVector(model, user, history));
}
const queries = new Float32Array(queryRows.length * D);
queryRows.forEach((row, q) => queries.set(row, q * D));

const directory = await mkdtemp(join(tmpdir(), "cascade-ann-"));
afterAll(() => rm(directory, { recursive: true, force: true }));

describe("annIndex", () => {
  const index = buildAnnIndex(itemVectors, D, { efSearch: 100 });

  it("indexes every item", () => {
    expect(index.count).toBe(world.items.count);
  });

  it("has recall@10 ≥ 0.9 against exact search on trained vectors", () => {
    expect(annRecall(index, itemVectors, queries, 10)).toBeGreaterThanOrEqual(0.9);
    expect(annRecall(index, itemVectors, queries, 100)).toBeGreaterThanOrEqual(0.9);
  });

  it("scores are inner products, best first, matching exact search at the top", () => {
    const query = queries.subarray(0, D);
    const approximate = queryAnnIndex(index, query, 10);
    const exact = exactTopK(itemVectors, D, query, 10);
    expect(approximate.ids[0]).toBe(exact.ids[0]);
    expect(approximate.scores[0]!).toBeCloseTo(exact.scores[0]!, 5);
    for (let r = 1; r < approximate.scores.length; r += 1) expect(approximate.scores[r]!).toBeLessThanOrEqual(approximate.scores[r - 1]!);
  });

  it("gives identical results after save and load", async () => {
    const path = join(directory, "items.hnsw");
    await saveAnnIndex(index, path);
    const loaded = await loadAnnIndex(path, D, 100);
    expect(loaded.count).toBe(index.count);
    for (let q = 0; q < 50; q += 1) {
      const query = queries.subarray(q * D, (q + 1) * D);
      const before = queryAnnIndex(index, query, 20);
      const after = queryAnnIndex(loaded, query, 20);
      expect(after.ids).toEqual(before.ids);
      expect(after.scores).toEqual(before.scores);
    }
  });

  it("builds the same graph from the same vectors and seed", () => {
    const again = buildAnnIndex(itemVectors, D, { efSearch: 100 });
    const query = queries.subarray(D, 2 * D);
    expect(queryAnnIndex(again, query, 50).ids).toEqual(queryAnnIndex(index, query, 50).ids);
  });
});

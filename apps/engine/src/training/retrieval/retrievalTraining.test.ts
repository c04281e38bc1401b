// The retrieval entry point on the small demo world: it splits by time, trains with per-epoch
// callbacks, evaluates two-tower against popularity and co-occurrence on the same split, and its
// artifacts load back to the same model and vectors (and refuse to load when damaged).
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateDemoEvents } from "../../demo/eventStream.ts";
import { generateWorld } from "../../demo/world.ts";
import { resolveDemoConfig } from "../../demo/worldConfig.ts";
import { ArtifactError } from "../../retrieval/artifactFile.ts";
import { demoRetrievalData } from "../../demo/demoRetrievalData.ts";
import { loadItemVectors, loadTwoTowerModel, saveRetrievalArtifacts, trainRetrievalModel } from "./retrievalTraining.ts";

const world = generateWorld(resolveDemoConfig("small", { endAtMs: Date.UTC(2025, 5, 1), events: 150_000 }));
const data = demoRetrievalData(world, generateDemoEvents(world));
const epochs: number[] = [];
let progressCalls = 0;
const result = await trainRetrievalModel(
  data,
  { training: { epochs: 3 }, evaluation: { maxUsers: 600 } },
  { onEpoch: (epoch) => epochs.push(epoch.loss), onProgress: () => (progressCalls += 1) },
);
const directory = await mkdtemp(join(tmpdir(), "cascade-retrieval-"));
afterAll(() => rm(directory, { recursive: true, force: true }));

describe("trainRetrievalModel", () => {
  it("splits by time and reports every epoch", () => {
    expect(result.split.trainInteractions + result.split.validationInteractions).toBe(data.interactions.count);
    expect(result.split.validationInteractions).toBeGreaterThan(0);
    expect(epochs).toHaveLength(3);
    expect(epochs[2]!).toBeLessThan(epochs[0]!);
    expect(progressCalls).toBeGreaterThanOrEqual(3);
  });

  it("beats popularity and co-occurrence at recall@100 on the demo world, and random by far", () => {
    const twoTower = result.metrics["twoTower.recall@100"]!;
    expect(twoTower).toBeGreaterThan(result.metrics["popularity.recall@100"]!);
    expect(twoTower).toBeGreaterThan(result.metrics["coOccurrence.recall@100"]!);
    // Random recall@100 over the catalogue is 100 / items in expectation.
    expect(twoTower).toBeGreaterThan(5 * (100 / world.items.count));
    expect(result.report).toContain("twoTower");
    expect(result.report).toContain("popularity");
  });

  it("returns retrieval vectors for every item and embeds users by id", () => {
    expect(result.itemVectors.length).toBe(data.itemIds.length * result.dimensions);
    const known = result.userVector(data.userIds[0]!, [data.itemIds[1]!]);
    const unknown = result.userVector("nobody", ["no such item"]);
    expect(known.length).toBe(result.dimensions);
    expect(known[result.dimensions - 1]).toBe(1);
    expect(known).not.toEqual(unknown);
  });

  it("round-trips the model and the item vectors through the artifact files", async () => {
    const saved = await saveRetrievalArtifacts(directory, result);
    expect(saved.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    const model = await loadTwoTowerModel(saved.model.path);
    const vectors = await loadItemVectors(saved.itemVectors.path);
    expect(model.sha256).toBe(saved.model.sha256);
    expect(vectors.vectors).toEqual(result.itemVectors);
    expect(vectors.itemIds).toEqual(result.itemIds);
    expect(vectors.asOfMs).toBe(result.asOfMs);
    expect(model.model.itemEmbedding).toEqual(result.model.itemEmbedding);
    expect(model.model.config).toEqual(result.model.config);
    for (const user of [0, 5, 77]) {
      const recent = [data.itemIds[3]!, data.itemIds[9]!];
      expect(model.userVector(data.userIds[user]!, recent)).toEqual(result.userVector(data.userIds[user]!, recent));
    }
  });

  it("refuses a truncated file, a foreign file and the wrong kind", async () => {
    const saved = await saveRetrievalArtifacts(directory, result);
    const bytes = await readFile(saved.itemVectors.path);
    const truncated = join(directory, "truncated.bin");
    await writeFile(truncated, bytes.subarray(0, bytes.length - 100));
    await expect(loadItemVectors(truncated)).rejects.toThrow(/truncated/);
    const foreign = join(directory, "foreign.bin");
    await writeFile(foreign, "not an artifact at all");
    await expect(loadItemVectors(foreign)).rejects.toBeInstanceOf(ArtifactError);
    await expect(loadTwoTowerModel(saved.itemVectors.path)).rejects.toThrow(/cascade.item-vectors/);
  });
});

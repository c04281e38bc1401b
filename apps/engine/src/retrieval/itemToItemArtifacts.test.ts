// item-to-item.bin round-trips the CSR and ids bit for bit, and a damaged file is refused with a
// message naming the problem.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ArtifactError, writeArtifactFile } from "./artifactFile.ts";
import { ITEM_TO_ITEM_ARTIFACT, loadItemToItemModel, saveItemToItemModel } from "./itemToItemArtifacts.ts";
import type { ItemToItemWeights } from "./itemToItemModel.ts";

const directory = await mkdtemp(join(tmpdir(), "cascade-item-to-item-"));
afterAll(() => rm(directory, { recursive: true, force: true }));

const model: ItemToItemWeights = {
  method: "ease",
  items: 3,
  offsets: Int32Array.from([0, 2, 3, 3]),
  neighbours: Int32Array.from([2, 1, 0]),
  weights: Float32Array.from([0.75, 0.1, 0.3]),
};

describe("item-to-item artifact", () => {
  it("round-trips weights, method and ids, with the file's sha256", async () => {
    const saved = await saveItemToItemModel(directory, model, ["a", "b", "c"]);
    expect(saved.path).toBe(join(directory, ITEM_TO_ITEM_ARTIFACT.file));
    const loaded = await loadItemToItemModel(saved.path);
    expect(loaded.sha256).toBe(saved.sha256);
    expect(loaded.method).toBe("ease");
    expect(loaded.itemIds).toEqual(["a", "b", "c"]);
    expect(loaded.items).toBe(3);
    expect(Array.from(loaded.offsets)).toEqual([0, 2, 3, 3]);
    expect(Array.from(loaded.neighbours)).toEqual([2, 1, 0]);
    expect(loaded.weights).toEqual(model.weights);
  });

  it("keeps how many weights per row retrieval reads, and refuses a bad value", async () => {
    const saved = await saveItemToItemModel(directory, { ...model, retrievalNeighbours: 1 }, ["a", "b", "c"]);
    expect((await loadItemToItemModel(saved.path)).retrievalNeighbours).toBe(1);
    expect((await loadItemToItemModel((await saveItemToItemModel(directory, model, ["a", "b", "c"])).path)).retrievalNeighbours).toBeUndefined();
    const path = join(directory, "bad-retrieval-neighbours.bin");
    await writeArtifactFile(path, {
      kind: ITEM_TO_ITEM_ARTIFACT.kind,
      version: 1,
      meta: { method: "ease", itemIds: ["a", "b", "c"], retrievalNeighbours: 0 },
      arrays: { offsets: model.offsets, neighbours: model.neighbours, weights: model.weights },
    });
    await expect(loadItemToItemModel(path)).rejects.toThrow(/meta.retrievalNeighbours is 0, expected a positive integer/);
  });

  it("refuses ids that do not match the model", async () => {
    await expect(saveItemToItemModel(directory, model, ["a", "b"])).rejects.toThrow(/2 item ids for a model of 3 items/);
  });

  it("refuses a truncated file", async () => {
    const saved = await saveItemToItemModel(directory, model, ["a", "b", "c"]);
    const bytes = await readFile(saved.path);
    const truncated = join(directory, "truncated.bin");
    await writeFile(truncated, bytes.subarray(0, bytes.length - 8));
    await expect(loadItemToItemModel(truncated)).rejects.toThrow(/runs past the end of the file: truncated\?/);
  });

  it("refuses a malformed CSR", async () => {
    const write = (
      name: string,
      arrays: Record<string, Int32Array | Float32Array>,
      meta: Record<string, unknown> = { method: "ease", itemIds: ["a", "b", "c"] },
    ) =>
      writeArtifactFile(join(directory, name), { kind: ITEM_TO_ITEM_ARTIFACT.kind, version: 1, meta, arrays }).then(() =>
        loadItemToItemModel(join(directory, name)),
      );
    const { offsets, neighbours, weights } = model;
    await expect(write("row.bin", { offsets, neighbours: Int32Array.from([2, 1, 3]), weights })).rejects.toThrow(/neighbour 2 is row 3, outside \[0, 3\)/);
    await expect(write("offsets.bin", { offsets: Int32Array.from([0, 2, 1, 3]), neighbours, weights })).rejects.toThrow(/offsets decrease at item 1/);
    await expect(write("short.bin", { offsets: Int32Array.from([0, 3]), neighbours, weights })).rejects.toThrow(/offsets must be 4 int32 values/);
    await expect(write("nan.bin", { offsets, neighbours, weights: Float32Array.from([0.75, Number.NaN, 0.3]) })).rejects.toThrow(/weight 1 is not finite/);
    await expect(write("method.bin", { offsets, neighbours, weights }, { method: "svd", itemIds: ["a", "b", "c"] })).rejects.toThrow(/meta.method is "svd"/);
    await expect(write("method.bin", { offsets, neighbours, weights })).resolves.toMatchObject({ items: 3 });
    await expect(loadItemToItemModel(join(directory, "row.bin"))).rejects.toBeInstanceOf(ArtifactError);
  });
});

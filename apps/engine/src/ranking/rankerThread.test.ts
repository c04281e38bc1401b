import { describe, expect, it } from "vitest";
import { createRandom } from "@cascade/core";
import { exportRankerToOnnx } from "../training/ranker/onnxExport.ts";
import { createMultiTaskRanker } from "./multiTaskRanker.ts";
import { loadOnnxRanker } from "./onnxInference.ts";
import { loadServingOnnxRanker, RankerThread, useRankerThread } from "./rankerThread.ts";

const FEATURES = ["a", "b", "c", "d", "e"];
const F = FEATURES.length;
const bytes = exportRankerToOnnx(createMultiTaskRanker({ featureNames: FEATURES, hiddenSizes: [8, 4], seed: 5 }));
const otherBytes = exportRankerToOnnx(createMultiTaskRanker({ featureNames: FEATURES, hiddenSizes: [8, 4], seed: 6 }));

function matrix(rows: number, seed: number): Float32Array {
  const random = createRandom(seed);
  return Float32Array.from({ length: rows * F }, () => random.next() * 4 - 2);
}

describe("RankerThread", () => {
  it("scores every batch exactly as the same model run in this thread, concurrent calls each getting their own", async () => {
    const thread = new RankerThread();
    const local = await loadOnnxRanker(bytes, { featureCount: F });
    try {
      const remote = await thread.load(bytes, { featureCount: F });
      expect(remote.featureCount).toBe(F);
      const batches = Array.from({ length: 30 }, (_, index) => matrix(10 + index, index));
      const scored = await Promise.all(batches.map((batch) => remote.score(batch, batch.length / F)));
      for (const [index, batch] of batches.entries()) {
        // The thread took each matrix's buffer (transferred, not copied): score the same values again here.
        expect(batch.length).toBe(0);
        const again = matrix(10 + index, index);
        const expected = await local.score(again, again.length / F);
        expect([...scored[index]!.pClick]).toEqual([...expected.pClick]);
        expect([...scored[index]!.pLike]).toEqual([...expected.pLike]);
        expect([...scored[index]!.watchSeconds]).toEqual([...expected.watchSeconds]);
      }
      // A matrix that is a view into a larger buffer is copied, not taken.
      const view = new Float32Array(new Float32Array(4 * F).buffer, 0, 2 * F);
      await remote.score(view, 2);
      expect(view.length).toBe(2 * F);
      await expect(remote.score(matrix(3, 1), 4)).rejects.toThrow("expected 4 × 5 = 20 feature values, got 15");
    } finally {
      await local.release();
      await thread.close();
    }
  });

  it("after its worker dies, fails the scoring in flight and answers the next calls from a new worker", async () => {
    const thread = new RankerThread();
    try {
      const remote = await thread.load(bytes, { featureCount: F });
      const before = await remote.score(matrix(20, 1), 20);
      const inFlight = remote.score(matrix(20, 1), 20);
      await thread.currentWorker!.terminate();
      await expect(inFlight).rejects.toThrow(/exited/);
      const after = await remote.score(matrix(20, 1), 20);
      expect([...after.pClick]).toEqual([...before.pClick]);
      expect(thread.workersStarted).toBe(2);
    } finally {
      await thread.close();
    }
  });

  it("refuses bytes that are not a ranker, or a ranker of another width, with the loader's message, keeping nothing", async () => {
    const thread = new RankerThread();
    try {
      await expect(thread.load(new Uint8Array([1, 2, 3]))).rejects.toThrow("ranker model does not load");
      await expect(thread.load(bytes, { featureCount: F + 1 })).rejects.toThrow(`ranker model takes ${F} features, expected ${F + 1}`);
      expect(thread.loadedRankers).toBe(0);
    } finally {
      await thread.close();
    }
  });

  it("drops a released ranker: its calls are refused, another still answers", async () => {
    const thread = new RankerThread();
    try {
      const first = await thread.load(bytes, { featureCount: F });
      const second = await thread.load(otherBytes, { featureCount: F });
      await first.release();
      expect(thread.loadedRankers).toBe(1);
      await expect(first.score(matrix(2, 1), 2)).rejects.toThrow("was released");
      const scored = await second.score(matrix(2, 1), 2);
      const expected = await (await loadOnnxRanker(otherBytes, { featureCount: F })).score(matrix(2, 1), 2);
      expect([...scored.pClick]).toEqual([...expected.pClick]);
    } finally {
      await thread.close();
    }
  });

  it("releases every session in its worker before stopping it, also one whose release was just asked for", async () => {
    const thread = new RankerThread();
    const first = await thread.load(bytes, { featureCount: F });
    await thread.load(otherBytes, { featureCount: F });
    await thread.load(bytes, { featureCount: F });
    // Posted, not awaited (as the model registry's stop does just before the thread is closed).
    void first.release();
    expect(await thread.close()).toEqual({ loaded: 3, released: 3 });
    expect(thread.currentWorker).toBeNull();
    await expect(first.score(matrix(2, 1), 2)).rejects.toThrow();
    // No worker ever started: nothing to release.
    expect(await new RankerThread().close()).toBeNull();
  });

  it("loads serving rankers into the process's thread while one is in use, in the calling thread otherwise", async () => {
    const thread = new RankerThread();
    try {
      const stopUsing = useRankerThread(thread);
      await loadServingOnnxRanker(bytes, { featureCount: F });
      expect(thread.loadedRankers).toBe(1);
      stopUsing();
      const inline = await loadServingOnnxRanker(bytes, { featureCount: F });
      expect(thread.loadedRankers).toBe(1);
      await inline.release();
    } finally {
      await thread.close();
    }
  });

  it("fails calls after close instead of starting a worker", async () => {
    const thread = new RankerThread();
    const remote = await thread.load(bytes, { featureCount: F });
    await thread.close();
    await expect(remote.score(matrix(2, 1), 2)).rejects.toThrow("ranker thread closed");
    await expect(thread.load(bytes)).rejects.toThrow("ranker thread closed");
    expect(thread.workersStarted).toBe(1);
  });
});

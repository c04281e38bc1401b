import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRandom } from "@cascade/core";
import { buildAnnIndex, saveAnnIndex, type AnnIndex } from "./annIndex.ts";
import { AnnSearchThread, loadServingAnnIndex, useAnnSearchThread } from "./annSearchThread.ts";

const D = 8;
const ITEMS = 2_000;

function randomVectors(count: number, seed: number): Float32Array {
  const random = createRandom(seed);
  const vectors = new Float32Array(count * D);
  for (let index = 0; index < vectors.length; index += 1) vectors[index] = random.next() * 2 - 1;
  return vectors;
}

describe("AnnSearchThread", () => {
  let dir: string;
  let path: string;
  let local: AnnIndex;
  const queries = randomVectors(50, 2);
  const query = (q: number) => queries.slice(q * D, (q + 1) * D);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cascade-ann-thread-"));
    path = join(dir, "index.hnsw");
    local = buildAnnIndex(randomVectors(ITEMS, 1), D, { m: 8, efConstruction: 60, efSearch: 60 });
    await saveAnnIndex(local, path);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("answers every search exactly as the same index file searched in this thread", async () => {
    const thread = new AnnSearchThread();
    try {
      const remote = await thread.load(path, D, 60);
      expect(remote.count).toBe(ITEMS);
      // Concurrent searches: each reply finds its own call.
      const found = await Promise.all(Array.from({ length: 50 }, (_, q) => remote.search(query(q), 25)));
      found.forEach((result, q) => {
        const expected = local.search(query(q), 25) as { ids: Int32Array; scores: Float32Array };
        expect([...result.ids]).toEqual([...expected.ids]);
        expect([...result.scores]).toEqual([...expected.scores]);
      });
    } finally {
      await thread.close();
    }
  });

  it("after its worker dies, fails the searches in flight and serves the next ones from a new worker", async () => {
    const thread = new AnnSearchThread();
    try {
      const remote = await thread.load(path, D, 60);
      await remote.search(query(0), 10);
      const inFlight = remote.search(query(1), 10);
      await thread.currentWorker!.terminate();
      await expect(inFlight).rejects.toThrow(/exited/);
      const again = await remote.search(query(2), 10);
      const expected = local.search(query(2), 10) as { ids: Int32Array };
      expect([...again.ids]).toEqual([...expected.ids]);
      expect(thread.workersStarted).toBe(2);
    } finally {
      await thread.close();
    }
  });

  it("refuses a file that is not an index with the loader's message, keeping nothing", async () => {
    const thread = new AnnSearchThread();
    try {
      await expect(thread.load(join(dir, "missing.hnsw"), D)).rejects.toThrow(/missing\.hnsw|exist|open/i);
      expect(thread.loadedIndexes).toBe(0);
    } finally {
      await thread.close();
    }
  });

  it("drops a released index: its searches are refused, other indexes still answer", async () => {
    const thread = new AnnSearchThread();
    try {
      const first = await thread.load(path, D, 60);
      const second = await thread.load(path, D, 60);
      expect(thread.loadedIndexes).toBe(2);
      first.release();
      expect(thread.loadedIndexes).toBe(1);
      await expect(first.search(query(0), 5)).rejects.toThrow(/released/);
      expect((await second.search(query(0), 5)).ids.length).toBe(5);
    } finally {
      await thread.close();
    }
  });

  it("loads serving indexes into the process's thread while one is in use, in the calling thread otherwise", async () => {
    const thread = new AnnSearchThread();
    const other = new AnnSearchThread();
    try {
      const stopUsing = useAnnSearchThread(thread);
      const served = await loadServingAnnIndex(path, D);
      expect("hnsw" in served).toBe(false);
      expect(thread.loadedIndexes).toBe(1);
      // Undoing after another thread was set leaves that one in place.
      const stopUsingOther = useAnnSearchThread(other);
      stopUsing();
      await loadServingAnnIndex(path, D);
      expect(other.loadedIndexes).toBe(1);
      stopUsingOther();
      const local = await loadServingAnnIndex(path, D);
      expect("hnsw" in local).toBe(true);
      expect(thread.loadedIndexes + other.loadedIndexes).toBe(2);
    } finally {
      await thread.close();
      await other.close();
    }
  });

  it("fails calls after close instead of starting a worker", async () => {
    const thread = new AnnSearchThread();
    const remote = await thread.load(path, D, 60);
    await thread.close();
    await expect(remote.search(query(0), 5)).rejects.toThrow(/closed/);
    expect(thread.workersStarted).toBe(1);
  });
});

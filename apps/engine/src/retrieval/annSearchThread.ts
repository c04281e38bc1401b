// HNSW search off the request thread. A serving engine's `ann` source spends most of its time in
// hnswlib's searchKnn (at 1M items and ef 200, ~13% of the request thread's CPU at 200 requests/s,
// docs/benchmarks.md), and Node runs every funnel on that one thread. The serve role therefore
// loads retrieval indexes into one worker thread (annSearchWorker.ts) and searches there: the
// request thread posts the query vector and goes on with other requests until the answer comes
// back. The graph lives only in the worker; the request thread keeps the vectors and ids.
//
// If the worker dies, pending searches fail (the `ann` source is then dropped for those requests,
// as any failing source is) and the next call starts a new worker, which loads again each index
// still in use from its file before searching. An index is dropped from the worker when its
// searcher is released or garbage-collected (a replaced retrieval version).
//
// Offline tools (training, evaluation, replay) keep searching in their own thread: they run one
// search at a time and would only pay the messages. useAnnSearchThread() chooses for the process.
import type { Worker } from "node:worker_threads";
import type { ScoredTopK } from "@cascade/core";
import { startTypeScriptWorker } from "../platform/typescriptWorker.ts";
import { DEFAULT_ANN_OPTIONS, loadAnnIndex, type AnnSearcher } from "./annIndex.ts";
import type { AnnSearchReply, AnnSearchRequest } from "./annSearchProtocol.ts";

const WORKER_MODULE = new URL("./annSearchWorker.ts", import.meta.url);

/** An index held by the ANN search thread; release() frees it there (also done when this is garbage-collected). */
export type ThreadAnnIndex = AnnSearcher & { readonly dimensions: number; release(): void };

type IndexFile = { path: string; dimensions: number; efSearch: number };
type Pending = { resolve(reply: AnnSearchReply): void; reject(error: Error): void };

export class AnnSearchThread {
  private worker: Worker | null = null;
  /** Loads in the current worker, by handle (forgotten with the worker). */
  private loads = new Map<number, Promise<number>>();
  private readonly pending = new Map<number, Pending>();
  private readonly files = new Map<number, IndexFile>();
  private readonly collected = new FinalizationRegistry<number>((handle) => this.drop(handle));
  private nextRequest = 1;
  private nextHandle = 1;
  private closed = false;
  /** Workers started so far (tests and diagnostics). */
  workersStarted = 0;

  /** Loads the index file in the worker; rejects with the loader's message if it does not load. */
  async load(path: string, dimensions: number, efSearch = DEFAULT_ANN_OPTIONS.efSearch): Promise<ThreadAnnIndex> {
    const handle = this.nextHandle++;
    this.files.set(handle, { path, dimensions, efSearch });
    let count: number;
    try {
      count = await this.loadedCount(handle);
    } catch (error) {
      this.drop(handle);
      throw error;
    }
    const index: ThreadAnnIndex = {
      count,
      dimensions,
      search: (query, k) => this.search(handle, query, k),
      release: () => {
        this.collected.unregister(index);
        this.drop(handle);
      },
    };
    this.collected.register(index, handle, index);
    return index;
  }

  /** Indexes loaded in the worker now (tests and diagnostics). */
  get loadedIndexes(): number {
    return this.files.size;
  }

  /** The worker, if one is running (tests kill it to check recovery). */
  get currentWorker(): Worker | null {
    return this.worker;
  }

  async search(handle: number, query: Float32Array, k: number): Promise<ScoredTopK> {
    await this.loadedCount(handle);
    const reply = await this.call((request) => ({ kind: "search", request, handle, query, k }));
    if (reply.kind !== "found") throw new Error(`ANN search thread: unexpected reply ${reply.kind}`);
    return { ids: reply.ids, scores: reply.scores };
  }

  /** Stops the worker; later calls fail. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = null;
    this.failPending(new Error("ANN search thread closed"));
    if (worker) await worker.terminate();
  }

  private loadedCount(handle: number): Promise<number> {
    const file = this.files.get(handle);
    if (!file) return Promise.reject(new Error(`ANN index ${handle} was released`));
    this.ensureWorker();
    let load = this.loads.get(handle);
    if (!load) {
      load = this.call((request) => ({ kind: "load", request, handle, ...file })).then((reply) => {
        if (reply.kind !== "loaded") throw new Error(`ANN search thread: unexpected reply ${reply.kind}`);
        // Released while it was loading (a reload after a new worker): the worker had nothing to drop then.
        if (!this.files.has(handle) && this.worker) this.post({ kind: "drop", handle });
        return reply.count;
      });
      // A failed load is tried again on the next call (a new worker, or the file is back).
      load.catch(() => {
        if (this.loads.get(handle) === load) this.loads.delete(handle);
      });
      this.loads.set(handle, load);
    }
    return load;
  }

  private drop(handle: number): void {
    if (!this.files.delete(handle)) return;
    if (this.loads.delete(handle) && this.worker) this.post({ kind: "drop", handle });
  }

  private call(message: (request: number) => AnnSearchRequest): Promise<AnnSearchReply> {
    if (this.closed || !this.worker) return Promise.reject(new Error("ANN search thread closed"));
    const request = this.nextRequest++;
    return new Promise<AnnSearchReply>((resolve, reject) => {
      this.pending.set(request, {
        resolve: (reply) => (reply.kind === "failed" ? reject(new Error(reply.message)) : resolve(reply)),
        reject,
      });
      this.post(message(request));
    });
  }

  private post(message: AnnSearchRequest): void {
    this.worker!.postMessage(message);
  }

  private ensureWorker(): void {
    if (this.worker || this.closed) return;
    const worker = startTypeScriptWorker(WORKER_MODULE);
    this.workersStarted += 1;
    // Serving keeps the process alive, not this thread.
    worker.unref();
    worker.on("message", (reply: AnnSearchReply) => {
      const pending = this.pending.get(reply.request);
      if (!pending) return;
      this.pending.delete(reply.request);
      pending.resolve(reply);
    });
    // 'error' is followed by 'exit'; the exit handler does the cleanup.
    worker.on("error", () => undefined);
    worker.on("exit", (code) => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.loads = new Map();
      this.failPending(new Error(`ANN search thread exited (code ${code})`));
    });
    this.worker = worker;
  }

  private failPending(error: Error): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const call of pending) call.reject(error);
  }
}

let processThread: AnnSearchThread | null = null;

/**
 * Loads this process's serving indexes into `thread` (by default they load in the calling thread).
 * Returns the undo, which leaves a thread set since by someone else in place.
 */
export function useAnnSearchThread(thread: AnnSearchThread): () => void {
  processThread = thread;
  return () => {
    if (processThread === thread) processThread = null;
  };
}

/** A retrieval version's index for serving: in the process's ANN search thread when there is one. */
export function loadServingAnnIndex(path: string, dimensions: number): Promise<AnnSearcher> {
  return processThread ? processThread.load(path, dimensions) : loadAnnIndex(path, dimensions);
}

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
import type { ScoredTopK } from "@cascade/core";
import { WorkerHandles } from "../platform/workerCalls.ts";
import { DEFAULT_ANN_OPTIONS, loadAnnIndex, type AnnSearcher } from "./annIndex.ts";
import type { AnnSearchReply, AnnSearchRequest } from "./annSearchProtocol.ts";

const WORKER_MODULE = new URL("./annSearchWorker.ts", import.meta.url);

/** An index held by the ANN search thread; release() frees it there (also done when this is garbage-collected). */
export type ThreadAnnIndex = AnnSearcher & { readonly dimensions: number; release(): void };

type IndexFile = { path: string; dimensions: number; efSearch: number };

export class AnnSearchThread {
  private readonly handles = new WorkerHandles<IndexFile, number, AnnSearchRequest, AnnSearchReply>(WORKER_MODULE, "ANN search thread", {
    noun: "ANN index",
    load: (request, handle, file) => ({ kind: "load", request, handle, ...file }),
    loaded: (reply) => {
      if (reply.kind !== "loaded") throw new Error(`ANN search thread: unexpected reply ${reply.kind}`);
      return reply.count;
    },
    drop: (handle) => ({ kind: "drop", handle }),
  });
  private readonly collected = new FinalizationRegistry<number>((handle) => this.handles.drop(handle));

  /** Workers started so far (tests and diagnostics). */
  get workersStarted(): number {
    return this.handles.calls.workersStarted;
  }

  /** Loads the index file in the worker; rejects with the loader's message if it does not load. */
  async load(path: string, dimensions: number, efSearch = DEFAULT_ANN_OPTIONS.efSearch): Promise<ThreadAnnIndex> {
    const { handle, loaded: count } = await this.handles.open({ path, dimensions, efSearch });
    const index: ThreadAnnIndex = {
      count,
      dimensions,
      search: (query, k) => this.search(handle, query, k),
      release: () => {
        this.collected.unregister(index);
        this.handles.drop(handle);
      },
    };
    this.collected.register(index, handle, index);
    return index;
  }

  /** Indexes loaded in the worker now (tests and diagnostics). */
  get loadedIndexes(): number {
    return this.handles.size;
  }

  /** The worker, if one is running (tests kill it to check recovery). */
  get currentWorker() {
    return this.handles.calls.currentWorker;
  }

  async search(handle: number, query: Float32Array, k: number): Promise<ScoredTopK> {
    await this.handles.loaded(handle);
    const reply = await this.handles.calls.call((request) => ({ kind: "search", request, handle, query, k }));
    if (reply.kind !== "found") throw new Error(`ANN search thread: unexpected reply ${reply.kind}`);
    return { ids: reply.ids, scores: reply.scores };
  }

  /** Stops the worker; later calls fail. */
  close(): Promise<void> {
    return this.handles.calls.close();
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

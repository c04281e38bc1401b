// The ranker's ONNX run off the request thread. onnxruntime-node runs a session synchronously on
// the calling thread (its `run` only defers to setImmediate); at 1M items and 200 requests/s that
// run was ~3.7% of the request thread's CPU (docs/benchmarks.md). The serve role therefore loads
// its rankers into one worker thread (rankerWorker.ts): a request hands its feature matrix over (its
// buffer is transferred: the caller must not read it after score()) and goes on with other
// requests until the scores come back.
//
// If the worker dies, the scoring calls in flight fail (the ranker scorer then leaves its declared
// defaults, as for any failing ranker) and the next call starts a new worker, which loads again each
// ranker still in use from the bytes kept here. release() drops a session from the worker.
//
// Offline tools (training, evaluation, the promotion gate) keep scoring in their own thread.
// useRankerThread() chooses for the process; loadServingOnnxRanker() is what the model loader calls.
import { WorkerHandles } from "../platform/workerCalls.ts";
import { loadOnnxRanker, type OnnxRanker } from "./onnxInference.ts";
import type { RankerThreadReply, RankerThreadRequest } from "./rankerThreadProtocol.ts";

const WORKER_MODULE = new URL("./rankerWorker.ts", import.meta.url);

type RankerSpec = { bytes: Uint8Array; featureCount: number | undefined };

export class RankerThread {
  private readonly handles = new WorkerHandles<RankerSpec, number, RankerThreadRequest, RankerThreadReply>(WORKER_MODULE, "ranker thread", {
    noun: "ranker",
    load: (request, handle, spec) => ({ kind: "load", request, handle, ...spec }),
    loaded: (reply) => {
      if (reply.kind !== "loaded") throw new Error(`ranker thread: unexpected reply ${reply.kind}`);
      return reply.featureCount;
    },
    drop: (handle) => ({ kind: "release", handle }),
  });

  /** Workers started so far (tests and diagnostics). */
  get workersStarted(): number {
    return this.handles.calls.workersStarted;
  }

  /** The worker, if one is running (tests kill it to check recovery). */
  get currentWorker() {
    return this.handles.calls.currentWorker;
  }

  /** Rankers loaded in the worker now (tests and diagnostics). */
  get loadedRankers(): number {
    return this.handles.size;
  }

  /** Loads a ranker in the worker; rejects with loadOnnxRanker's message if it does not load. */
  async load(bytes: Uint8Array, options: { featureCount?: number } = {}): Promise<OnnxRanker> {
    const { handle, loaded: featureCount } = await this.handles.open({ bytes, featureCount: options.featureCount });
    return {
      featureCount,
      score: async (features, rows) => {
        if (features.length !== rows * featureCount) {
          throw new Error(`expected ${rows} × ${featureCount} = ${rows * featureCount} feature values, got ${features.length}`);
        }
        await this.handles.loaded(handle);
        // The matrix's buffer is handed over, not copied, when the matrix is all of it (the scorer builds one per request).
        const whole = features.byteOffset === 0 && features.byteLength === features.buffer.byteLength;
        const transfer = whole ? [features.buffer as ArrayBuffer] : [];
        const reply = await this.handles.calls.call((request) => ({ kind: "score", request, handle, features, rows }), transfer);
        if (reply.kind !== "scored") throw new Error(`ranker thread: unexpected reply ${reply.kind}`);
        return { pClick: reply.pClick, pLike: reply.pLike, watchSeconds: reply.watchSeconds };
      },
      release: async () => this.handles.drop(handle),
    };
  }

  /**
   * Stops the worker; later calls fail. First every ONNX session in it is released, and the
   * releases already under way finish (bounded by `releaseWaitMs`): a worker terminated with live
   * sessions leaves onnxruntime's threads and environment to its static destructors at process
   * exit, which can abort the process (SIGABRT after a clean shutdown, seen in CI). Resolves with
   * the sessions the worker loaded and released over its life (null when it did not answer in
   * time, or there was no worker).
   */
  async close(options: { releaseWaitMs?: number } = {}): Promise<{ loaded: number; released: number } | null> {
    let released: { loaded: number; released: number } | null = null;
    if (this.handles.calls.currentWorker) {
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), options.releaseWaitMs ?? 5_000)));
      const answer = this.handles.calls
        .call((request) => ({ kind: "releaseAll", request }))
        .then((reply) => (reply.kind === "released" ? { loaded: reply.loaded, released: reply.released } : null))
        .catch(() => null);
      released = await Promise.race([answer, bound]);
      clearTimeout(timer);
    }
    await this.handles.calls.close();
    return released;
  }
}

let processThread: RankerThread | null = null;

/**
 * Loads this process's serving rankers into `thread` (by default they load in the calling thread).
 * Returns the undo, which leaves a thread set since by someone else in place.
 */
export function useRankerThread(thread: RankerThread): () => void {
  processThread = thread;
  return () => {
    if (processThread === thread) processThread = null;
  };
}

/** A ranker version's session for serving: in the process's ranker thread when there is one. */
export function loadServingOnnxRanker(bytes: Uint8Array, options: { featureCount?: number } = {}): Promise<OnnxRanker> {
  return processThread ? processThread.load(bytes, options) : loadOnnxRanker(bytes, options);
}

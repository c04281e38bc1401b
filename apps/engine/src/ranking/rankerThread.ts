// The ranker's ONNX run off the request thread. onnxruntime-node runs a session synchronously on
// the calling thread (its `run` only defers to setImmediate); at 1M items and 200 requests/s that
// run was ~3.7% of the request thread's CPU (docs/benchmarks.md). The serve role therefore loads
// its rankers into one worker thread (rankerWorker.ts): a request posts its feature matrix (copied:
// ~50 KB) and goes on with other requests until the scores come back.
//
// If the worker dies, the scoring calls in flight fail (the ranker scorer then leaves its declared
// defaults, as for any failing ranker) and the next call starts a new worker, which loads again each
// ranker still in use from the bytes kept here. release() drops a session from the worker.
//
// Offline tools (training, evaluation, the promotion gate) keep scoring in their own thread.
// useRankerThread() chooses for the process; loadServingOnnxRanker() is what the model loader calls.
import { WorkerCalls } from "../platform/workerCalls.ts";
import { loadOnnxRanker, type OnnxRanker } from "./onnxInference.ts";
import type { RankerThreadReply, RankerThreadRequest } from "./rankerThreadProtocol.ts";

const WORKER_MODULE = new URL("./rankerWorker.ts", import.meta.url);

type RankerSpec = { bytes: Uint8Array; featureCount: number | undefined };

export class RankerThread {
  /** Loads in the current worker, by handle (forgotten when a new worker starts). */
  private loads = new Map<number, Promise<number>>();
  private readonly calls = new WorkerCalls<RankerThreadRequest, RankerThreadReply>(WORKER_MODULE, "ranker thread", () => (this.loads = new Map()));
  private readonly specs = new Map<number, RankerSpec>();
  private nextHandle = 1;

  /** Workers started so far (tests and diagnostics). */
  get workersStarted(): number {
    return this.calls.workersStarted;
  }

  /** The worker, if one is running (tests kill it to check recovery). */
  get currentWorker() {
    return this.calls.currentWorker;
  }

  /** Rankers loaded in the worker now (tests and diagnostics). */
  get loadedRankers(): number {
    return this.specs.size;
  }

  /** Loads a ranker in the worker; rejects with loadOnnxRanker's message if it does not load. */
  async load(bytes: Uint8Array, options: { featureCount?: number } = {}): Promise<OnnxRanker> {
    const handle = this.nextHandle++;
    this.specs.set(handle, { bytes, featureCount: options.featureCount });
    let featureCount: number;
    try {
      featureCount = await this.loaded(handle);
    } catch (error) {
      this.drop(handle);
      throw error;
    }
    return {
      featureCount,
      score: async (features, rows) => {
        if (features.length !== rows * featureCount) {
          throw new Error(`expected ${rows} × ${featureCount} = ${rows * featureCount} feature values, got ${features.length}`);
        }
        await this.loaded(handle);
        const reply = await this.calls.call((request) => ({ kind: "score", request, handle, features, rows }));
        if (reply.kind !== "scored") throw new Error(`ranker thread: unexpected reply ${reply.kind}`);
        return { pClick: reply.pClick, pLike: reply.pLike, watchSeconds: reply.watchSeconds };
      },
      release: async () => this.drop(handle),
    };
  }

  /** Stops the worker; later calls fail. */
  close(): Promise<void> {
    return this.calls.close();
  }

  private loaded(handle: number): Promise<number> {
    const spec = this.specs.get(handle);
    if (!spec) return Promise.reject(new Error(`ranker ${handle} was released`));
    this.calls.ensureWorker();
    let load = this.loads.get(handle);
    if (!load) {
      load = this.calls
        .call((request) => ({ kind: "load", request, handle, ...spec }))
        .then((reply) => {
          if (reply.kind !== "loaded") throw new Error(`ranker thread: unexpected reply ${reply.kind}`);
          // Released while it was loading (a reload after a new worker): the worker had nothing to release then.
          if (!this.specs.has(handle)) this.calls.post({ kind: "release", handle });
          return reply.featureCount;
        });
      // A failed load is tried again on the next call (a new worker).
      load.catch(() => {
        if (this.loads.get(handle) === load) this.loads.delete(handle);
      });
      this.loads.set(handle, load);
    }
    return load;
  }

  private drop(handle: number): void {
    if (!this.specs.delete(handle)) return;
    if (this.loads.delete(handle)) this.calls.post({ kind: "release", handle });
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

// The ranker thread's side (started by rankerThread.ts): holds ONNX ranker sessions loaded from
// their bytes, by handle, and scores feature matrices with them. Nothing else runs here, so the
// request thread never spends its time inside onnxruntime's run.
import { parentPort } from "node:worker_threads";
import { loadOnnxRanker, type OnnxRanker } from "./onnxInference.ts";
import type { RankerThreadReply, RankerThreadRequest } from "./rankerThreadProtocol.ts";

const port = parentPort;
if (!port) throw new Error("rankerWorker.ts runs in a worker thread (see rankerThread.ts)");

const rankers = new Map<number, OnnxRanker>();
/** Releases under way ("release" does not wait for them; "releaseAll" does). */
const releasing = new Set<Promise<void>>();
const sessions = { loaded: 0, released: 0 };

function release(ranker: OnnxRanker): void {
  const done: Promise<void> = ranker
    .release()
    .then(() => void sessions.released++)
    .catch(() => undefined)
    .finally(() => releasing.delete(done));
  releasing.add(done);
}

function reply(message: RankerThreadReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A copy in an ArrayBuffer of its own (onnxruntime's outputs may share one), to transfer. */
function ownCopy(values: Float32Array): Float32Array {
  return Float32Array.from(values);
}

async function handle(request: Exclude<RankerThreadRequest, { kind: "release" }>): Promise<void> {
  try {
    if (request.kind === "releaseAll") {
      for (const ranker of rankers.values()) release(ranker);
      rankers.clear();
      await Promise.all([...releasing]);
      reply({ kind: "released", request: request.request, ...sessions });
      return;
    }
    if (request.kind === "load") {
      const ranker = await loadOnnxRanker(request.bytes, request.featureCount === undefined ? {} : { featureCount: request.featureCount });
      rankers.set(request.handle, ranker);
      sessions.loaded++;
      reply({ kind: "loaded", request: request.request, featureCount: ranker.featureCount });
      return;
    }
    const ranker = rankers.get(request.handle);
    if (!ranker) throw new Error(`no ranker loaded under handle ${request.handle}`);
    const scores = await ranker.score(request.features, request.rows);
    const [pClick, pLike, watchSeconds] = [ownCopy(scores.pClick), ownCopy(scores.pLike), ownCopy(scores.watchSeconds)];
    reply({ kind: "scored", request: request.request, pClick, pLike, watchSeconds }, [
      pClick.buffer as ArrayBuffer,
      pLike.buffer as ArrayBuffer,
      watchSeconds.buffer as ArrayBuffer,
    ]);
  } catch (error) {
    reply({ kind: "failed", request: request.request, message: messageOf(error) });
  }
}

port.on("message", (request: RankerThreadRequest) => {
  if (request.kind !== "release") {
    void handle(request);
    return;
  }
  const ranker = rankers.get(request.handle);
  rankers.delete(request.handle);
  if (ranker) release(ranker);
});

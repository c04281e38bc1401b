// The ANN search thread's side (started by annSearchThread.ts): holds HNSW indexes loaded from
// their files, by handle, and answers searches. Nothing else runs here, so a search never waits
// behind a funnel's JavaScript and the request thread never spends its time in hnswlib.
import { parentPort } from "node:worker_threads";
import { loadAnnIndex, type AnnIndex } from "./annIndex.ts";
import type { AnnSearchReply, AnnSearchRequest } from "./annSearchProtocol.ts";

const port = parentPort;
if (!port) throw new Error("annSearchWorker.ts runs in a worker thread (see annSearchThread.ts)");

const indexes = new Map<number, AnnIndex>();

function reply(message: AnnSearchReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

port.on("message", (request: AnnSearchRequest) => {
  switch (request.kind) {
    case "load":
      loadAnnIndex(request.path, request.dimensions, request.efSearch).then(
        (index) => {
          indexes.set(request.handle, index);
          reply({ kind: "loaded", request: request.request, count: index.count });
        },
        (error: unknown) => reply({ kind: "failed", request: request.request, message: messageOf(error) }),
      );
      return;
    case "search": {
      const index = indexes.get(request.handle);
      if (!index) {
        reply({ kind: "failed", request: request.request, message: `no index loaded under handle ${request.handle}` });
        return;
      }
      try {
        const found = index.search(request.query, request.k) as { ids: Int32Array; scores: Float32Array };
        reply({ kind: "found", request: request.request, ids: found.ids, scores: found.scores }, [
          found.ids.buffer as ArrayBuffer,
          found.scores.buffer as ArrayBuffer,
        ]);
      } catch (error) {
        reply({ kind: "failed", request: request.request, message: messageOf(error) });
      }
      return;
    }
    case "drop":
      indexes.delete(request.handle);
      return;
  }
});

// Builds the co-visitation table (coVisitationTable.ts) in a worker thread of its own, started for
// the build and ending by itself after it (a thread idle for the ten minutes between builds would
// hold its heap and a pg module for nothing). The request thread receives the packed arrays
// (transferred, not copied) and the ids as one string, and unpacks them in slices between requests.
import type { Worker } from "node:worker_threads";
import { wallClock, type Clock } from "../platform/clock.ts";
import { startTypeScriptWorker } from "../platform/typescriptWorker.ts";
import { coVisitationParameters, NeighbourLists, type CoVisitationOptions, type CoVisitationTable, type PackedNeighbours } from "./coVisitationTable.ts";

/** The build thread's `workerData`. */
export type CoVisitationBuildRequest = { databaseUrl: string; parameters: unknown[]; statementTimeoutMs: number };

export type CoVisitationBuildReply =
  /** `buildThreadNice`: the build thread's nice value (null where a thread's own cannot be set). */
  { kind: "built"; packed: PackedNeighbours; pairs: number; buildThreadNice: number | null } | { kind: "failed"; message: string };

/** The build thread's nice value (Linux): with the request thread at 0, the scheduler gives the build ~10% of a core they both want. */
export const BUILD_THREAD_NICE = 10;

const WORKER_MODULE = new URL("./coVisitationWorker.ts", import.meta.url);

export type CoVisitationBuilderOptions = Partial<CoVisitationOptions> & {
  /** The query's own bound (PostgreSQL's statement_timeout): a build never holds its thread forever. */
  statementTimeoutMs?: number;
  /** Stops the build thread and rejects (the engine stopping). */
  signal?: AbortSignal;
};

/** The table, and the nice value its build thread ran at (null where it could not be set). */
export type WorkerBuiltTable = CoVisitationTable & { buildThreadNice: number | null };

export async function buildCoVisitationTableInWorker(
  databaseUrl: string,
  options: CoVisitationBuilderOptions = {},
  clock: Clock = wallClock,
): Promise<WorkerBuiltTable> {
  const { statementTimeoutMs = 5 * 60_000, signal, ...tableOptions } = options;
  signal?.throwIfAborted();
  const request: CoVisitationBuildRequest = { databaseUrl, parameters: coVisitationParameters(tableOptions, clock), statementTimeoutMs };
  const worker = startTypeScriptWorker(WORKER_MODULE, { workerData: request });
  // A build must not keep a stopping process alive (the serving role's own handles do while it serves).
  worker.unref();
  const reply = await replyOf(worker, signal);
  if (reply.kind === "failed") throw new Error(`co-visitation build: ${reply.message}`);
  signal?.throwIfAborted();
  return {
    builtAtMs: Date.now(),
    pairs: reply.pairs,
    neighbours: await NeighbourLists.fromPackedInSlices(reply.packed),
    buildThreadNice: reply.buildThreadNice,
  };
}

/** The worker's one reply; rejects when it fails to start or exits without replying, or (terminating it) when `signal` aborts. */
function replyOf(worker: Worker, signal: AbortSignal | undefined): Promise<CoVisitationBuildReply> {
  let abort = (): void => undefined;
  return new Promise<CoVisitationBuildReply>((resolve, reject) => {
    abort = () => {
      reject(signal!.reason);
      void worker.terminate();
    };
    signal?.addEventListener("abort", abort, { once: true });
    worker.once("message", resolve);
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`co-visitation build thread exited (code ${code}) without a reply`)));
  }).finally(() => signal?.removeEventListener("abort", abort));
}

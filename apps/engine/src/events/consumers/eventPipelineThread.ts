// The event pipeline in a worker thread (production mode: Redis Streams). Same EventPipeline
// interface as startEventPipeline; the consumers run in eventPipelineWorker.ts on their own event
// loop, so ingestion's HTTP work and the consumers' work use both cores and neither waits for
// the other's turn (see the worker's header for the measured reason).
//
// Group status and draining are read from the stream here, on the main thread's own connection
// (they are questions about Redis, not about the worker). Statistics come from the worker on
// request. If the worker dies (a bug, an out-of-memory), it is started again after a pause under
// the same consumer name, so it first re-reads the entries it had not acknowledged: at-least-once
// delivery and idempotent sinks make that safe. The in-process stream of embedded mode cannot
// cross threads; embedded mode runs startEventPipeline on the main thread.
import { hostname } from "node:os";
import type { Worker } from "node:worker_threads";
import type { Logger } from "pino";
import { startTypeScriptWorker } from "../../platform/typescriptWorker.ts";
import type { EventPipeline, EventPipelineOptions, EventPipelineStats } from "./eventPipeline.ts";
import { monitorEventPipeline, pipelineGroupStatus, waitUntilDrained } from "./eventPipeline.ts";
import type { EventStream } from "../stream/eventStream.ts";
import type { ClockSpec } from "../../platform/clock.ts";

/** What the worker needs to build its own connections and pipeline (structured-cloned to it). */
export type EventPipelineThreadSettings = {
  redisUrl: string;
  databaseUrl: string;
  partitions: number;
  /** Stream name inside the `cascade:` namespace (default "events"). */
  streamName?: string;
  consumerName: string;
  logLevel: string;
  /** A no-op feature writer (the ingestion benchmark's `--features off`). */
  featuresOff?: boolean;
  featureLedgerRetentionMs?: number;
  /** Business time of the feature writer, as a spec (a clock's functions cannot be cloned); default wall. */
  featureClock?: ClockSpec;
  runners?: EventPipelineOptions["runners"];
  eventLogConnections?: number;
  drainOnStopMs?: number;
};

export type EventPipelineThreadRequest = { kind: "stats"; id: number } | { kind: "resetFreshness" } | { kind: "stop" };
type WorkerMessage = { kind: "ready" } | { kind: "failed"; message: string } | { kind: "reply"; id: number; stats: EventPipelineStats } | { kind: "stopped" };

export type EventPipelineThreadOptions = Omit<EventPipelineThreadSettings, "consumerName" | "logLevel" | "partitions"> & {
  /** The main thread's stream (the one the HTTP app publishes to): for status and draining. */
  stream: EventStream;
  logger: Pick<Logger, "info" | "warn" | "error" | "level">;
  consumerName?: string;
  /** Pause before starting a dead worker again. */
  restartDelayMs?: number;
  /** How long to wait for the worker to answer a stats request or to stop. */
  replyTimeoutMs?: number;
  /** Called with each worker started (the first and every restart); tests use it to kill one. */
  onWorkerStarted?: (worker: Worker) => void;
};

const WORKER_MODULE = new URL("./eventPipelineWorker.ts", import.meta.url);

export async function startEventPipelineThread(options: EventPipelineThreadOptions): Promise<EventPipeline> {
  const { stream, logger, restartDelayMs = 1_000, replyTimeoutMs = 10_000 } = options;
  const settings: EventPipelineThreadSettings = {
    redisUrl: options.redisUrl,
    databaseUrl: options.databaseUrl,
    partitions: stream.partitions,
    consumerName: options.consumerName ?? `${hostname()}-${process.pid}`,
    logLevel: typeof options.logger.level === "string" ? options.logger.level : "info",
    ...(options.streamName === undefined ? {} : { streamName: options.streamName }),
    ...(options.featuresOff ? { featuresOff: true } : {}),
    ...(options.featureLedgerRetentionMs === undefined ? {} : { featureLedgerRetentionMs: options.featureLedgerRetentionMs }),
    ...(options.runners === undefined ? {} : { runners: options.runners }),
    ...(options.featureClock === undefined ? {} : { featureClock: options.featureClock }),
    ...(options.eventLogConnections === undefined ? {} : { eventLogConnections: options.eventLogConnections }),
    ...(options.drainOnStopMs === undefined ? {} : { drainOnStopMs: options.drainOnStopMs }),
  };

  let worker: Worker;
  let stopping = false;
  let nextRequestId = 1;
  const pendingStats = new Map<number, (stats: EventPipelineStats) => void>();

  /** Starts a worker and resolves once it consumes (rejects if it could not start). */
  const launch = () =>
    new Promise<void>((resolve, reject) => {
      let ready = false;
      worker = startTypeScriptWorker(WORKER_MODULE, { workerData: settings });
      options.onWorkerStarted?.(worker);
      worker.on("message", (message: WorkerMessage) => {
        if (message.kind === "ready") {
          ready = true;
          resolve();
        } else if (message.kind === "failed") {
          reject(new Error(`event pipeline thread could not start: ${message.message}`));
        } else if (message.kind === "reply") {
          pendingStats.get(message.id)?.(message.stats);
          pendingStats.delete(message.id);
        }
      });
      worker.on("error", (error) => logger.error({ err: error }, "event pipeline thread failed"));
      worker.on("exit", (code) => {
        if (!ready) {
          reject(new Error(`event pipeline thread exited with code ${code} before it was ready`));
          return;
        }
        if (stopping) return;
        logger.error({ code, restartInMs: restartDelayMs }, "event pipeline thread died; starting it again (its unacknowledged entries are re-read)");
        setTimeout(() => {
          if (!stopping) launch().catch((error: unknown) => logger.error({ err: error }, "event pipeline thread could not restart"));
        }, restartDelayMs).unref();
      });
    });

  await launch();
  logger.info({ partitions: settings.partitions, consumer: settings.consumerName }, "event pipeline running in a worker thread");

  const request = (message: EventPipelineThreadRequest) => worker.postMessage(message);
  let stopped: Promise<void> | null = null;
  const pipeline: EventPipeline = {
    resetFreshness: () => request({ kind: "resetFreshness" }),
    stats: () =>
      new Promise<EventPipelineStats>((resolve, reject) => {
        if (stopping) {
          reject(new Error("event pipeline thread is stopped"));
          return;
        }
        const id = nextRequestId++;
        const timer = setTimeout(() => {
          pendingStats.delete(id);
          reject(new Error(`event pipeline thread did not answer within ${replyTimeoutMs} ms`));
        }, replyTimeoutMs);
        pendingStats.set(id, (stats) => {
          clearTimeout(timer);
          resolve(stats);
        });
        request({ kind: "stats", id });
      }),
    status: () => pipelineGroupStatus(stream),
    drained: (timeoutMs) => waitUntilDrained(stream, timeoutMs),
    stop() {
      stopped ??= (async () => {
        monitorEventPipeline(stream, null);
        stopping = true;
        const done = new Promise<void>((resolve) => {
          worker.once("exit", () => resolve());
          worker.on("message", (message: WorkerMessage) => {
            if (message.kind === "stopped") resolve();
          });
        });
        request({ kind: "stop" });
        // The worker drains (bounded) and closes its connections; past the bound it is terminated.
        const deadline = (options.drainOnStopMs ?? 5_000) + replyTimeoutMs;
        const timedOut = await Promise.race([done.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), deadline).unref())]);
        if (timedOut) logger.warn({ afterMs: deadline }, "event pipeline thread did not stop in time; terminating it");
        await worker.terminate();
        logger.info("event pipeline thread stopped");
      })();
      return stopped;
    },
  };
  // /v1/health asks the worker's runners (a dead or restarting worker does not answer: degraded).
  monitorEventPipeline(stream, async () => (await pipeline.stats()).consumers);
  return pipeline;
}

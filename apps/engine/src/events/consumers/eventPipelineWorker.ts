// The event pipeline's consumers in a worker thread (started by eventPipelineThread.ts; not
// imported anywhere else). It builds its own connections — Redis event stream and online store,
// PostgreSQL pool for the event log and item categories — and runs startEventPipeline exactly as
// the main thread would. Why a thread: the consumers' work (decoding batches, planning feature
// updates, encoding script arguments, the garbage it leaves) then runs beside the HTTP handlers on
// the second core instead of queueing behind them on one event loop; at 20k events/s a shared loop
// delayed features by seconds.
//
// Protocol (messages on the parent port): the worker sends {kind:"ready"} once consuming, or
// {kind:"failed", message} if it could not start; it answers {kind:"stats", id} with
// {kind:"reply", id, stats}, applies {kind:"resetFreshness"}, and on {kind:"stop"} stops the
// pipeline (after its bounded drain), closes its connections and sends {kind:"stopped"}.
import { parentPort, workerData } from "node:worker_threads";
import pg from "pg";
import { pino } from "pino";
import { clockFromSpec } from "../../platform/clock.ts";
import { useItemCategoriesFrom } from "../../features/itemCategories.ts";
import { createRedisOnlineStore } from "../../stores/redisOnlineStore.ts";
import { startEventPipeline } from "./eventPipeline.ts";
import type { EventPipelineThreadRequest, EventPipelineThreadSettings } from "./eventPipelineThread.ts";
import { createRedisEventStream } from "../stream/redisEventStream.ts";

const settings = workerData as EventPipelineThreadSettings;
const port = parentPort!;
// JSON lines on stdout like the main thread's logger (pino writes to the fd, not through the parent).
const logger = pino({ level: settings.logLevel, base: { thread: "event-pipeline" } });

async function main(): Promise<void> {
  const categoriesPool = new pg.Pool({ connectionString: settings.databaseUrl, max: 1 });
  categoriesPool.on("error", (error) => logger.warn({ err: error }, "item categories: idle database connection failed"));
  useItemCategoriesFrom(
    async (ids) => (await categoriesPool.query<{ id: string; category: string }>("SELECT id, category FROM items WHERE id = ANY($1::text[])", [ids])).rows,
  );
  const stream = await createRedisEventStream({
    url: settings.redisUrl,
    partitions: settings.partitions,
    logger,
    ...(settings.streamName ? { name: settings.streamName } : {}),
  });
  const store = await createRedisOnlineStore({ url: settings.redisUrl, logger });
  const pipeline = await startEventPipeline({
    stream,
    databaseUrl: settings.databaseUrl,
    store,
    logger,
    consumerName: settings.consumerName,
    ...(settings.featuresOff ? { writeFeatures: async () => undefined } : {}),
    ...(settings.featureLedgerRetentionMs === undefined ? {} : { featureLedgerRetentionMs: settings.featureLedgerRetentionMs }),
    ...(settings.featureClock ? { featureClock: clockFromSpec(settings.featureClock) } : {}),
    ...(settings.runners ? { runners: settings.runners } : {}),
    ...(settings.eventLogConnections === undefined ? {} : { eventLogConnections: settings.eventLogConnections }),
    ...(settings.drainOnStopMs === undefined ? {} : { drainOnStopMs: settings.drainOnStopMs }),
  });

  port.on("message", (request: EventPipelineThreadRequest) => {
    if (request.kind === "resetFreshness") {
      pipeline.resetFreshness();
    } else if (request.kind === "stats") {
      void pipeline.stats().then((stats) => port.postMessage({ kind: "reply", id: request.id, stats }));
    } else if (request.kind === "stop") {
      void (async () => {
        await pipeline.stop();
        await Promise.allSettled([stream.close(), store.close(), categoriesPool.end()]);
        port.postMessage({ kind: "stopped" });
        port.close();
      })();
    }
  });
  port.postMessage({ kind: "ready" });
}

main().catch((error: unknown) => {
  port.postMessage({ kind: "failed", message: error instanceof Error ? error.message : String(error) });
});

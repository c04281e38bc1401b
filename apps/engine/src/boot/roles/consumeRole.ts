// The consume role: the event stream's consumers (groups "offline-log" → PostgreSQL event log and
// rollups, "online-features" → online store; events/consumers/eventPipeline.ts).
//
// `cascade consume` runs them alone, against the shared PostgreSQL and Redis, with a small HTTP
// listener on CONSUMER_PORT for probes: GET /health (the groups' pending and lag, this process's
// runners) and GET /metrics (Prometheus text). Every `cascade consume` (and every `cascade start`
// on the same Redis) is one consumer in both groups, named host-pid: Redis hands each stream entry
// to one of them, and entries a dead process left pending are taken over by another after
// CASCADE_CONSUMER_RECLAIM_IDLE_MS. Both sinks are idempotent by event id, so a taken-over entry
// handled twice is stored and counted once. SIGTERM: the listener closes, each runner finishes and
// acknowledges its batch (after a bounded wait for the backlog), then the connections close.
import { createServer, type Server } from "node:http";
import { hostname } from "node:os";
import type { Clock } from "../../platform/clock.ts";
import type { EngineEnv } from "../../platform/env.ts";
import { createEventStream, startEventPipeline, startEventPipelineThread, type EventPipeline, type EventStream } from "../../events/index.ts";
import { eventPipelineHealth } from "../../events/consumers/eventPipeline.ts";
import type { OnlineStore } from "../../stores/onlineStore.ts";
import { createOnlineStore } from "../../stores/index.ts";
import { createPrismaClient } from "@cascade/db";
import { checkSharedDatabase } from "../database.ts";
import { resolveBusinessClock } from "../businessClock.ts";
import { assertPortsFree } from "../ports.ts";
import { BootContext, consumerRunnerSettings, requireSharedServices } from "./bootContext.ts";

/** The event stream the HTTP app publishes to and the consumers read (Redis with REDIS_URL, else in-process). */
export async function openEventStream(context: BootContext, env: EngineEnv): Promise<EventStream> {
  const eventStream = await createEventStream({ redisUrl: env.REDIS_URL, logger: context.logger, partitions: env.CASCADE_EVENT_PARTITIONS });
  context.push("event stream", () => eventStream.close());
  return eventStream;
}

export type EventConsumersInput = {
  env: EngineEnv;
  eventStream: EventStream;
  databaseUrl: string;
  /** The online store the consumers write (inline mode; the worker thread opens its own Redis connection). */
  store: () => Promise<OnlineStore>;
  clock: Clock;
};

/**
 * Starts both consumer groups on `eventStream` (creating the groups first). With Redis they run in a
 * worker thread (CASCADE_EVENT_CONSUMERS=thread, the default); the in-process stream cannot cross
 * threads, so embedded mode runs them on the main thread.
 */
export async function startEventConsumers(context: BootContext, input: EventConsumersInput): Promise<EventPipeline> {
  const { env } = input;
  const settings = {
    stream: input.eventStream,
    databaseUrl: input.databaseUrl,
    logger: context.logger,
    runners: consumerRunnerSettings(env),
    featureLedgerRetentionMs: env.CASCADE_FEATURE_LEDGER_RETENTION_MS,
  };
  const pipeline =
    env.REDIS_URL && env.CASCADE_EVENT_CONSUMERS === "thread"
      ? await startEventPipelineThread({ ...settings, redisUrl: env.REDIS_URL, featureClock: input.clock.spec })
      : await startEventPipeline({ ...settings, store: await input.store(), featureClock: input.clock });
  context.push("event pipeline", () => pipeline.stop());
  return pipeline;
}

/** `cascade consume`: the event consumers alone, on the shared PostgreSQL and Redis. */
export async function consumePlatform(env: EngineEnv, options: { migrate: boolean }): Promise<void> {
  // Refused before anything starts (the CLI prints the message and exits 1).
  const { databaseUrl } = requireSharedServices(env, "consume");
  const context = new BootContext("consume", env.LOG_LEVEL);
  await context.run(async () => {
    const { logger } = context;
    if (env.CONSUMER_PORT > 0) await assertPortsFree(env.ENGINE_HOST, [{ port: env.CONSUMER_PORT, what: "CONSUMER_PORT" }]);
    await checkSharedDatabase(databaseUrl, logger, { migrate: options.migrate, role: "consume" });
    const db = createPrismaClient(databaseUrl, { poolSize: 2 });
    context.push("prisma", () => db.$disconnect());
    // Business time of the feature writer: the same CASCADE_CLOCK as the engines (`data` anchors at the newest logged event).
    const clock = await resolveBusinessClock(env.CASCADE_CLOCK, db, logger);
    const eventStream = await openEventStream(context, env);
    const pipeline = await startEventConsumers(context, {
      env,
      eventStream,
      databaseUrl,
      store: async () => {
        const store = await createOnlineStore({ redisUrl: env.REDIS_URL, logger });
        context.push("online store", () => store.close());
        return store;
      },
      clock,
    });
    const consumer = `${hostname()}-${process.pid}`;
    if (env.CONSUMER_PORT > 0) {
      const server = createConsumerProbeServer({ eventStream, pipeline, ping: () => db.$queryRaw`SELECT 1`, consumer });
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(env.CONSUMER_PORT, env.ENGINE_HOST, () => resolve());
      });
      // Unwinds before the pipeline stops: probes stop answering, then the consumers finish their batches.
      context.push("probe listener", () => new Promise<void>((resolve) => server.close(() => resolve())));
    }
    logger.info(
      {
        role: "consume",
        consumer,
        partitions: eventStream.partitions,
        probes: env.CONSUMER_PORT > 0 ? `http://${env.ENGINE_HOST}:${env.CONSUMER_PORT}` : null,
        reclaimIdleMs: env.CASCADE_CONSUMER_RECLAIM_IDLE_MS,
      },
      "cascade consume is running",
    );
  });
}

type ProbeInput = { eventStream: EventStream; pipeline: EventPipeline; ping: () => Promise<unknown>; consumer: string };

/**
 * GET /health: 200 `ok` or `degraded` (a group missing, over 30 s behind, or this process's runners
 * failing 3 times in a row: the same rules as the engine's /v1/health), 503 `down` when PostgreSQL
 * does not answer. GET /metrics: this process's runners and the groups, in the Prometheus text format.
 */
export function createConsumerProbeServer(input: ProbeInput): Server {
  return createServer((request, response) => {
    const send = (status: number, type: string, body: string) => {
      response.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      response.end(body);
    };
    const path = (request.url ?? "/").split("?")[0];
    if (request.method !== "GET" || (path !== "/health" && path !== "/metrics")) {
      send(404, "application/json", JSON.stringify({ error: { code: "not_found", message: "GET /health or /metrics" } }));
      return;
    }
    const answer = path === "/health" ? consumerHealth(input) : consumerMetrics(input);
    answer.then(
      ({ status, type, body }) => send(status, type, body),
      () => send(503, "application/json", JSON.stringify({ status: "down", role: "consume", consumer: input.consumer })),
    );
  });
}

async function consumerHealth(input: ProbeInput): Promise<{ status: number; type: string; body: string }> {
  const [database, pipeline, groups] = await Promise.all([
    withTimeout(
      input.ping().then(() => "ok" as const),
      2_000,
    ).then((value) => value ?? ("down" as const)),
    eventPipelineHealth(input.eventStream, 1_500),
    withTimeout(input.pipeline.status(), 1_500),
  ]);
  const problems = [...(database === "down" ? ["the database does not answer"] : []), ...(pipeline?.problems ?? [])];
  const status = database === "down" ? "down" : problems.length > 0 ? "degraded" : "ok";
  const body = { status, role: "consume", consumer: input.consumer, database, groups: groups ?? null, problems };
  return { status: status === "down" ? 503 : 200, type: "application/json", body: JSON.stringify(body) };
}

async function consumerMetrics(input: ProbeInput): Promise<{ status: number; type: string; body: string }> {
  const [stats, groups] = await Promise.all([input.pipeline.stats(), withTimeout(input.pipeline.status(), 1_500)]);
  const lines: string[] = [];
  const family = (name: string, type: "counter" | "gauge", help: string, samples: [Record<string, string | number>, number][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      const text = Object.entries(labels)
        .map(([key, label]) => `${key}="${String(label)}"`)
        .join(",");
      lines.push(`${name}${text ? `{${text}}` : ""} ${value}`);
    }
  };
  const perRunner = (pick: (runner: (typeof stats.consumers)[number]) => number) =>
    stats.consumers.map((runner): [Record<string, string | number>, number] => [{ group: runner.group, partition: runner.partition }, pick(runner)]);
  family(
    "cascade_consumer_entries_total",
    "counter",
    "Stream entries this process handled and acknowledged.",
    perRunner((runner) => runner.entries),
  );
  family(
    "cascade_consumer_reclaimed_total",
    "counter",
    "Stream entries taken over from another (dead) consumer.",
    perRunner((runner) => runner.reclaimed),
  );
  family(
    "cascade_consumer_failures_total",
    "counter",
    "Failed reads, handler runs or acks (retried).",
    perRunner((runner) => runner.failures),
  );
  family(
    "cascade_consumer_dead_lettered_events_total",
    "counter",
    "Events of poison entries written to rejected_events.",
    perRunner((runner) => runner.deadLetteredEvents),
  );
  family("cascade_event_log_inserted_total", "counter", "Events this process inserted into the event log.", [[{}, stats.eventLog.inserted]]);
  family("cascade_event_log_duplicates_total", "counter", "Events dropped as already stored (redeliveries, resent ids).", [
    [{}, stats.eventLog.duplicatesDropped],
  ]);
  if (groups) {
    family(
      "cascade_consumer_group_pending",
      "gauge",
      "Entries delivered to a consumer of the group, not yet acknowledged.",
      groups.map((g) => [{ group: g.group }, g.pending]),
    );
    family(
      "cascade_consumer_group_lag",
      "gauge",
      "Entries on the stream not yet delivered to the group.",
      groups.map((g) => [{ group: g.group }, g.lag]),
    );
  }
  return { status: 200, type: "text/plain; version=0.0.4; charset=utf-8", body: lines.join("\n") + "\n" };
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise.catch(() => null), new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)))]);
  } finally {
    clearTimeout(timer);
  }
}

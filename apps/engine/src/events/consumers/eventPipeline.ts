// The consumers of the event stream, started together by the engine process (embedded and
// production alike; a future flag can run them in a separate process, since they share nothing
// with the HTTP app but the stream):
//
//   group "offline-log"      → PostgreSQL event log + implicit users + metrics rollups
//                               (offlineLogConsumer.ts, one transaction per batch)
//   group "online-features"  → online store via the feature registry's writer (featureConsumer.ts)
//
// Each group runs one consumer runner per partition in this process (consumerRunner.ts). Groups
// are independent: a slow PostgreSQL delays the log and rollups, never feature freshness. Several
// engine replicas share the work: each is its own consumer (host + pid) in both groups, Redis
// hands every entry to one of them, and a dead replica's entries are reclaimed by the others.
import { hostname } from "node:os";
import type { Logger } from "pino";
import type { Clock } from "../../platform/clock.ts";
import type { OnlineStore } from "../../stores/onlineStore.ts";
import { startConsumerRunner, type ConsumerHandler, type ConsumerRunner, type ConsumerRunnerOptions, type ConsumerStats } from "./consumerRunner.ts";
import type { EventStream, GroupStatus } from "../stream/eventStream.ts";
import { createFeatureConsumer, type OnlineFeatureWriter } from "./featureConsumer.ts";
import { FreshnessHistogram, type FreshnessSummary } from "./freshnessHistogram.ts";
import { writeStreamDeadLetters } from "./deadLetters.ts";
import { createEventLogPool, entriesJson, writeJsonToEventLog } from "./offlineLogConsumer.ts";

export const OFFLINE_LOG_GROUP = "offline-log";
export const ONLINE_FEATURES_GROUP = "online-features";
export const EVENT_PIPELINE_GROUPS = [OFFLINE_LOG_GROUP, ONLINE_FEATURES_GROUP] as const;

type RunnerSettings = Pick<
  ConsumerRunnerOptions,
  "batchEntries" | "blockMs" | "reclaimIdleMs" | "reclaimEveryMs" | "backoffInitialMs" | "backoffMaxMs" | "maxDeliveries"
>;

export type EventPipelineOptions = {
  stream: EventStream;
  /** PostgreSQL, for the event log (the consumer opens a small pool of its own; see offlineLogConsumer.ts). */
  databaseUrl: string;
  store: OnlineStore;
  logger: Pick<Logger, "info" | "warn" | "error" | "debug">;
  /** This process's consumer name in every group (default: host name and pid). */
  consumerName?: string;
  /** The online feature writer (default: the feature registry's). */
  writeFeatures?: OnlineFeatureWriter;
  /**
   * How long the default writer's per-entity ledgers remember applied event ids (default 48 h). A
   * redelivery later than this is applied again, so keep it above the longest time an entry can
   * stay pending (a consumer outage); shorter saves Redis memory: each entity's ledger holds every
   * event id it saw in the period (≈ 2 × events/s × retention ids in all).
   */
  featureLedgerRetentionMs?: number;
  /** Business time the online features are written at (platform/clock.ts); default the wall clock. */
  featureClock?: Clock;
  /** Runner settings, for both groups (see consumerRunner.ts for defaults). */
  runners?: RunnerSettings;
  /**
   * Event-log statements in flight at once, whatever the partition count (the pool's size; the
   * runners queue for a connection). PostgreSQL's insert work is the heaviest part of ingestion:
   * capping it keeps the database from starving the engine's own CPU on a small machine; the
   * stream absorbs the difference as lag.
   */
  eventLogConnections?: number;
  /** On stop, wait this long for the groups to catch up first (the in-process stream dies with us). */
  drainOnStopMs?: number;
};

/** Health turns "degraded" when a group's oldest unacknowledged entry is older than this. */
export const PIPELINE_LAG_LIMIT_MS = 30_000;
/** …or when a consumer has failed this many times in a row (backoff 0.1 s, 0.2 s, 0.4 s: about a second). */
export const PIPELINE_FAILING_AFTER = 3;

export type EventPipelineHealth = { status: "ok" | "degraded"; problems: string[] };

/**
 * The consumers' truth for GET /v1/health, from what the stream says about the groups and what
 * the runners say about themselves. Pure, for tests. Words no internals (the endpoint is public).
 */
export function describePipelineHealth(input: {
  partitions: number;
  /** null: the stream did not answer. */
  groups: readonly GroupStatus[] | null;
  /** null: the consumers did not answer (a worker thread dead or restarting). */
  consumers: readonly ConsumerStats[] | null;
  nowMs: number;
}): EventPipelineHealth {
  const problems: string[] = [];
  if (input.groups === null) problems.push("the event stream does not answer: accepted events wait there or are refused");
  for (const group of input.groups === null ? [] : EVENT_PIPELINE_GROUPS) {
    const status = input.groups!.find((entry) => entry.group === group);
    const present = status?.partitions ?? 0;
    if (present < input.partitions) {
      problems.push(
        `consumer group ${group} is missing on ${input.partitions - present} of ${input.partitions} partitions (Redis lost it; the consumers recreate it)`,
      );
    } else if (status!.oldestUnackedAt !== null && input.nowMs - status!.oldestUnackedAt > PIPELINE_LAG_LIMIT_MS) {
      const seconds = Math.round((input.nowMs - status!.oldestUnackedAt) / 1000);
      problems.push(`consumer group ${group} is ${seconds} s behind (${status!.pending} pending, ${status!.lag} undelivered stream entries)`);
    }
  }
  if (input.consumers === null) {
    problems.push("the event consumers do not answer");
  } else {
    for (const group of EVENT_PIPELINE_GROUPS) {
      const runners = input.consumers.filter((consumer) => consumer.group === group);
      const failing = runners.filter((consumer) => consumer.consecutiveFailures >= PIPELINE_FAILING_AFTER);
      if (failing.length > 0) problems.push(`${failing.length} of ${runners.length} ${group} consumers are failing (retrying; details in the log)`);
    }
  }
  return { status: problems.length === 0 ? "ok" : "degraded", problems };
}

/** Per stream (the one the HTTP app publishes to): how to read the consumers of this process. */
const monitors = new WeakMap<EventStream, () => Promise<ConsumerStats[]>>();

/** Lets /v1/health find the consumers running in this process for `stream` (eventPipelineThread.ts registers its worker's). */
export function monitorEventPipeline(stream: EventStream, consumers: (() => Promise<ConsumerStats[]>) | null): void {
  if (consumers) monitors.set(stream, consumers);
  else monitors.delete(stream);
}

/**
 * The pipeline health of the consumers this process runs on `stream`; null when it runs none
 * (nothing to report: a process that only serves, or a test engine without consumers).
 */
export async function eventPipelineHealth(stream: EventStream, timeoutMs = 1_500): Promise<EventPipelineHealth | null> {
  const consumers = monitors.get(stream);
  if (!consumers) return null;
  const [groups, stats] = await Promise.all([withTimeout(pipelineGroupStatus(stream), timeoutMs), withTimeout(consumers(), timeoutMs)]);
  return describePipelineHealth({ partitions: stream.partitions, groups, consumers: stats, nowMs: Date.now() });
}

/** The value, or null when it failed or took longer than `timeoutMs`. */
async function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), timeoutMs);
  });
  try {
    return await Promise.race([promise.catch(() => null), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export type EventPipelineStats = {
  consumers: ConsumerStats[];
  eventLog: { inserted: number; duplicatesDropped: number };
  freshness: FreshnessSummary;
};

export type EventPipeline = {
  /** Forgets the features consumer's freshness samples so far (the benchmark does after warm-up). */
  resetFreshness(): void;
  stats(): Promise<EventPipelineStats>;
  /** Pending and lag of each group. */
  status(): Promise<GroupStatus[]>;
  /** Resolves once every group has consumed and acknowledged all entries published so far. */
  drained(timeoutMs?: number): Promise<void>;
  /** Waits (bounded) for the backlog, then stops every runner after its current batch. */
  stop(): Promise<void>;
};

export async function startEventPipeline(options: EventPipelineOptions): Promise<EventPipeline> {
  const { stream, store, logger } = options;
  const consumerName = options.consumerName ?? `${hostname()}-${process.pid}`;
  for (const group of EVENT_PIPELINE_GROUPS) await stream.ensureGroup(group);

  const eventLog = { inserted: 0, duplicatesDropped: 0 };
  const pool = createEventLogPool(options.databaseUrl, options.eventLogConnections ?? 2, logger);
  const offlineLog: ConsumerHandler = async ({ entries }) => {
    const written = await writeJsonToEventLog(pool, entriesJson(entries));
    eventLog.inserted += written.inserted;
    if (written.duplicates > 0) {
      eventLog.duplicatesDropped += written.duplicates;
      logger.debug({ duplicates: written.duplicates }, "event log: dropped events already stored");
    }
  };
  const freshness = new FreshnessHistogram();
  const features = createFeatureConsumer({
    store,
    freshness,
    ...(options.writeFeatures ? { write: options.writeFeatures } : {}),
    ...(options.featureLedgerRetentionMs === undefined ? {} : { ledgerRetentionMs: options.featureLedgerRetentionMs }),
    ...(options.featureClock ? { clock: options.featureClock } : {}),
  });

  const runners: ConsumerRunner[] = [];
  for (const [group, handler] of [
    [OFFLINE_LOG_GROUP, offlineLog],
    [ONLINE_FEATURES_GROUP, features],
  ] as const) {
    for (let partition = 0; partition < stream.partitions; partition += 1) {
      runners.push(
        startConsumerRunner({
          stream,
          group,
          consumer: consumerName,
          partition,
          handler,
          logger,
          // Poison entries go to rejected_events (with the reason) instead of blocking the partition.
          deadLetter: (dead) => writeStreamDeadLetters(pool, dead),
          ...options.runners,
        }),
      );
    }
  }
  logger.info({ partitions: stream.partitions, groups: EVENT_PIPELINE_GROUPS, consumer: consumerName }, "event pipeline started");
  monitorEventPipeline(stream, async () => runners.map((runner) => runner.stats()));

  const status = () => pipelineGroupStatus(stream);
  const drained = (timeoutMs?: number) => waitUntilDrained(stream, timeoutMs);

  let stopped: Promise<void> | null = null;
  return {
    resetFreshness: () => freshness.reset(),
    stats: async () => ({ consumers: runners.map((runner) => runner.stats()), eventLog: { ...eventLog }, freshness: freshness.summary() }),
    status,
    drained,
    stop() {
      stopped ??= (async () => {
        monitorEventPipeline(stream, null);
        try {
          await drained(options.drainOnStopMs ?? 5_000);
        } catch (error) {
          logger.warn({ err: error }, "event pipeline stopping with a backlog (it stays on the stream if the stream is Redis)");
        }
        await Promise.all(runners.map((runner) => runner.stop()));
        await pool.end();
        logger.info("event pipeline stopped");
      })();
      return stopped;
    },
  };
}

/** Pending and lag of the pipeline's groups on `stream`. */
export async function pipelineGroupStatus(stream: EventStream): Promise<GroupStatus[]> {
  return (await stream.groupStatus()).filter((entry) => (EVENT_PIPELINE_GROUPS as readonly string[]).includes(entry.group));
}

/** Resolves once every pipeline group on `stream` has consumed and acknowledged all entries published so far. */
export async function waitUntilDrained(stream: EventStream, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const groups = await pipelineGroupStatus(stream);
    // A group missing from the stream (its keys deleted under us) is not "drained": it lost entries.
    const complete = groups.length === EVENT_PIPELINE_GROUPS.length && groups.every((group) => group.partitions === stream.partitions);
    if (complete && groups.every((group) => group.pending === 0 && group.lag === 0)) return;
    if (Date.now() >= deadline) throw new Error(`event pipeline not drained after ${timeoutMs} ms: ${JSON.stringify(groups)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

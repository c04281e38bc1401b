// Runs one consumer on one partition of one consumer group: read → handler(batch) → ack, forever.
//
// At-least-once, and why each step is where it is:
// - the batch is acknowledged only after the handler resolved; if the handler throws (or the
//   process dies) the entries stay pending, nothing is lost;
// - after a failure the runner backs off (exponentially, capped) and then re-reads its own pending
//   entries first, so a transient outage delays a batch without reordering it behind newer ones;
// - on start, it also re-reads its own pending entries (a restart under the same consumer name);
// - every `reclaimEveryMs` it takes over entries another consumer of the group has left pending
//   for `reclaimIdleMs` (a crashed replica) and processes them;
// - so a handler sees some batches twice: handlers must be idempotent (ours are, by event id).
// `stop()` lets the batch in progress finish (handler and ack) and then returns; a blocked read
// ends within `blockMs`.
import type { StreamEvent } from "@cascade/core";
import type { Logger } from "pino";
import type { EventStream, StreamEntry } from "./eventStream.ts";

/** One read's worth of entries; `events` (all entries' events, in order) is decoded on first access. */
export type ConsumerBatch = { readonly entries: readonly StreamEntry[]; readonly events: readonly StreamEvent[] };

export type ConsumerHandler = (batch: ConsumerBatch) => Promise<void>;

export type ConsumerRunnerOptions = {
  stream: EventStream;
  group: string;
  /** Unique per process and partition (pending entries are owned by consumer name). */
  consumer: string;
  partition: number;
  handler: ConsumerHandler;
  logger: Pick<Logger, "warn" | "error">;
  /** Entries per read (each holds one publish's events for this partition). */
  batchEntries?: number;
  /** How long a read waits for new entries before looping (also bounds `stop()`). */
  blockMs?: number;
  /** Entries pending this long with another consumer are presumed abandoned and taken over. */
  reclaimIdleMs?: number;
  reclaimEveryMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
};

export type ConsumerStats = {
  group: string;
  consumer: string;
  partition: number;
  /** Batches handled and acknowledged, and the stream entries they held. */
  batches: number;
  entries: number;
  /** Entries taken over from other consumers. */
  reclaimed: number;
  /** Failed attempts (read, handler or ack), and how many in a row right now. */
  failures: number;
  consecutiveFailures: number;
  lastError: string | null;
};

export type ConsumerRunner = {
  stats(): ConsumerStats;
  /** Finishes the batch in progress, then resolves. */
  stop(): Promise<void>;
};

export function startConsumerRunner(options: ConsumerRunnerOptions): ConsumerRunner {
  const settings = {
    batchEntries: options.batchEntries ?? 16,
    blockMs: options.blockMs ?? 500,
    reclaimIdleMs: options.reclaimIdleMs ?? 30_000,
    reclaimEveryMs: options.reclaimEveryMs ?? 10_000,
    backoffInitialMs: options.backoffInitialMs ?? 100,
    backoffMaxMs: options.backoffMaxMs ?? 5_000,
  };
  const { stream, group, consumer, partition, handler, logger } = options;
  const stats: ConsumerStats = { group, consumer, partition, batches: 0, entries: 0, reclaimed: 0, failures: 0, consecutiveFailures: 0, lastError: null };
  let stopping = false;
  let wakeSleeper: (() => void) | null = null;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeSleeper = null;
        resolve();
      }
      wakeSleeper = done;
    });

  async function nextBatch(state: { from: "pending" | "new"; nextReclaimAt: number }): Promise<StreamEntry[]> {
    if (Date.now() >= state.nextReclaimAt) {
      state.nextReclaimAt = Date.now() + settings.reclaimEveryMs;
      const reclaimed = await stream.reclaim(group, consumer, { partition, minIdleMs: settings.reclaimIdleMs, count: settings.batchEntries });
      stats.reclaimed += reclaimed.length;
      if (reclaimed.length > 0) return reclaimed;
    }
    if (state.from === "pending") {
      const pending = await stream.read(group, consumer, { partition, count: settings.batchEntries, from: "pending" });
      if (pending.length > 0) return pending;
      state.from = "new";
    }
    return stream.read(group, consumer, { partition, count: settings.batchEntries, from: "new", blockMs: settings.blockMs });
  }

  async function run(): Promise<void> {
    const state: { from: "pending" | "new"; nextReclaimAt: number } = { from: "pending", nextReclaimAt: 0 };
    while (!stopping) {
      try {
        const entries = await nextBatch(state);
        if (entries.length === 0) continue;
        await handler(toBatch(entries));
        await stream.ack(group, entries);
        stats.batches += 1;
        stats.entries += entries.length;
        stats.consecutiveFailures = 0;
      } catch (error) {
        stats.failures += 1;
        stats.consecutiveFailures += 1;
        stats.lastError = error instanceof Error ? error.message : String(error);
        // Unacknowledged entries stay pending with us: retry them first, after a pause.
        state.from = "pending";
        const delay = Math.min(settings.backoffMaxMs, settings.backoffInitialMs * 2 ** (stats.consecutiveFailures - 1));
        const log = stats.consecutiveFailures === 1 || stats.consecutiveFailures % 10 === 0 ? logger.error.bind(logger) : logger.warn.bind(logger);
        log({ err: error, group, partition, consumer, consecutiveFailures: stats.consecutiveFailures, retryInMs: delay }, "event consumer failed; its batch stays pending and will be retried");
        if (!stopping) await sleep(delay);
      }
    }
  }

  const running = run();
  return {
    stats: () => ({ ...stats }),
    async stop() {
      stopping = true;
      wakeSleeper?.();
      await running;
    },
  };
}

function toBatch(entries: readonly StreamEntry[]): ConsumerBatch {
  let events: readonly StreamEvent[] | undefined;
  return {
    entries,
    get events() {
      return (events ??= entries.length === 1 ? entries[0]!.events : entries.flatMap((entry) => entry.events));
    },
  };
}

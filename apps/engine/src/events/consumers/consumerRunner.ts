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
// - so a handler sees some batches twice: handlers must be idempotent (ours are, by event id);
// - poison entries (ones the handler can never process) must not block the partition: after a
//   failed batch of several entries the runner retries its pending entries one at a time; an entry
//   that still fails alone, for a reason that is not a dependency outage (transientFailure.ts),
//   and has been delivered `maxDeliveries` times is quarantined: each of its events is handed to
//   the handler alone, the ones that still fail go to `deadLetter` with the reason, and the entry
//   is acknowledged. Good events — around it and inside it — keep flowing. Without `deadLetter`
//   a failing entry is retried forever.
// - the group missing (MissingGroupError: Redis restarted empty, or someone destroyed it) is
//   repaired at once: the runner recreates the group (and stream) with ensureGroup and reads on.
//   A recreated group starts at the oldest retained entry, so the events published since the
//   loss are all delivered (nothing is trimmed while no group exists). Without this, every read
//   failed with NOGROUP forever and accepted events never reached the log.
// `stop()` lets the batch in progress finish (handler and ack) and then returns; a blocked read
// ends within `blockMs`.
import type { StreamEvent } from "@cascade/core";
import type { Logger } from "pino";
import { MissingGroupError, type EventStream, type StreamEntry } from "../stream/eventStream.ts";
import { isTransientFailure } from "./transientFailure.ts";

/** One read's worth of entries; `events` (all entries' events, in order) is decoded on first access. */
export type ConsumerBatch = { readonly entries: readonly StreamEntry[]; readonly events: readonly StreamEvent[] };

export type ConsumerHandler = (batch: ConsumerBatch) => Promise<void>;

/** Events of a poison entry that failed even alone, with why; `json` when the entry could not be decoded at all. */
export type DeadLetterBatch = {
  group: string;
  entry: StreamEntry;
  deliveries: number;
  failed: { event: StreamEvent | null; reason: string }[];
  json?: string;
};

export type ConsumerRunnerOptions = {
  stream: EventStream;
  group: string;
  /** Unique per process and partition (pending entries are owned by consumer name). */
  consumer: string;
  partition: number;
  handler: ConsumerHandler;
  logger: Pick<Logger, "warn" | "error">;
  /**
   * Entries per read (each holds one publish's events for this partition). Default 64 (≈ 16k events
   * at 1000-event requests over 4 partitions): a read takes what piled up, so after a pause the
   * consumer catches up in a few large batches; with 16 it stayed seconds behind at 20k events/s.
   */
  batchEntries?: number;
  /** How long a read waits for new entries before looping (also bounds `stop()`). */
  blockMs?: number;
  /** Entries pending this long with another consumer are presumed abandoned and taken over. */
  reclaimIdleMs?: number;
  reclaimEveryMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Records a poison entry's failing events (see the file header); omitted → retry forever. */
  deadLetter?: (dead: DeadLetterBatch) => Promise<void>;
  /** Deliveries after which an entry failing alone (not transiently) is quarantined. Default 5. */
  maxDeliveries?: number;
  /** Default: transientFailure.ts. */
  isTransientFailure?: (error: unknown) => boolean;
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
  /** Poison entries quarantined, and the events of them that went to the dead letters. */
  quarantinedEntries: number;
  deadLetteredEvents: number;
  /** Times this runner found its group missing and recreated it. */
  groupsRecreated: number;
};

export type ConsumerRunner = {
  stats(): ConsumerStats;
  /** Finishes the batch in progress, then resolves. */
  stop(): Promise<void>;
};

export function startConsumerRunner(options: ConsumerRunnerOptions): ConsumerRunner {
  const settings = {
    batchEntries: options.batchEntries ?? 64,
    blockMs: options.blockMs ?? 500,
    reclaimIdleMs: options.reclaimIdleMs ?? 30_000,
    reclaimEveryMs: options.reclaimEveryMs ?? 10_000,
    backoffInitialMs: options.backoffInitialMs ?? 100,
    backoffMaxMs: options.backoffMaxMs ?? 5_000,
    maxDeliveries: options.maxDeliveries ?? 5,
  };
  const transient = options.isTransientFailure ?? isTransientFailure;
  const { stream, group, consumer, partition, handler, logger } = options;
  const stats: ConsumerStats = {
    group,
    consumer,
    partition,
    batches: 0,
    entries: 0,
    reclaimed: 0,
    failures: 0,
    consecutiveFailures: 0,
    lastError: null,
    quarantinedEntries: 0,
    deadLetteredEvents: 0,
    groupsRecreated: 0,
  };
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

  type ReadState = { from: "pending" | "new"; nextReclaimAt: number; oneAtATime: boolean };

  async function nextBatch(state: ReadState): Promise<StreamEntry[]> {
    if (Date.now() >= state.nextReclaimAt) {
      state.nextReclaimAt = Date.now() + settings.reclaimEveryMs;
      const reclaimed = await stream.reclaim(group, consumer, { partition, minIdleMs: settings.reclaimIdleMs, count: settings.batchEntries });
      stats.reclaimed += reclaimed.length;
      if (reclaimed.length > 0) {
        // Reclaimed entries are ours now: process them from the pending list, one at a time if a batch failed.
        if (!state.oneAtATime) return reclaimed;
        state.from = "pending";
      }
    }
    if (state.from === "pending") {
      const pending = await stream.read(group, consumer, { partition, count: state.oneAtATime ? 1 : settings.batchEntries, from: "pending" });
      if (pending.length > 0) return pending;
      state.from = "new";
      state.oneAtATime = false;
    }
    return stream.read(group, consumer, { partition, count: settings.batchEntries, from: "new", blockMs: settings.blockMs });
  }

  /** A poison entry: each event alone; the ones that still fail are dead-lettered; then the entry is acknowledged. */
  async function quarantine(
    entry: StreamEntry,
    deliveries: number,
    error: unknown,
    deadLetter: NonNullable<ConsumerRunnerOptions["deadLetter"]>,
  ): Promise<void> {
    let events: readonly StreamEvent[];
    try {
      events = entry.events;
    } catch (decodeError) {
      await deadLetter({
        group,
        entry,
        deliveries,
        failed: [{ event: null, reason: `undecodable stream entry: ${messageOf(decodeError)}` }],
        ...(entry.json === undefined ? {} : { json: entry.json }),
      });
      return;
    }
    const failed: DeadLetterBatch["failed"] = [];
    for (const event of events) {
      try {
        await handler(toBatch([{ partition: entry.partition, id: entry.id, events: [event] }]));
      } catch (eventError) {
        // An outage starting now must not dead-letter good events: give the entry back.
        if (transient(eventError)) throw eventError;
        failed.push({ event, reason: messageOf(eventError) });
      }
    }
    // Only the whole entry failed (each event alone went through): record why, with no event.
    if (failed.length === 0)
      failed.push({ event: null, reason: `the entry failed ${deliveries} times as a whole, every event succeeded alone: ${messageOf(error)}` });
    await deadLetter({ group, entry, deliveries, failed });
    stats.quarantinedEntries += 1;
    stats.deadLetteredEvents += failed.filter((item) => item.event !== null).length;
  }

  async function run(): Promise<void> {
    const state: ReadState = { from: "pending", nextReclaimAt: 0, oneAtATime: false };
    let lastRecreatedAt = -Infinity;
    while (!stopping) {
      let entries: StreamEntry[] = [];
      try {
        entries = await nextBatch(state);
        if (entries.length === 0) {
          // The stream answered: whatever failed before works again (an idle partition has no batch to prove it).
          stats.consecutiveFailures = 0;
          continue;
        }
        await handler(toBatch(entries));
        await stream.ack(group, entries);
        stats.batches += 1;
        stats.entries += entries.length;
        stats.consecutiveFailures = 0;
      } catch (caught) {
        let error = caught;
        // At most once a second without a pause: a group that keeps vanishing gets the usual backoff.
        if (error instanceof MissingGroupError && Date.now() - lastRecreatedAt >= 1_000) {
          lastRecreatedAt = Date.now();
          try {
            await stream.ensureGroup(group);
            stats.groupsRecreated += 1;
            logger.warn({ group, partition, consumer }, "event consumer: its consumer group was missing (Redis lost it?); recreated it, reading on");
            // The batch in hand (if any) was handled: it is redelivered by the new group only if
            // still retained, and the handlers are idempotent.
            state.from = "pending";
            state.oneAtATime = false;
            continue;
          } catch (ensureError) {
            error = ensureError;
          }
        }
        stats.failures += 1;
        stats.consecutiveFailures += 1;
        stats.lastError = messageOf(error);
        // Unacknowledged entries stay pending with us: retry them first, after a pause.
        state.from = "pending";
        try {
          if (entries.length > 1) {
            // Which entry is it? Retry the pending ones one at a time until none is left.
            state.oneAtATime = true;
          } else if (entries.length === 1 && options.deadLetter && !transient(error)) {
            const [deliveries = 0] = await stream.deliveries(group, entries);
            if (deliveries >= settings.maxDeliveries) {
              await quarantine(entries[0]!, deliveries, error, options.deadLetter);
              await stream.ack(group, entries);
              logger.error(
                { err: error, group, partition, consumer, entry: entries[0]!.id, deliveries },
                "event consumer: poison stream entry quarantined (its failing events are in the dead letters)",
              );
              stats.consecutiveFailures = 0;
              continue;
            }
          }
        } catch (quarantineError) {
          stats.lastError = messageOf(quarantineError);
        }
        const delay = Math.min(settings.backoffMaxMs, settings.backoffInitialMs * 2 ** (stats.consecutiveFailures - 1));
        const log = stats.consecutiveFailures === 1 || stats.consecutiveFailures % 10 === 0 ? logger.error.bind(logger) : logger.warn.bind(logger);
        log(
          { err: error, group, partition, consumer, consecutiveFailures: stats.consecutiveFailures, retryInMs: delay },
          "event consumer failed; its batch stays pending and will be retried",
        );
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

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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

// The event stream: accepted events on their way from `POST /v1/events` to the consumers (offline
// log, real-time features, metrics). Two implementations with the same semantics, held to one
// contract suite (eventStreamContract.ts): Redis Streams in production (redisEventStream.ts) and an
// in-process stream in embedded mode (memoryEventStream.ts).
//
// Model (Redis Streams' own):
// - The stream is split into `partitions` by a hash of the user id (streamPartition.ts), so one
//   user's events keep their order and the partitions spread over a Redis Cluster.
// - An entry is what one `publish` call put on one partition: a chunk of events. Chunking keeps
//   the per-event cost of the stream (commands, ids, acks) near zero at high rates; all counts
//   below (count, pending, lag) are in entries, not events.
// - Consumer groups: each group sees every entry once; within a group, an entry goes to one
//   consumer and stays *pending* (owned by that consumer) until acknowledged. Delivery is
//   at-least-once: a consumer that fails or dies leaves its entries pending, it re-reads them
//   itself (`from: "pending"`) or another consumer takes them over with `reclaim` once idle. Sinks
//   must therefore be idempotent.
// - Retention: an entry is removed only once every group has had it delivered and acknowledged;
//   a lagging group makes the stream grow instead of losing events (see redisEventStream.ts).
import type { StreamEvent } from "@cascade/core";

/** Partitions when none are configured: enough to keep 2–4 consumers per group busy. */
export const DEFAULT_PARTITIONS = 4;

/** An entry id, ordered within its partition (Redis: `<ms>-<seq>`). */
export type EntryId = string;

export type StreamEntry = {
  partition: number;
  id: EntryId;
  /** Decoded on first access where the stream holds text (Redis): a consumer that only forwards it need not pay. */
  readonly events: readonly StreamEvent[];
  /** The events as a JSON array, when the stream has that text at hand (Redis). */
  readonly json?: string;
};

/** What `ack` needs to know about an entry. */
export type EntryRef = Pick<StreamEntry, "partition" | "id">;

export type ReadOptions = {
  partition: number;
  /** Most entries to return. */
  count: number;
  /** "new": entries never delivered to this group; "pending": this consumer's unacknowledged ones. */
  from: "new" | "pending";
  /** For "new": wait up to this long when nothing is there (0 = return at once). */
  blockMs?: number;
};

export type ReclaimOptions = {
  partition: number;
  /** Take over entries pending (with any consumer of the group) for at least this long. */
  minIdleMs: number;
  count: number;
};

/** A group's backlog, summed over partitions, in entries. */
export type GroupStatus = {
  group: string;
  /** Delivered to a consumer, not yet acknowledged. */
  pending: number;
  /** On the stream, not yet delivered to any consumer of the group. */
  lag: number;
  /** Partitions the group exists on: fewer than the stream's when Redis lost it (restarted empty). */
  partitions: number;
  /** When the oldest entry the group has not acknowledged (pending or undelivered) was published, epoch ms; null when none. */
  oldestUnackedAt: number | null;
};

export interface EventStream {
  readonly partitions: number;

  /**
   * Appends the events, one entry per partition they fall in, and resolves once the stream holds
   * them (Redis has answered every XADD). Rejects with EventStreamError otherwise; then some
   * partitions may hold their entry and others not, so a retry can deliver an event twice (the
   * consumers are idempotent).
   */
  publish(events: readonly StreamEvent[]): Promise<void>;

  /**
   * Creates the group on every partition if missing. A new group starts at the oldest entry still
   * retained, so entries published before it existed are delivered too. Create groups before
   * publishing starts: retention only protects entries for groups that exist.
   */
  ensureGroup(group: string): Promise<void>;

  /** Entries for `consumer` in `group` on one partition (see ReadOptions), oldest first. */
  read(group: string, consumer: string, options: ReadOptions): Promise<StreamEntry[]>;

  /** Acknowledges entries (their processing is complete); returns how many were pending. */
  ack(group: string, entries: readonly EntryRef[]): Promise<number>;

  /**
   * How many times each entry has been delivered to the group so far (every read or reclaim that
   * returned it, the current one included; Redis's XPENDING delivery count); 0 for an entry that
   * is not pending (acknowledged, or never delivered). Used to spot poison entries.
   */
  deliveries(group: string, entries: readonly EntryRef[]): Promise<number[]>;

  /** Moves entries idle for at least `minIdleMs` (a crashed or stuck consumer's) to `consumer` and returns them. */
  reclaim(group: string, consumer: string, options: ReclaimOptions): Promise<StreamEntry[]>;

  /** Pending and lag of each group, summed over partitions. */
  groupStatus(): Promise<GroupStatus[]>;

  /** Entries currently retained, summed over partitions. */
  length(): Promise<number>;

  /**
   * Removes now every entry that all groups have acknowledged (publishing also trims, lazily and
   * approximately). Returns the entries removed.
   */
  trim(): Promise<number>;

  /** Releases connections and timers; later calls reject with EventStreamError. */
  close(): Promise<void>;
}

/** The stream could not answer (unreachable, timed out, closed). Callers retry or answer 503. */
export class EventStreamError extends Error {
  override readonly name: string = "EventStreamError";
}

/**
 * The consumer group does not exist on the partition (Redis: NOGROUP) — typically Redis restarted
 * empty. Consumers recreate it (ensureGroup) and go on: a group created at the oldest retained
 * entry reads every event published since, and with no group nothing is trimmed.
 */
export class MissingGroupError extends EventStreamError {
  override readonly name = "MissingGroupError";
}

/** Redis's NOGROUP reply ("NOGROUP No such key … or consumer group …"). */
export function isNoGroupReply(message: string): boolean {
  return message.startsWith("NOGROUP");
}

/** Consumer group names are plain tokens (they appear in keys, logs and metrics). */
export function assertGroupName(group: string): void {
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(group)) throw new RangeError(`invalid consumer group name: ${JSON.stringify(group)}`);
}

export function assertPartition(partition: number, partitions: number): void {
  if (!Number.isInteger(partition) || partition < 0 || partition >= partitions) {
    throw new RangeError(`partition must be an integer in [0, ${partitions}), got ${partition}`);
  }
}

export function assertPositiveCount(count: number, what: string): void {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`${what} must be a positive integer, got ${count}`);
}

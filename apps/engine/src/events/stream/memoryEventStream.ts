// In-process EventStream for embedded mode (no REDIS_URL): Redis Streams' consumer-group semantics
// (pending entries, acknowledgement, reclaim of idle entries, retention until every group has
// acknowledged) in memory, proven equal by the shared contract suite. It lives and dies with the
// process: entries not yet consumed when the engine stops are lost, which embedded mode accepts
// (its consumers run in the same process and are drained on a clean shutdown).
import type { StreamEvent } from "@cascade/core";
import {
  assertGroupName,
  assertPartition,
  assertPositiveCount,
  DEFAULT_PARTITIONS,
  EventStreamError,
  MissingGroupError,
  type EntryRef,
  type EventStream,
  type GroupStatus,
  type ReadOptions,
  type ReclaimOptions,
  type StreamEntry,
} from "./eventStream.ts";
import { splitByPartition } from "./streamPartition.ts";

export type MemoryEventStreamOptions = {
  partitions?: number;
  /** Clock for entry ids and idle times, injectable for tests. */
  now?: () => number;
};

/** `<ms>-<seq>` split in two numbers, so ids compare without parsing. */
type Position = { ms: number; seq: number };

type StoredEntry = Position & { id: string; events: StreamEvent[] };

type PendingEntry = { entry: StoredEntry; consumer: string; deliveredAt: number; deliveries: number };

type GroupState = {
  lastDelivered: Position;
  /** Keyed by entry id; ordered by id because entries are delivered in id order (reclaim keeps keys). */
  pending: Map<string, PendingEntry>;
};

type Partition = {
  /** Retained entries in id order; `head` entries at the front are already trimmed. */
  entries: StoredEntry[];
  head: number;
  last: Position;
  groups: Map<string, GroupState>;
  /** Readers blocked on this partition, woken by publish (or close). */
  waiters: Set<() => void>;
};

export function createMemoryEventStream(options: MemoryEventStreamOptions = {}): EventStream {
  return new MemoryEventStream(options.partitions ?? DEFAULT_PARTITIONS, options.now ?? Date.now);
}

class MemoryEventStream implements EventStream {
  private readonly state: Partition[];
  private readonly groups = new Set<string>();
  private closed = false;

  constructor(
    readonly partitions: number,
    private readonly now: () => number,
  ) {
    assertPositiveCount(partitions, "partitions");
    this.state = Array.from({ length: partitions }, () => ({ entries: [], head: 0, last: { ms: 0, seq: 0 }, groups: new Map(), waiters: new Set() }));
  }

  async publish(events: readonly StreamEvent[]): Promise<void> {
    this.assertOpen();
    for (const [index, chunk] of splitByPartition(events, this.partitions)) {
      const partition = this.state[index]!;
      const position = nextPosition(partition.last, this.now());
      partition.last = position;
      // Frozen: every consumer group gets the same objects, so none may change them for the others.
      partition.entries.push({ ...position, id: `${position.ms}-${position.seq}`, events: chunk.map(freezeEvent) });
      for (const wake of partition.waiters) wake();
    }
  }

  async ensureGroup(group: string): Promise<void> {
    this.assertOpen();
    assertGroupName(group);
    this.groups.add(group);
    for (const partition of this.state) {
      if (!partition.groups.has(group)) partition.groups.set(group, { lastDelivered: { ms: 0, seq: 0 }, pending: new Map() });
    }
  }

  async read(group: string, consumer: string, options: ReadOptions): Promise<StreamEntry[]> {
    this.assertOpen();
    assertPartition(options.partition, this.partitions);
    assertPositiveCount(options.count, "count");
    const partition = this.state[options.partition]!;
    const state = this.groupState(partition, group);
    if (options.from === "pending") {
      return [...state.pending.values()]
        .filter((pending) => pending.consumer === consumer)
        .slice(0, options.count)
        .map((pending) => {
          pending.deliveredAt = this.now();
          pending.deliveries += 1;
          return toStreamEntry(options.partition, pending.entry);
        });
    }
    if (!this.hasUndelivered(partition, state) && (options.blockMs ?? 0) > 0) {
      await this.waitForPublish(partition, options.blockMs!);
      this.assertOpen();
    }
    const delivered: StreamEntry[] = [];
    for (let index = this.firstAfter(partition, state.lastDelivered); index < partition.entries.length && delivered.length < options.count; index += 1) {
      const entry = partition.entries[index]!;
      state.pending.set(entry.id, { entry, consumer, deliveredAt: this.now(), deliveries: 1 });
      state.lastDelivered = entry;
      delivered.push(toStreamEntry(options.partition, entry));
    }
    return delivered;
  }

  async ack(group: string, entries: readonly EntryRef[]): Promise<number> {
    this.assertOpen();
    let acknowledged = 0;
    const touched = new Set<number>();
    for (const { partition: index, id } of entries) {
      assertPartition(index, this.partitions);
      const partition = this.state[index]!;
      if (this.groupState(partition, group).pending.delete(id)) acknowledged += 1;
      touched.add(index);
    }
    // Acknowledging is what makes entries removable; drop them now so memory stays bounded.
    for (const index of touched) this.trimPartition(this.state[index]!);
    return acknowledged;
  }

  async deliveries(group: string, entries: readonly EntryRef[]): Promise<number[]> {
    this.assertOpen();
    return entries.map(({ partition: index, id }) => {
      assertPartition(index, this.partitions);
      return this.groupState(this.state[index]!, group).pending.get(id)?.deliveries ?? 0;
    });
  }

  async reclaim(group: string, consumer: string, options: ReclaimOptions): Promise<StreamEntry[]> {
    this.assertOpen();
    assertPartition(options.partition, this.partitions);
    assertPositiveCount(options.count, "count");
    const state = this.groupState(this.state[options.partition]!, group);
    const now = this.now();
    const claimed: StreamEntry[] = [];
    for (const pending of state.pending.values()) {
      if (claimed.length >= options.count) break;
      if (now - pending.deliveredAt < options.minIdleMs) continue;
      pending.consumer = consumer;
      pending.deliveredAt = now;
      pending.deliveries += 1;
      claimed.push(toStreamEntry(options.partition, pending.entry));
    }
    return claimed;
  }

  async groupStatus(): Promise<GroupStatus[]> {
    this.assertOpen();
    return [...this.groups].sort().map((group) => {
      let pending = 0;
      let lag = 0;
      let oldestUnackedAt: number | null = null;
      for (const partition of this.state) {
        const state = partition.groups.get(group)!;
        pending += state.pending.size;
        const firstUndelivered = this.firstAfter(partition, state.lastDelivered);
        lag += partition.entries.length - firstUndelivered;
        // Pending entries are ordered by id; the first one is the oldest.
        const oldest = state.pending.values().next().value?.entry ?? partition.entries[firstUndelivered];
        if (oldest && (oldestUnackedAt === null || oldest.ms < oldestUnackedAt)) oldestUnackedAt = oldest.ms;
      }
      return { group, pending, lag, partitions: this.partitions, oldestUnackedAt };
    });
  }

  async length(): Promise<number> {
    this.assertOpen();
    return this.state.reduce((sum, partition) => sum + partition.entries.length - partition.head, 0);
  }

  async trim(): Promise<number> {
    this.assertOpen();
    return this.state.reduce((sum, partition) => sum + this.trimPartition(partition), 0);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const partition of this.state) {
      for (const wake of partition.waiters) wake();
      partition.entries = [];
      partition.head = 0;
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStreamError("event stream is closed");
  }

  private groupState(partition: Partition, group: string): GroupState {
    const state = partition.groups.get(group);
    if (!state) throw new MissingGroupError(`NOGROUP no consumer group ${JSON.stringify(group)}; call ensureGroup first`);
    return state;
  }

  private hasUndelivered(partition: Partition, state: GroupState): boolean {
    return this.firstAfter(partition, state.lastDelivered) < partition.entries.length;
  }

  /** Index of the first retained entry after `position` (binary search: entries are in id order). */
  private firstAfter(partition: Partition, position: Position): number {
    let low = partition.head;
    let high = partition.entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (comparePositions(partition.entries[middle]!, position) <= 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private waitForPublish(partition: Partition, blockMs: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        partition.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, blockMs);
      partition.waiters.add(wake);
    });
  }

  /**
   * Removes the entries every group has been delivered and acknowledged: those before the
   * smallest of each group's oldest pending entry (or, with none pending, its last delivered one).
   * Without any group nothing is removed: nobody has read anything yet.
   */
  private trimPartition(partition: Partition): number {
    if (partition.groups.size === 0) return 0;
    let keepFrom: Position | null = null;
    for (const state of partition.groups.values()) {
      const oldestPending = state.pending.values().next().value?.entry;
      const boundary = oldestPending ?? { ms: state.lastDelivered.ms, seq: state.lastDelivered.seq + 1 };
      if (keepFrom === null || comparePositions(boundary, keepFrom) < 0) keepFrom = boundary;
    }
    const before = partition.head;
    while (partition.head < partition.entries.length && comparePositions(partition.entries[partition.head]!, keepFrom!) < 0) {
      partition.head += 1;
    }
    const removed = partition.head - before;
    // Compact once the dead prefix dominates, so trimming stays O(1) amortised.
    if (partition.head > 1024 && partition.head * 2 > partition.entries.length) {
      partition.entries = partition.entries.slice(partition.head);
      partition.head = 0;
    }
    return removed;
  }
}

function nextPosition(last: Position, now: number): Position {
  return now > last.ms ? { ms: now, seq: 0 } : { ms: last.ms, seq: last.seq + 1 };
}

function comparePositions(a: Position, b: Position): number {
  return a.ms - b.ms || a.seq - b.seq;
}

function toStreamEntry(partition: number, entry: StoredEntry): StreamEntry {
  return { partition, id: entry.id, events: entry.events };
}

function freezeEvent(event: StreamEvent): StreamEvent {
  if (event.context) Object.freeze(event.context);
  return Object.freeze(event);
}

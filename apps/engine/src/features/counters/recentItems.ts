// The user's most recently interacted items: a sorted set member = item id, score = time of the
// latest interaction with it (ZADD GT, so replays and out-of-order delivery land on the same state),
// trimmed to the `keep` newest. Because the score is event time, a read at time t can ignore
// anything at or after t, and online and offline see the same set whatever the delivery order.
import type { FeatureEvent } from "../featureEvent.ts";
import type { Counter, EntityOps, EntityState, EventFacts, StateReads } from "./counter.ts";
import type { ScoredMember } from "../../stores/onlineStore.ts";

export type RecentItemsOptions = {
  id: string;
  keep: number;
  /** An idle user's list is dropped after this long. */
  retentionMs: number;
  includes: (event: FeatureEvent) => boolean;
};

export class RecentItems implements Counter {
  readonly id: string;
  readonly entity = "user" as const;
  readonly spec: Readonly<Record<string, string | number>>;
  readonly keep: number;
  private readonly retentionMs: number;
  private readonly includes: (event: FeatureEvent) => boolean;
  /** The same for every read, so built once (callers only iterate it). */
  private readonly stateReads: StateReads;

  constructor(options: RecentItemsOptions) {
    this.id = options.id;
    this.keep = options.keep;
    this.retentionMs = options.retentionMs;
    this.includes = options.includes;
    this.stateReads = { hashes: [], sortedSets: [{ name: this.id, limit: this.keep }] };
    this.spec = { kind: "recentItems", keep: options.keep, retentionMs: options.retentionMs, includes: options.includes.toString() };
  }

  opsFor(event: FeatureEvent, _facts: EventFacts, _nowMs: number, ops: EntityOps): void {
    if (!this.includes(event)) return;
    ops.max(this.id, event.itemId, event.occurredAt, this.keep, this.retentionMs);
  }

  reads(): StateReads {
    return this.stateReads;
  }

  /** Newest first, only interactions strictly before `atMs`; null when there is none. */
  itemsAt(state: EntityState, atMs: number): readonly ScoredMember[] | null {
    const members = state.sortedSets.get(this.id) ?? NO_MEMBERS;
    // Serving reads at "now", after every stored interaction: then the stored list is the answer
    // as it is (read-only), with no filtered copy per call.
    const before = this.countAt(state, atMs);
    if (before === 0) return null;
    return before === members.length ? members : members.filter(({ score }) => score < atMs);
  }

  /** How many items `itemsAt` would return (0 for none), without building the list. */
  countAt(state: EntityState, atMs: number): number {
    const members = state.sortedSets.get(this.id);
    if (!members) return 0;
    let count = 0;
    for (let index = 0; index < members.length; index += 1) if (members[index]!.score < atMs) count += 1;
    return count;
  }

  /** Whether `itemsAt` would return any item (stops at the first: the newest is nearly always one). */
  hasItemsAt(state: EntityState, atMs: number): boolean {
    const members = state.sortedSets.get(this.id);
    if (!members) return false;
    for (let index = 0; index < members.length; index += 1) if (members[index]!.score < atMs) return true;
    return false;
  }

  /** When the user last interacted with `member` strictly before `atMs`, if it is among `itemsAt`; else undefined. */
  scoreAt(state: EntityState, atMs: number, member: string): number | undefined {
    const members = state.sortedSets.get(this.id);
    if (!members) return undefined;
    // The first match in stored order, as `itemsAt(...).find` would pick (a member is stored once).
    for (let index = 0; index < members.length; index += 1) {
      const entry = members[index]!;
      if (entry.member === member && entry.score < atMs) return entry.score;
    }
    return undefined;
  }
}

const NO_MEMBERS: readonly ScoredMember[] = [];

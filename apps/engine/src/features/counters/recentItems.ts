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

  constructor(options: RecentItemsOptions) {
    this.id = options.id;
    this.keep = options.keep;
    this.retentionMs = options.retentionMs;
    this.includes = options.includes;
    this.spec = { kind: "recentItems", keep: options.keep, retentionMs: options.retentionMs, includes: options.includes.toString() };
  }

  opsFor(event: FeatureEvent, _facts: EventFacts, _nowMs: number, ops: EntityOps): void {
    if (!this.includes(event)) return;
    ops.maxima.push({ name: this.id, member: event.itemId, score: event.occurredAt, keep: this.keep, ttlMs: this.retentionMs });
  }

  reads(): StateReads {
    return { hashes: [], sortedSets: [{ name: this.id, limit: this.keep }] };
  }

  /** Newest first, only interactions strictly before `atMs`; null when there is none. */
  itemsAt(state: EntityState, atMs: number): readonly ScoredMember[] | null {
    const members = (state.sortedSets.get(this.id) ?? []).filter(({ score }) => score < atMs);
    return members.length > 0 ? members : null;
  }
}

// Labels for training examples: what the user did with an impressed item afterwards.
//
// An example is an impression of item i to user u at time t. Its label window is [t, t + W):
//   - an outcome stamped exactly t counts as a label (it cannot be a feature: features see only
//     events strictly before t — so every event is on exactly one side of t);
//   - an outcome at t + W or later does not count;
//   - when both the impression and the outcome carry a requestId, they must match (a click belongs
//     to the slate it was served in); otherwise (user, item) within the window is enough.
// Examples wait here only until their window closes, so memory holds W worth of impressions.
import type { LoggedEvent } from "./eventLog.ts";

export const LABELS = ["click", "like", "share", "watch", "purchase", "negative"] as const;
export type Label = (typeof LABELS)[number];

export type PendingExample = {
  impression: LoggedEvent;
  features: Record<string, number>;
  labels: Record<Label, 0 | 1>;
  watchSeconds: number;
};

const LABEL_OF: Partial<Record<LoggedEvent["type"], Label>> = {
  click: "click",
  like: "like",
  share: "share",
  watch: "watch",
  purchase: "purchase",
  hide: "negative",
  dislike: "negative",
};

/** The label an outcome event sets, if any. */
export function labelOfEvent(type: LoggedEvent["type"]): Label | undefined {
  return LABEL_OF[type];
}

export class PendingExamples {
  /** In impression-time order (impressions arrive in time order). */
  private readonly queue: PendingExample[] = [];
  private head = 0;
  private readonly byUserItem = new Map<string, PendingExample[]>();

  constructor(private readonly windowMs: number) {
    if (!(windowMs > 0)) throw new RangeError(`label window must be positive, got ${windowMs}`);
  }

  get size(): number {
    return this.queue.length - this.head;
  }

  add(impression: LoggedEvent, features: Record<string, number>): void {
    const example: PendingExample = {
      impression,
      features,
      labels: Object.fromEntries(LABELS.map((label) => [label, 0])) as Record<Label, 0 | 1>,
      watchSeconds: 0,
    };
    this.queue.push(example);
    const key = userItemKey(impression);
    const list = this.byUserItem.get(key);
    if (list) list.push(example);
    else this.byUserItem.set(key, [example]);
  }

  /** Credits `event` to every open example it answers (call after `closeBefore(event time)`). */
  observe(event: LoggedEvent): void {
    const label = LABEL_OF[event.type];
    if (!label) return;
    for (const example of this.byUserItem.get(userItemKey(event)) ?? []) {
      const { impression } = example;
      if (event.occurredAt < impression.occurredAt || event.occurredAt >= impression.occurredAt + this.windowMs) continue;
      if (event.requestId != null && impression.requestId != null && event.requestId !== impression.requestId) continue;
      example.labels[label] = 1;
      if (event.type === "watch") example.watchSeconds += event.value ?? 0;
    }
  }

  /** Removes and returns, oldest first, the examples whose window ended at or before `atMs`. */
  closeBefore(atMs: number): PendingExample[] {
    const closed: PendingExample[] = [];
    while (this.head < this.queue.length && this.queue[this.head]!.impression.occurredAt + this.windowMs <= atMs) {
      closed.push(this.take());
    }
    this.compact();
    return closed;
  }

  /** Everything still open (the end of the log). */
  drain(): PendingExample[] {
    const rest: PendingExample[] = [];
    while (this.head < this.queue.length) rest.push(this.take());
    this.compact();
    return rest;
  }

  private take(): PendingExample {
    const example = this.queue[this.head++]!;
    const key = userItemKey(example.impression);
    const list = this.byUserItem.get(key)!;
    list.splice(list.indexOf(example), 1);
    if (list.length === 0) this.byUserItem.delete(key);
    return example;
  }

  /** Drops the consumed prefix once it dominates, so the queue does not grow for ever. */
  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }
}

function userItemKey(event: LoggedEvent): string {
  return `${event.userId}\u0000${event.itemId}`;
}

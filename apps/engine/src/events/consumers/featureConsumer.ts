// The real-time features consumer: hands each stream batch to the feature store writer
// (features/onlineFeatureWriter.ts, idempotent per event id, so redelivered batches change
// nothing) and records, per event, the freshness lag: time from the engine accepting the event
// (`receivedAt`) to its features being written. The writer's `now` is business time (`clock`,
// platform/clock.ts: which events are still inside a window or era); the lag is wall time (`now`).
import type { StreamEvent } from "@cascade/core";
import { wallClock, type Clock } from "../../platform/clock.ts";
import { applyEventsToOnlineStore } from "../../features/onlineFeatureWriter.ts";
import type { OnlineStore } from "../../stores/onlineStore.ts";
import type { ConsumerHandler } from "./consumerRunner.ts";
import type { FreshnessHistogram } from "./freshnessHistogram.ts";

export type OnlineFeatureWriter = (store: OnlineStore, events: readonly StreamEvent[], now?: Date) => Promise<unknown>;

export type FeatureConsumerOptions = {
  store: OnlineStore;
  freshness: FreshnessHistogram;
  /** The writer; the feature registry's by default (tests inject failing or counting ones). */
  write?: OnlineFeatureWriter;
  /** For the default writer: how long each entity's ledger remembers applied event ids (see onlineFeatureWriter.ts). */
  ledgerRetentionMs?: number;
  /** Business time the writer applies events at (default: the wall clock). */
  clock?: Clock;
  /** Wall clock, for the freshness lag. */
  now?: () => number;
};

export function createFeatureConsumer(options: FeatureConsumerOptions): ConsumerHandler {
  const { ledgerRetentionMs } = options;
  const write: OnlineFeatureWriter =
    options.write ??
    (ledgerRetentionMs === undefined ? applyEventsToOnlineStore : (store, events, now) => applyEventsToOnlineStore(store, events, now, { ledgerRetentionMs }));
  const now = options.now ?? Date.now;
  const clock = options.clock ?? wallClock;
  return async ({ events }) => {
    await write(options.store, events, new Date(clock.nowMs()));
    const writtenAt = now();
    for (const event of events) options.freshness.record(writtenAt - event.receivedAt);
  };
}

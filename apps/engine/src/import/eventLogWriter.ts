// Writes imported events the way the API and the offline-log consumer together would have:
// - each event is judged by the API's own screen (server/eventIngestion.ts `screenEvents`: the
//   core `eventInput` contract, storable text, clock skew) and rejected if it names an unknown
//   item; rejections go to the dead-letter table `rejected_events`, as the API's do;
// - accepted events become the stream's `StreamEvent`s and are written by the offline-log
//   consumer's own statement (events/offlineLogConsumer.ts `writeToEventLog`): event log rows,
//   users created on first sight and the per-minute metric rollups, in one transaction. The event
//   log's unique event id makes a re-run insert nothing and move no rollup.
// What it skips: the Redis deduplicator (the event log's key deduplicates for good) and the
// stream's other consumer, the online feature store (see the import README section).
import type { StreamEvent } from "@cascade/core";
import type { Database } from "@cascade/db";
import type pg from "pg";
import { writeDeadLetters, type Rejection } from "../events/deadLetters.ts";
import { KnownItemCache } from "../events/knownItemCache.ts";
import { writeToEventLog } from "../events/offlineLogConsumer.ts";
import { toStreamEvent } from "../events/toStreamEvent.ts";
import { screenEvents } from "../server/eventIngestion.ts";

export type EventBatchResult = {
  /** Newly stored in the event log. */
  inserted: number;
  /** Already in the event log, or repeated within the batch. */
  duplicates: number;
  rejected: { index: number; field: string; reason: string }[];
};

export type EventLogWriter = {
  write(rawEvents: readonly unknown[]): Promise<EventBatchResult>;
};

export function createEventLogWriter(db: Database, pool: pg.Pool): EventLogWriter {
  const knownItems = new KnownItemCache(async (itemIds) => {
    const { rows } = await pool.query<{ id: string }>("SELECT id FROM items WHERE id = ANY($1::text[])", [itemIds]);
    return rows.map((row) => row.id);
  });

  return {
    async write(rawEvents) {
      const receivedAt = Date.now();
      const { valid, rejected } = screenEvents(rawEvents, new Date(receivedAt));
      const known = await knownItems.filterKnown(valid.map(({ event }) => event.itemId));
      const seen = new Set<string>();
      const accepted: StreamEvent[] = [];
      let duplicates = 0;
      for (const { index, event, occurredAt } of valid) {
        if (!known.has(event.itemId)) {
          rejected.push({ index, eventId: event.eventId, field: "itemId", reason: "unknown item", payload: rawEvents[index] } satisfies Rejection);
        } else if (seen.has(event.eventId)) {
          duplicates += 1;
        } else {
          seen.add(event.eventId);
          accepted.push(toStreamEvent(event, occurredAt, receivedAt));
        }
      }
      await writeDeadLetters(db, rejected);
      const written = accepted.length > 0 ? await writeToEventLog(pool, accepted) : { inserted: 0, duplicates: 0 };
      return {
        inserted: written.inserted,
        duplicates: duplicates + written.duplicates,
        rejected: rejected.map(({ index, field, reason }) => ({ index, field, reason })),
      };
    },
  };
}

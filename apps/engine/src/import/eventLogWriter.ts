// Writes imported events the way the API and the offline-log consumer together would have:
// - each event is judged by the API's own screen (ingest/eventIngestion.ts `screenEvents`: the
//   core `eventInput` contract, storable text, clock skew) and rejected if it names an unknown
//   item; rejections go to the dead-letter table `rejected_events`, as the API's do;
// - accepted events become the stream's `StreamEvent`s and are written by the offline-log
//   consumer's own statement (events/consumers/offlineLogConsumer.ts `writeToEventLog`): event log rows,
//   users created on first sight and the per-minute metric rollups, in one transaction. The event
//   log's unique event id makes a re-run insert nothing and move no rollup.
// - optionally (interaction logs, whose items may have no catalogue file), an event on an item not
//   in the catalogue first creates that item from a placeholder (`MissingItemPolicy`): inserted
//   only if still absent, never replacing a real item, so a re-run creates nothing.
// What it skips: the Redis deduplicator (the event log's key deduplicates for good) and the
// stream's other consumer, the online feature store (see the import README section).
import { itemInput, type ItemInput, type StreamEvent } from "@cascade/core";
import type { Database } from "@cascade/db";
import type pg from "pg";
import { writeDeadLetters, type Rejection } from "../events/consumers/deadLetters.ts";
import { KnownItemCache } from "../ingest/knownItemCache.ts";
import { writeToEventLog } from "../events/consumers/offlineLogConsumer.ts";
import { toStreamEvent } from "../events/stream/toStreamEvent.ts";
import { screenEvents } from "../ingest/eventIngestion.ts";

/** How to create an item that an event names but the catalogue lacks (else the event is rejected). */
export type MissingItemPolicy = {
  /** The item to create (an `itemInput` row); `firstSeenAt` is its earliest event in the batch. */
  placeholder(itemId: string, firstSeenAt: Date): ItemInput;
};

export type EventBatchResult = {
  /** Newly stored in the event log. */
  inserted: number;
  /** Items created for events that named them (only with a `MissingItemPolicy`). */
  itemsCreated?: number;
  /** Already in the event log, or repeated within the batch. */
  duplicates: number;
  rejected: { index: number; field: string; reason: string }[];
};

export type EventLogWriter = {
  write(rawEvents: readonly unknown[], missingItems?: MissingItemPolicy): Promise<EventBatchResult>;
};

export function createEventLogWriter(db: Database, pool: pg.Pool): EventLogWriter {
  const knownItems = new KnownItemCache(async (itemIds) => {
    const { rows } = await pool.query<{ id: string }>("SELECT id FROM items WHERE id = ANY($1::text[])", [itemIds]);
    return rows.map((row) => row.id);
  });

  return {
    async write(rawEvents, missingItems) {
      const receivedAt = Date.now();
      const { valid, rejected } = screenEvents(rawEvents, new Date(receivedAt));
      const known = await knownItems.filterKnown(valid.map(({ event }) => event.itemId));
      let itemsCreated = 0;
      if (missingItems) {
        const firstSeen = new Map<string, number>();
        for (const { event, occurredAt } of valid) {
          if (!known.has(event.itemId)) firstSeen.set(event.itemId, Math.min(occurredAt, firstSeen.get(event.itemId) ?? Infinity));
        }
        const placeholders = [...firstSeen].map(([itemId, at]) => missingItems.placeholder(itemId, new Date(at)));
        itemsCreated = await insertMissingItems(pool, placeholders);
        for (const itemId of firstSeen.keys()) known.add(itemId);
      }
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
        itemsCreated,
        duplicates: duplicates + written.duplicates,
        rejected: rejected.map(({ index, field, reason }) => ({ index, field, reason })),
      };
    },
  };
}

/**
 * Inserts the items not yet stored (`ON CONFLICT DO NOTHING`: an item written meanwhile, by the
 * API or a catalogue import, is left as it is). Returns how many were created. The placeholders
 * are validated by the API's item contract first, so a bad policy fails loudly, not the database.
 */
async function insertMissingItems(pool: pg.Pool, placeholders: readonly ItemInput[]): Promise<number> {
  if (placeholders.length === 0) return 0;
  const items = placeholders.map((placeholder) => itemInput.parse(placeholder)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const { rowCount } = await pool.query(
    `INSERT INTO items (id, title, category, tags, published_at, available, attributes)
     SELECT id, title, category, ARRAY(SELECT jsonb_array_elements_text(tags)), published_at, available, attributes
     FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::timestamptz[], $6::boolean[], $7::jsonb[])
       AS input(id, title, category, tags, published_at, available, attributes)
     ON CONFLICT (id) DO NOTHING`,
    [
      items.map((item) => item.id),
      items.map((item) => item.title),
      items.map((item) => item.category),
      items.map((item) => JSON.stringify(item.tags)),
      items.map((item) => item.publishedAt),
      items.map((item) => item.available),
      items.map((item) => JSON.stringify(item.attributes)),
    ],
  );
  return rowCount ?? 0;
}

// Import sinks without a database, for unit tests: rows are judged by the API's own checks
// (catalogue contracts; `screenEvents` for events), remembered, and counted like the real writers
// (an event id seen before is a duplicate; an item the catalogue lacks is rejected, or created from
// the import's MissingItemPolicy).
import { screenEvents } from "../../ingest/eventIngestion.ts";
import type { CatalogWriter } from "../catalogWriter.ts";
import type { EventLogWriter } from "../eventLogWriter.ts";
import type { CatalogEntity } from "../importEntities.ts";
import { catalogRowProblem } from "../importRunner.ts";

export type RecordingSinks = {
  catalog: CatalogWriter;
  events: EventLogWriter;
  items: Map<string, Record<string, unknown>>;
  users: Map<string, Record<string, unknown>>;
  /** Stored events by event id, in arrival order. */
  stored: Map<string, Record<string, unknown>>;
  /** Items created for events, in creation order. */
  placeholders: Record<string, unknown>[];
};

export function recordingSinks(): RecordingSinks {
  const items = new Map<string, Record<string, unknown>>();
  const users = new Map<string, Record<string, unknown>>();
  const stored = new Map<string, Record<string, unknown>>();
  const placeholders: Record<string, unknown>[] = [];
  const catalog: CatalogWriter = {
    async write(entity: CatalogEntity, rows) {
      const rejected: { index: number; field: string; reason: string }[] = [];
      let created = 0;
      rows.forEach((row, index) => {
        const problem = catalogRowProblem(entity, row as Record<string, unknown>);
        if (problem) return rejected.push({ index, ...problem });
        const target = entity === "items" ? items : users;
        const id = String((row as { id: string }).id);
        if (!target.has(id)) created += 1;
        target.set(id, row as Record<string, unknown>);
      });
      return { created, updated: 0, rejected };
    },
    close: async () => undefined,
  };
  const events: EventLogWriter = {
    async write(rawEvents, missingItems) {
      const { valid, rejected } = screenEvents(rawEvents, new Date());
      const result = { inserted: 0, duplicates: 0, itemsCreated: 0, rejected: rejected.map(({ index, field, reason }) => ({ index, field, reason })) };
      for (const { index, event, occurredAt } of valid) {
        if (!items.has(event.itemId)) {
          if (!missingItems) {
            result.rejected.push({ index, field: "itemId", reason: "unknown item" });
            continue;
          }
          const item = missingItems.placeholder(event.itemId, new Date(occurredAt));
          items.set(event.itemId, item);
          placeholders.push(item);
          result.itemsCreated += 1;
        }
        if (stored.has(event.eventId)) result.duplicates += 1;
        else {
          stored.set(event.eventId, event);
          result.inserted += 1;
        }
      }
      return result;
    },
  };
  return { catalog, events, items, users, stored, placeholders };
}

/** Every record a reader yields (Array.fromAsync needs Node 22). */
export async function collectRecords<T>(records: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const record of records) all.push(record);
  return all;
}

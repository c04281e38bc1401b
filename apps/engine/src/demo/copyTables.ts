// How each bulk-loaded table is written with COPY: its column list and one line per row. Columns
// not listed (ids of the event log, updated_at) take their database defaults.
import type { CreatorSeed, FollowSeed, ItemSeed, UserSeed } from "@cascade/db/factories";
import {
  COPY_NULL,
  copyBoolean,
  copyJson,
  copyLine,
  copyNullableText,
  copyNumber,
  copyText,
  copyTextArray,
  copyTimestamp,
  createOrderedTimestampFormatter,
} from "./copyFormat.ts";
import { demoEventId, demoRequestId, itemId, userId } from "./demoIds.ts";
import type { DemoEvent } from "./eventStream.ts";

export type CopyTable<Row> = {
  table: string;
  columns: readonly string[];
  line(row: Row): string;
};

export const creatorsTable: CopyTable<CreatorSeed> = {
  table: "creators",
  columns: ["id", "name", "attributes", "created_at", "updated_at"],
  line: (row) => {
    const created = copyTimestamp(row.createdAt);
    return copyLine([copyText(row.id), copyText(row.name), copyJson(row.attributes), created, created]);
  },
};

export const itemsTable: CopyTable<ItemSeed> = {
  table: "items",
  columns: ["id", "title", "category", "creator_id", "tags", "published_at", "available", "attributes", "created_at", "updated_at"],
  line: (row) => {
    const published = copyTimestamp(row.publishedAt);
    // Demo items are created when published: format that timestamp once (1M items for `large`).
    const created = row.createdAt.getTime() === row.publishedAt.getTime() ? published : copyTimestamp(row.createdAt);
    return copyLine([
      copyText(row.id),
      copyText(row.title),
      copyText(row.category),
      copyNullableText(row.creatorId),
      copyTextArray(row.tags),
      published,
      copyBoolean(row.available),
      copyJson(row.attributes),
      created,
      created,
    ]);
  },
};

export const usersTable: CopyTable<UserSeed> = {
  table: "users",
  columns: ["id", "attributes", "created_at", "updated_at"],
  line: (row) => {
    const created = copyTimestamp(row.createdAt);
    return copyLine([copyText(row.id), copyJson(row.attributes), created, created]);
  },
};

export const followsTable: CopyTable<FollowSeed> = {
  table: "follows",
  columns: ["user_id", "creator_id", "created_at"],
  line: (row) => copyLine([copyText(row.userId), copyText(row.creatorId), copyTimestamp(row.createdAt)]),
};

/**
 * Demo events straight from the simulator's records, without an intermediate row object (the
 * hot path: 10M lines for `large`). Demo ids contain no characters COPY needs escaped. Events are
 * received when they occur: received_at = occurred_at.
 */
export function demoEventsTable(seed: number): CopyTable<DemoEvent> {
  const timestamp = createOrderedTimestampFormatter();
  return {
    table: "events",
    columns: ["event_id", "type", "user_id", "item_id", "occurred_at", "received_at", "value", "request_id", "position", "surface", "propensity", "context"],
    line: (event) => {
      const at = timestamp(event.timeMs);
      const context = event.anchorItem >= 0 ? `{"anchorItemId":"${itemId(event.anchorItem)}"}` : COPY_NULL;
      return `${demoEventId(seed, event.sequence)}\t${event.type}\t${userId(event.user)}\t${itemId(event.item)}\t${at}\t${at}\t${copyNumber(event.value)}\t${demoRequestId(seed, event.session, event.request)}\t${event.position}\t${event.surface}\t${event.propensity}\t${context}\n`;
    },
  };
}

// Items a user must not be shown again: the ones they hid, disliked or bought. One query on the
// (user_id, occurred_at) index of the event log.
import type { Database } from "@cascade/db";
import type { EventType } from "@cascade/core";

export const EXCLUDING_EVENT_TYPES: readonly EventType[] = ["hide", "dislike", "purchase"];

export async function loadUserExclusions(db: Database, userId: string): Promise<Set<string>> {
  const rows = await db.$queryRaw<{ itemId: string }[]>`
    SELECT DISTINCT item_id AS "itemId"
    FROM events
    WHERE user_id = ${userId} AND type = ANY(${EXCLUDING_EVENT_TYPES}::text[]::"EventType"[])`;
  return new Set(rows.map((row) => row.itemId));
}

import { createPrismaClient, type Database } from "@cascade/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getRejectedEvent, listRejectedEvents, PAYLOAD_PREVIEW_LENGTH } from "./rejected-event.ts";
import { listRejectionReasons } from "./rejection-reason.ts";

// Dead letters received in 2187, a year no other test writes to.
const prefix = `webrej${Math.random().toString(36).slice(2, 8)}`;
const now = new Date("2187-07-01T08:00:00.000Z");
const MINUTE = 60_000;
const at = (minutesAgo: number) => new Date(now.getTime() - minutesAgo * MINUTE);
const longText = "x".repeat(1000);

const rows = [
  { field: "itemId", reason: "unknown item", minutesAgo: 1, payload: { eventId: `${prefix}-0`, note: longText } },
  { field: "itemId", reason: "unknown item", minutesAgo: 2, payload: { eventId: `${prefix}-1` } },
  { field: "value", reason: "watch events need value", minutesAgo: 3, payload: { eventId: `${prefix}-2` } },
  { field: "itemId", reason: "unknown item", minutesAgo: 90, payload: { eventId: `${prefix}-3` } }, // outside 1h
  { field: "event", reason: "expected object", minutesAgo: 4, payload: `${prefix} not an object`, noEventId: true },
];

let db: Database;

beforeAll(async () => {
  db = createPrismaClient(process.env.TEST_DATABASE_URL!, { poolSize: 2 });
  await db.rejectedEvent.createMany({
    data: rows.map((row, index) => ({
      eventId: row.noEventId ? null : `${prefix}-${index}`,
      field: row.field,
      reason: row.reason,
      payload: row.payload,
      receivedAt: at(row.minutesAgo),
    })),
  });
});

afterAll(async () => {
  await db.rejectedEvent.deleteMany({
    where: { OR: [{ eventId: { startsWith: prefix } }, { receivedAt: { gte: at(1000), lte: now } }] },
  });
  await db.$disconnect();
});

describe("dead letters", () => {
  it("lists the range's rejections newest first, with a cut payload preview", async () => {
    const list = await listRejectedEvents(db, { range: "1h", field: "", reason: "", limit: 50 }, now);
    expect(list.total).toBe(4);
    expect(list.rows.map((row) => [row.eventId, row.field, row.reason])).toEqual([
      [`${prefix}-0`, "itemId", "unknown item"],
      [`${prefix}-1`, "itemId", "unknown item"],
      [`${prefix}-2`, "value", "watch events need value"],
      [null, "event", "expected object"],
    ]);
    const first = list.rows[0]!;
    expect(first.payloadPreview).toHaveLength(PAYLOAD_PREVIEW_LENGTH);
    expect(first.payloadLength).toBeGreaterThan(1000);
    expect(list.rows[3]!.payloadPreview).toBe(JSON.stringify(`${prefix} not an object`));

    const detail = await getRejectedEvent(db, { id: first.id });
    expect(JSON.parse(detail!.payload)).toEqual(rows[0]!.payload);
    expect(await getRejectedEvent(db, { id: "999999999999" })).toBeNull();
    expect(await getRejectedEvent(db, { id: "9999999999999999999" })).toBeNull(); // beyond bigint
  });

  it("filters by (field, reason) and limits", async () => {
    const list = await listRejectedEvents(db, { range: "24h", field: "itemId", reason: "unknown item", limit: 2 }, now);
    expect(list.total).toBe(3);
    expect(list.rows.map((row) => row.eventId)).toEqual([`${prefix}-0`, `${prefix}-1`]);
  });

  it("groups the range's rejections by field and reason, most frequent first", async () => {
    const grouped = await listRejectionReasons(db, { range: "1h", limit: 100 }, now);
    expect(grouped.total).toBe(4);
    expect(grouped.totalReasons).toBe(3);
    expect(grouped.reasons).toEqual([
      { field: "itemId", reason: "unknown item", count: 2, lastSeenAt: at(1) },
      { field: "value", reason: "watch events need value", count: 1, lastSeenAt: at(3) },
      { field: "event", reason: "expected object", count: 1, lastSeenAt: at(4) },
    ]);
    const limited = await listRejectionReasons(db, { range: "1h", limit: 1 }, now);
    expect(limited.reasons).toHaveLength(1);
    expect(limited.totalReasons).toBe(3);
  });
});

// loadRetrievalData against the real schema: positives only, first event per (user, item) pair,
// the window's bounds, items unknown to the catalogue skipped, metadata and follows mapped to the
// dense indices the model uses — read in pages smaller than the data so paging is exercised.
import { createPrismaClient, type Database } from "@cascade/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertEvents, type FixtureEvent } from "../../jobs/testing/eventLogFixtures.ts";
import { loadRetrievalData, type RetrievalData } from "./retrievalData.ts";

/** A period and an id prefix no other test file uses. */
const T = Date.UTC(2033, 4, 6, 12, 0);
const MINUTE = 60_000;

const EVENTS: FixtureEvent[] = [
  { eventId: "rt-01", type: "click", userId: "rt-u1", itemId: "rt-a", occurredAt: T - 10 * MINUTE }, // before the window
  { eventId: "rt-02", type: "impression", userId: "rt-u1", itemId: "rt-b", occurredAt: T + MINUTE }, // not a positive
  { eventId: "rt-03", type: "click", userId: "rt-u1", itemId: "rt-b", occurredAt: T + 2 * MINUTE },
  { eventId: "rt-04", type: "like", userId: "rt-u1", itemId: "rt-b", occurredAt: T + 3 * MINUTE }, // same pair again
  { eventId: "rt-05", type: "watch", userId: "rt-u2", itemId: "rt-a", occurredAt: T + 3 * MINUTE, value: 30 },
  { eventId: "rt-06", type: "purchase", userId: "rt-u2", itemId: "rt-c", occurredAt: T + 4 * MINUTE, value: 9 },
  { eventId: "rt-07", type: "click", userId: "rt-u2", itemId: "rt-unknown", occurredAt: T + 5 * MINUTE }, // not in the catalogue
  { eventId: "rt-08", type: "click", userId: "rt-u1", itemId: "rt-c", occurredAt: T + 6 * MINUTE },
  { eventId: "rt-09", type: "click", userId: "rt-u3", itemId: "rt-a", occurredAt: T + 60 * MINUTE }, // at the end: excluded
];

async function cleanUp(db: Database): Promise<void> {
  await db.event.deleteMany({ where: { eventId: { startsWith: "rt-" } } });
  await db.follow.deleteMany({ where: { userId: { startsWith: "rt-" } } });
  await db.item.deleteMany({ where: { id: { startsWith: "rt-" } } });
  await db.user.deleteMany({ where: { id: { startsWith: "rt-" } } });
  await db.creator.deleteMany({ where: { id: { startsWith: "rt-" } } });
}

describe("loadRetrievalData", () => {
  let db: Database;
  let data: RetrievalData;

  beforeAll(async () => {
    db = createPrismaClient(process.env.TEST_DATABASE_URL!);
    await cleanUp(db);
    await db.creator.createMany({
      data: [
        { id: "rt-c1", name: "one" },
        { id: "rt-c2", name: "two" },
      ],
    });
    await db.item.createMany({
      data: [
        { id: "rt-a", category: "rt-music", creatorId: "rt-c1", tags: ["rt-live", "rt-jazz"], publishedAt: new Date(T - 86_400_000) },
        { id: "rt-b", category: "rt-sports", creatorId: null, tags: [], publishedAt: new Date(T) },
        { id: "rt-c", category: "rt-music", creatorId: "rt-c2", tags: ["rt-jazz"], publishedAt: new Date(T) },
      ],
    });
    await db.user.createMany({ data: [{ id: "rt-u1" }, { id: "rt-u2" }, { id: "rt-u4" }] });
    await db.follow.createMany({
      data: [
        { userId: "rt-u1", creatorId: "rt-c2", createdAt: new Date(T - MINUTE) },
        { userId: "rt-u4", creatorId: "rt-c1", createdAt: new Date(T) },
        { userId: "rt-u2", creatorId: "rt-c1", createdAt: new Date(T + 90 * MINUTE) }, // after the window
      ],
    });
    await insertEvents(db, EVENTS);
    data = await loadRetrievalData(db, { from: new Date(T), to: new Date(T + 60 * MINUTE) }, { pageSize: 2 });
  });

  afterAll(async () => {
    await cleanUp(db);
    await db.$disconnect();
  });

  const pairs = () => {
    const out: string[] = [];
    for (let j = 0; j < data.interactions.count; j += 1) {
      out.push(`${data.userIds[data.interactions.user[j]!]}>${data.itemIds[data.interactions.item[j]!]}`);
    }
    return out;
  };

  it("keeps the first positive event of each pair inside the window, in time order", () => {
    expect(pairs()).toEqual(["rt-u1>rt-b", "rt-u2>rt-a", "rt-u2>rt-c", "rt-u1>rt-c"]);
    const times = Array.from(data.interactions.timeMs);
    expect(times).toEqual([T + 2 * MINUTE, T + 3 * MINUTE, T + 4 * MINUTE, T + 6 * MINUTE]);
    expect(data.skippedEvents).toBe(1);
    expect(data.window).toEqual({ fromMs: T, toMs: T + 60 * MINUTE });
  });

  it("maps item metadata to dense indices", () => {
    const index = (id: string) => data.itemIds.indexOf(id);
    const a = index("rt-a");
    const b = index("rt-b");
    const c = index("rt-c");
    expect(data.categoryNames[data.items.category[a]!]).toBe("rt-music");
    expect(data.items.category[c]).toBe(data.items.category[a]);
    expect(data.creatorIds[data.items.creator[a]!]).toBe("rt-c1");
    expect(data.items.creator[b]).toBe(0);
    expect(data.creatorIds[0]).toBe("");
    const tagsOf = (item: number) =>
      Array.from(data.items.tagIds.subarray(data.items.tagOffsets[item]!, data.items.tagOffsets[item + 1]!), (tag) => data.tagNames[tag]);
    expect(tagsOf(a)).toEqual(["rt-live", "rt-jazz"]);
    expect(tagsOf(b)).toEqual([]);
    expect(tagsOf(c)).toEqual(["rt-jazz"]);
    expect(data.items.publishedAtMs[a]).toBe(T - 86_400_000);
  });

  it("includes follows made before the window's end, also of users without events", () => {
    const followsOf = (userId: string) => {
      const u = data.userIds.indexOf(userId);
      if (u < 0) return [];
      return Array.from(data.follows.followCreators.subarray(data.follows.followOffsets[u]!, data.follows.followOffsets[u + 1]!), (c) => data.creatorIds[c]);
    };
    expect(followsOf("rt-u1")).toEqual(["rt-c2"]);
    expect(followsOf("rt-u4")).toEqual(["rt-c1"]);
    expect(followsOf("rt-u2")).toEqual([]);
    expect(data.follows.followOffsets.length).toBe(data.userIds.length + 1);
  });
});

// The catalogue writes called directly (as `cascade import` does), without the HTTP layer.
import { randomBytes } from "node:crypto";
import { MAX_BATCH } from "@cascade/core";
import { createPrismaClient, type Database } from "@cascade/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_ATTRIBUTE_KEYS, parseFollowsBatch, parseItemsBatch, parseUsersBatch, upsertFollows, upsertItems, upsertUsers } from "./catalogWrites.ts";
import { BatchTooLargeError, InvalidInputError } from "./inputErrors.ts";

const run = `cw${randomBytes(4).toString("hex")}`;
let db: Database;

function thrown(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error("expected a refusal");
}

beforeAll(() => {
  db = createPrismaClient(process.env.TEST_DATABASE_URL!, { poolSize: 2 });
});

afterAll(async () => {
  await db.follow.deleteMany({ where: { userId: { startsWith: run } } });
  await db.item.deleteMany({ where: { id: { startsWith: run } } });
  await db.user.deleteMany({ where: { id: { startsWith: run } } });
  await db.creator.deleteMany({ where: { id: { startsWith: run } } });
  await db.$disconnect();
});

describe("catalogue writes", () => {
  it("cap attribute maps at MAX_ATTRIBUTE_KEYS keys, naming the field (issue 13)", () => {
    const attributes = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, n) => [`a${n}`, n]));
    const item = (count: number) => ({ id: `${run}-wide${count}`, category: "food", publishedAt: "2026-01-01T00:00:00Z", attributes: attributes(count) });
    expect(parseItemsBatch({ items: [item(MAX_ATTRIBUTE_KEYS)] })).toHaveLength(1);
    const wideItem = thrown(() => parseItemsBatch({ items: [item(MAX_ATTRIBUTE_KEYS), item(10_000)] }));
    expect((wideItem as InvalidInputError).issues).toEqual([{ path: "items.1.attributes", message: `must have at most ${MAX_ATTRIBUTE_KEYS} keys` }]);
    const wideUser = thrown(() => parseUsersBatch({ users: [{ id: `${run}-wide`, attributes: attributes(MAX_ATTRIBUTE_KEYS + 1) }] }));
    expect((wideUser as InvalidInputError).issues).toEqual([{ path: "users.0.attributes", message: `must have at most ${MAX_ATTRIBUTE_KEYS} keys` }]);
  });

  it("validate like the API: invalid input naming each bad row's field, too large past the batch limit", () => {
    const invalid = thrown(() => parseItemsBatch({ items: [{ id: `${run}-i1`, category: "food", publishedAt: "2026-01-01T00:00:00Z" }, { id: `${run}-i2` }] }));
    expect(invalid).toBeInstanceOf(InvalidInputError);
    const issues = (invalid as InvalidInputError).issues;
    expect(issues.map((issue) => issue.path)).toContain("items.1.category");
    expect(issues.some((issue) => issue.path.startsWith("items.0"))).toBe(false);

    const users = Array.from({ length: MAX_BATCH + 1 }, (_, index) => ({ id: `${run}-u${index}` }));
    expect(thrown(() => parseUsersBatch({ users }))).toBeInstanceOf(BatchTooLargeError);
  });

  it("upsert items and users, counting created and changed rows; an identical re-send changes nothing", async () => {
    const items = parseItemsBatch({
      items: [
        { id: `${run}-i2`, category: "food", creatorId: `${run}-c1`, publishedAt: "2026-01-02T00:00:00Z" },
        { id: `${run}-i1`, category: "food", publishedAt: "2026-01-01T00:00:00Z" },
      ],
    });
    expect(await upsertItems(db, items)).toEqual({ upserted: 2, created: 2, updated: 0 });
    expect(await upsertItems(db, items)).toEqual({ upserted: 2, created: 0, updated: 0 });
    expect(await upsertItems(db, [{ ...items[0]!, title: "changed" }])).toEqual({ upserted: 1, created: 0, updated: 1 });
    expect(await db.creator.findUnique({ where: { id: `${run}-c1` } })).toMatchObject({ name: `${run}-c1` });

    const users = parseUsersBatch({ users: [{ id: `${run}-u1`, attributes: { country: "NO" } }] });
    expect(await upsertUsers(db, users)).toEqual({ upserted: 1, created: 1, updated: 0 });
    expect(await upsertUsers(db, users)).toEqual({ upserted: 1, created: 0, updated: 0 });
  });

  it("refuse follows of an unknown creator by index, writing nothing of the batch", async () => {
    const follows = parseFollowsBatch({
      follows: [
        { userId: `${run}-u9`, creatorId: `${run}-c1` },
        { userId: `${run}-u9`, creatorId: `${run}-nobody` },
      ],
    });
    const refusal = await upsertFollows(db, follows).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(InvalidInputError);
    expect((refusal as InvalidInputError).issues.map((issue) => issue.path)).toEqual(["follows.1.creatorId"]);
    expect(await db.user.count({ where: { id: `${run}-u9` } })).toBe(0);

    expect(await upsertFollows(db, [follows[0]!])).toEqual({ upserted: 1, created: 1, updated: 0 });
    expect(await upsertFollows(db, parseFollowsBatch({ follows: [{ userId: `${run}-u9`, creatorId: `${run}-c1`, active: false }] }))).toEqual({
      upserted: 1,
      created: 0,
      updated: 1,
    });
  });
});

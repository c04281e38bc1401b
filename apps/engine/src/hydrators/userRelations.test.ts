import { describe, expect, it } from "vitest";
import type { ServingSql } from "../postgres/servingSql.ts";
import { DEFAULT_CONSUMED_FILTER } from "@cascade/core";
import { fixedClock } from "../platform/clock.ts";
import { UserRelationsReader } from "./userRelations.ts";
import { eventTypesLiteral } from "./consumedItemsSql.ts";

/** Answers every statement with one row holding the columns it selects; records the statements. */
function fakeSql(row: { follows: string[]; exclusions: string[] }, fail = false) {
  const statements: { text: string; values: readonly unknown[] }[] = [];
  const sql: ServingSql = {
    async rows<Row>(text: string, values: readonly unknown[]) {
      statements.push({ text, values });
      if (fail) throw new Error("connection refused");
      const answer: Record<string, string[]> = {};
      if (text.includes('AS "follows"')) answer.follows = row.follows;
      if (text.includes('AS "exclusions"')) answer.exclusions = row.exclusions;
      for (const match of text.matchAll(/AS "(consumed\d+)"/g)) answer[match[1]!] = [`${match[1]}-item`];
      return [answer as Row];
    },
    close: async () => undefined,
  };
  return { sql, statements };
}

describe("UserRelationsReader", () => {
  it("reads a user's follows and exclusions asked for in the same tick with one statement", async () => {
    const { sql, statements } = fakeSql({ follows: ["c2", "c1"], exclusions: ["i9"] });
    const reader = new UserRelationsReader(sql, { maxCreators: 50 });
    const [follows, exclusions] = await Promise.all([reader.follows("u1"), reader.exclusions("u1")]);
    expect(follows).toEqual(["c2", "c1"]);
    expect([...exclusions]).toEqual(["i9"]);
    expect(statements).toHaveLength(1);
    expect(statements[0]!.values).toEqual(["u1", 50]);
    // The types are a constant of the statement, so its generic plan can use the partial consumption index.
    expect(statements[0]!.text).toContain(`type = ANY('{hide,dislike,purchase}'::"EventType"[])`);
  });

  it("reads alone what is asked for alone, with only the parameters it uses", async () => {
    const { sql, statements } = fakeSql({ follows: ["c1"], exclusions: ["i9"] });
    const reader = new UserRelationsReader(sql);
    expect([...(await reader.exclusions("u1"))]).toEqual(["i9"]);
    expect(await reader.follows("u2")).toEqual(["c1"]);
    expect(statements.map((statement) => statement.values)).toEqual([["u1"], ["u2", 500]]);
    expect(statements[0]!.text).not.toContain("follows");
  });

  it("reads consumed items in the same statement, one column per distinct consumed spec, as of the clock", async () => {
    const { sql, statements } = fakeSql({ follows: ["c1"], exclusions: ["i9"] });
    const asOf = "1998-04-22T12:00:00.000Z";
    const reader = new UserRelationsReader(sql, { clock: fixedClock(Date.parse(asOf)) });
    const ratingsOnly = { ...DEFAULT_CONSUMED_FILTER, eventTypes: ["rating" as const], minRating: 4 };
    const [follows, consumed, again, rated] = await Promise.all([
      reader.follows("u1"),
      reader.consumed("u1", DEFAULT_CONSUMED_FILTER),
      reader.consumed("u1", { ...DEFAULT_CONSUMED_FILTER, eventTypes: ["watch", "rating", "purchase"] }),
      reader.consumed("u1", ratingsOnly),
    ]);
    expect(statements).toHaveLength(1);
    expect(follows).toEqual(["c1"]);
    // Same spec (types in another order): one column, both readers get it.
    expect([...consumed]).toEqual(["consumed0-item"]);
    expect(again).toBe(consumed);
    expect([...rated]).toEqual(["consumed1-item"]);
    expect(statements[0]!.text).toContain(`e.type = ANY('{purchase,rating,watch}'::"EventType"[])`);
    expect(statements[0]!.text).toContain(`e.type = ANY('{rating}'::"EventType"[])`);
    // Under a business clock, follows made after it do not count yet either.
    expect(statements[0]!.text).toContain("created_at <= $3::timestamptz ORDER BY created_at DESC LIMIT $2::int");
    expect(statements[0]!.text).toContain("e.occurred_at <= $4::timestamptz");
    expect(statements[0]!.values).toEqual(["u1", 500, asOf, asOf, 0.9, 20_000, asOf, 4, 20_000]);
  });

  it("bounds follows and hidden items by time only under a business clock, not the wall's", async () => {
    const asOf = "1998-04-22T12:00:00.000Z";
    const live = fakeSql({ follows: [], exclusions: [] });
    const wall = new UserRelationsReader(live.sql);
    await Promise.all([wall.follows("u1"), wall.exclusions("u1")]);
    expect(live.statements[0]!.text).not.toContain("timestamptz");
    const replayed = fakeSql({ follows: [], exclusions: [] });
    const fixed = new UserRelationsReader(replayed.sql, { clock: fixedClock(Date.parse(asOf)) });
    await Promise.all([fixed.follows("u1"), fixed.exclusions("u1")]);
    expect(replayed.statements[0]!.text).toContain("created_at <= $3::timestamptz");
    expect(replayed.statements[0]!.text).toContain("occurred_at <= $4::timestamptz");
    expect(replayed.statements[0]!.values).toEqual(["u1", 500, asOf, asOf]);
  });

  it("fails every read of the statement when it fails", async () => {
    const { sql } = fakeSql({ follows: [], exclusions: [] }, true);
    const reader = new UserRelationsReader(sql);
    const reads = [reader.follows("u1"), reader.exclusions("u1")];
    for (const read of reads) await expect(read).rejects.toThrow("connection refused");
  });

  it("writes event types into the statement only as enum identifiers", () => {
    expect(eventTypesLiteral(["purchase", "rating"])).toBe(`'{purchase,rating}'::"EventType"[]`);
    expect(() => eventTypesLiteral(["watch'); DROP TABLE events; --"])).toThrow(TypeError);
  });
});

import { describe, expect, it } from "vitest";
import { query } from "../funnel/testing/funnelFixtures.ts";
import type { ServingSql } from "../postgres/servingSql.ts";
import { followGraphSource } from "./followGraphSource.ts";

const HOUR_MS = 3_600_000;

/** A database whose only query is the per-creator lookup, answered from a table; records the creators asked for. */
function fakeDb(itemsByCreator: Record<string, { id: string; ageHours: number }[]>, nowMs: number) {
  const asked: string[][] = [];
  const db = {
    rows: async (_text: string, [creators]: readonly unknown[]) => {
      asked.push([...(creators as string[])]);
      return (creators as string[]).flatMap((creatorId) =>
        (itemsByCreator[creatorId] ?? []).map((item) => ({ creatorId, id: item.id, publishedAt: new Date(nowMs - item.ageHours * HOUR_MS) })),
      );
    },
    close: async () => undefined,
  } as unknown as ServingSql;
  return { db, asked };
}

describe("followGraphSource", () => {
  const base = query();
  const items = {
    c1: [
      { id: "c1-new", ageHours: 1 },
      { id: "c1-old", ageHours: 30 },
    ],
    c2: [{ id: "c2-mid", ageHours: 5 }],
  };

  it("merges the followed creators' newest items newest first, up to the limit", async () => {
    const { db } = fakeDb(items, base.nowMs);
    const found = await followGraphSource(db).fetch({ ...base, followedCreatorIds: ["c1", "c2"] }, 2, new AbortController().signal);
    expect(found.map((candidate) => candidate.itemId)).toEqual(["c1-new", "c2-mid"]);
    expect(found[0]!.score).toBeGreaterThan(found[1]!.score!);
  });

  it("reads only the creators it has not cached, and nothing when all are cached", async () => {
    const { db, asked } = fakeDb(items, base.nowMs);
    const source = followGraphSource(db);
    const signal = new AbortController().signal;
    await source.fetch({ ...base, followedCreatorIds: ["c1"] }, 10, signal);
    await source.fetch({ ...base, followedCreatorIds: ["c1", "c2", "c3"] }, 10, signal);
    await source.fetch({ ...base, followedCreatorIds: ["c3", "c2"] }, 10, signal);
    expect(asked).toEqual([["c1"], ["c2", "c3"]]);
  });

  it("with a TTL of 0 reads every time (no cache)", async () => {
    const { db, asked } = fakeDb(items, base.nowMs);
    const source = followGraphSource(db, { creatorItemsTtlMs: 0 });
    const signal = new AbortController().signal;
    await source.fetch({ ...base, followedCreatorIds: ["c1"] }, 10, signal);
    await source.fetch({ ...base, followedCreatorIds: ["c1"] }, 10, signal);
    expect(asked).toHaveLength(2);
  });
});

import type { Database } from "@cascade/db";
import { describe, expect, it } from "vitest";
import { PopularityRanking } from "./popularityRanking.ts";

type Row = { itemId: string; score: number; referenceTime: Date };

/** A database whose ranking query returns the queued answers in turn (an Error is thrown). */
function fakeDatabase(answers: (Row[] | Error)[]): { db: Database; calls: () => number } {
  let calls = 0;
  const db = {
    $queryRaw: async () => {
      const answer = answers[Math.min(calls, answers.length - 1)]!;
      calls += 1;
      if (answer instanceof Error) throw answer;
      return answer;
    },
  } as unknown as Database;
  return { db, calls: () => calls };
}

const silent = { warn: () => undefined, debug: () => undefined };
const at = new Date("2026-03-01T00:00:00Z");
const rows = (...ids: string[]): Row[] => ids.map((itemId, index) => ({ itemId, score: 10 - index, referenceTime: at }));

describe("PopularityRanking", () => {
  it("loads once on first use and serves the cached snapshot afterwards", async () => {
    const { db, calls } = fakeDatabase([rows("a", "b")]);
    const ranking = new PopularityRanking(db, silent);
    const [first, second] = await Promise.all([ranking.currentSnapshot(), ranking.currentSnapshot()]);
    expect(first).toBe(second);
    expect(first.items.map((item) => item.itemId)).toEqual(["a", "b"]);
    expect(first.referenceTime).toEqual(at);
    await ranking.currentSnapshot();
    expect(calls()).toBe(1);
  });

  it("keeps serving the previous snapshot when a refresh fails, flagged degraded until one succeeds", async () => {
    const { db } = fakeDatabase([rows("a"), new Error("database down"), rows("b")]);
    const ranking = new PopularityRanking(db, silent);
    const first = await ranking.refresh();
    await expect(ranking.refresh()).rejects.toThrow("database down");
    expect(ranking.degraded).toBe(true);
    expect(await ranking.currentSnapshot()).toBe(first);
    await ranking.refresh();
    expect(ranking.degraded).toBe(false);
    expect((await ranking.currentSnapshot()).items.map((item) => item.itemId)).toEqual(["b"]);
  });

  it("keeps the id of an unchanged ranking and retains superseded snapshots for cursors", async () => {
    const { db } = fakeDatabase([rows("a", "b"), rows("a", "b"), rows("b", "a")]);
    const ranking = new PopularityRanking(db, silent);
    const first = await ranking.refresh();
    const second = await ranking.refresh();
    expect(second.id).toBe(first.id);
    const third = await ranking.refresh();
    expect(third.id).not.toBe(first.id);
    expect(ranking.snapshotById(first.id)).toBe(second);
    expect(ranking.snapshotById(third.id)).toBe(third);
    expect(ranking.snapshotById("unknown")).toBeUndefined();
  });

  it("forgets superseded snapshots after the retention time", async () => {
    const { db } = fakeDatabase([rows("a"), rows("b")]);
    const ranking = new PopularityRanking(db, silent, { snapshotRetentionMs: -1 });
    const first = await ranking.refresh();
    await ranking.refresh();
    expect(ranking.snapshotById(first.id)).toBeUndefined();
  });

  it("rejects the first use when the first load fails", async () => {
    const { db } = fakeDatabase([new Error("database down")]);
    await expect(new PopularityRanking(db, silent).currentSnapshot()).rejects.toThrow("database down");
  });
});

import { recommendationsRequest } from "@cascade/core";
import type { Database } from "@cascade/db";
import { describe, expect, it } from "vitest";
import { encodeCursor, InvalidCursorError } from "./cursor.ts";
import { PopularityRanking } from "./popularityRanking.ts";
import { PopularityRecommender } from "./popularityRecommender.ts";

const silent = { warn: () => undefined, debug: () => undefined };
const referenceTime = new Date("2026-03-01T00:00:00Z");
const ranked = ["a", "b", "c", "d", "e"].map((itemId, index) => ({ itemId, score: 10 - index, referenceTime }));

/** The ranking query answers `ranked`; the exclusion query answers `history` (or throws it). */
function fakeDatabase(history: { itemId: string }[] | Error): Database {
  return {
    $queryRaw: async (strings: TemplateStringsArray) => {
      if (strings.join("?").includes("WITH reference")) return ranked;
      if (history instanceof Error) throw history;
      return history;
    },
  } as unknown as Database;
}

async function recommenderWith(history: { itemId: string }[] | Error) {
  const db = fakeDatabase(history);
  const ranking = new PopularityRanking(db, silent);
  await ranking.refresh();
  return new PopularityRecommender(ranking, db, silent);
}

const request = (body: Record<string, unknown>) => recommendationsRequest.parse({ userId: "u1", ...body });

describe("PopularityRecommender", () => {
  it("serves the ranking minus the user's history and excludeItemIds, with provenance", async () => {
    const recommender = await recommenderWith([{ itemId: "b" }]);
    const response = await recommender.recommend(request({ count: 2, excludeItemIds: ["a"] }));
    expect(response.items).toEqual([
      { itemId: "c", position: 0, score: 8, sources: [{ id: "popularity", rank: 2, score: 8 }], propensity: 1 },
      { itemId: "d", position: 1, score: 7, sources: [{ id: "popularity", rank: 3, score: 7 }], propensity: 1 },
    ]);
    expect(response.degraded).toBe(false);
    expect(response.cursor).not.toBeNull();
    expect(response.trace).toBeUndefined();
  });

  it("continues from the cursor with positions counting on, and ends with a null cursor", async () => {
    const recommender = await recommenderWith([]);
    const first = await recommender.recommend(request({ count: 3 }));
    const second = await recommender.recommend(request({ count: 3, cursor: first.cursor }));
    expect(second.items.map((item) => [item.itemId, item.position])).toEqual([
      ["d", 3],
      ["e", 4],
    ]);
    expect(second.cursor).toBeNull();
  });

  it("fails open when the user's history cannot be read, flagging the response degraded", async () => {
    const recommender = await recommenderWith(new Error("database down"));
    const response = await recommender.recommend(request({ count: 5, excludeItemIds: ["e"] }));
    expect(response.items.map((item) => item.itemId)).toEqual(["a", "b", "c", "d"]);
    expect(response.degraded).toBe(true);
  });

  it("rejects cursors that are malformed, expired or beyond the list", async () => {
    const recommender = await recommenderWith([]);
    const { snapshotId } = (await recommender.recommend(request({ count: 1, debug: true }))).trace as { snapshotId: string };
    const cursors = [
      "nonsense",
      encodeCursor({ snapshotId: "expired", offset: 1, served: 1 }),
      encodeCursor({ snapshotId, offset: 99, served: 1 }),
    ];
    for (const cursor of cursors) {
      await expect(recommender.recommend(request({ cursor }))).rejects.toThrow(InvalidCursorError);
    }
  });

  it("traces each stage when asked", async () => {
    const recommender = await recommenderWith([{ itemId: "a" }]);
    const response = await recommender.recommend(request({ count: 2, debug: true }));
    const trace = response.trace as { stages: { id: string; in: number; out: number }[] };
    expect(trace.stages.map(({ id, in: input, out }) => [id, input, out])).toEqual([
      ["popularity", 5, 5],
      ["exclusions", 3, 2],
      ["page", 2, 2],
    ]);
  });
});

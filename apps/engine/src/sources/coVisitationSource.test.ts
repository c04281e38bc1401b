import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { query } from "../funnel/testing/funnelFixtures.ts";
import { PeriodicSnapshot } from "../caching/periodicSnapshot.ts";
import { coVisitationSource, recentItemIds } from "./coVisitationSource.ts";
import { NeighbourLists, type CoVisitationTable } from "./coVisitationTable.ts";

const signal = new AbortController().signal;

function tableOf(neighbours: Record<string, [string, number][]>): PeriodicSnapshot<CoVisitationTable> {
  const table: CoVisitationTable = {
    builtAtMs: 0,
    pairs: 0,
    neighbours: NeighbourLists.fromRows(Object.entries(neighbours).flatMap(([item, list]) => list.map(([neighbour, score]) => ({ item, neighbour, score })))),
  };
  return new PeriodicSnapshot({ name: "test", refreshIntervalMs: 0, logger: pino({ level: "silent" }), load: async () => table });
}

describe("coVisitationSource", () => {
  it("orders the user's items newest first, ignoring anything at or after the request time", () => {
    const q = query();
    expect(
      recentItemIds(
        new Map([
          ["old", q.nowMs - 10],
          ["new", q.nowMs - 1],
          ["future", q.nowMs],
        ]),
        q.nowMs,
      ),
    ).toEqual(["new", "old"]);
  });

  it("sums neighbour similarity weighted by the recency rank of the seed, skipping the seeds", async () => {
    const table = tableOf({
      new: [
        ["x", 0.5],
        ["old", 0.9],
        ["y", 0.2],
      ],
      old: [
        ["y", 0.6],
        ["x", 0.1],
      ],
    });
    await table.refresh();
    const q = query({
      seenAtMs: new Map([
        ["old", 1],
        ["new", 2],
      ]),
    });
    const found = await coVisitationSource(table).fetch(q, 10, signal);
    // x: 0.5/1 + 0.1/2 = 0.55; y: 0.2/1 + 0.6/2 = 0.5
    expect(found.map((hit) => hit.itemId)).toEqual(["x", "y"]);
    expect(found[0]!.score).toBeCloseTo(0.55, 12);
    expect(found[1]!.score).toBeCloseTo(0.5, 12);
    expect(await coVisitationSource(table).fetch(q, 1, signal)).toHaveLength(1);
  });

  it("reports itself unavailable until the table is built", async () => {
    await expect(coVisitationSource(tableOf({})).fetch(query(), 10, signal)).rejects.toThrow(/^unavailable: /);
  });
});

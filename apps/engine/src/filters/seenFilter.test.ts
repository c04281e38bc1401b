import { describe, expect, it } from "vitest";
import { candidate, HOUR_MS, ids, NOW_MS, query } from "../funnel/testing/funnelFixtures.ts";
import { seenFilter } from "./seenFilter.ts";

describe("seenFilter", () => {
  const items = [candidate("a"), candidate("b"), candidate("c")];

  it("drops items seen within the window (inclusive) and keeps older and unseen ones", () => {
    const seenAtMs = new Map([
      ["a", NOW_MS - 24 * HOUR_MS],
      ["b", NOW_MS - 24 * HOUR_MS - 1],
    ]);
    const result = seenFilter({ windowHours: 24 }).apply(query({ seenAtMs }), items);
    expect(ids(result.kept)).toEqual(["b", "c"]);
    expect(result.removed).toEqual([{ itemId: "a", reason: expect.stringContaining("seen 24.0 h ago") }]);
  });

  it("keeps everything without history or with a zero window", () => {
    expect(ids(seenFilter({ windowHours: 24 }).apply(query(), items).kept)).toEqual(["a", "b", "c"]);
    const seenAtMs = new Map([["a", NOW_MS]]);
    expect(ids(seenFilter({ windowHours: 0 }).apply(query({ seenAtMs }), items).kept)).toEqual(["a", "b", "c"]);
  });
});

import { describe, expect, it } from "vitest";
import { featureRegistry } from "../features/registry.ts";
import { candidate, query } from "../funnel/testing/funnelFixtures.ts";
import { featureOf } from "../funnel/candidate.ts";
import type { ServingRanker } from "./servingRanker.ts";
import { actionOf, featureMatrix, onnxRankerScorer, REFERENCE_POSITION } from "./onnxRankerScorer.ts";

function recordingRanker(featureNames: string[]): ServingRanker & { seen: { features: Float32Array; rows: number }[] } {
  const seen: { features: Float32Array; rows: number }[] = [];
  return {
    seen,
    featureNames,
    outputs: ["p_click", "watch_seconds"],
    async score(features, rows) {
      seen.push({ features, rows });
      return { p_click: Float32Array.from({ length: rows }, (_, row) => row / 10), watch_seconds: Float32Array.from({ length: rows }, () => 30) };
    },
    release: async () => undefined,
  };
}

describe("onnxRankerScorer", () => {
  it("maps outputs to actions", () => {
    expect(actionOf("p_click")).toBe("click");
    expect(actionOf("watch_seconds")).toBe("watch_seconds");
  });

  it("builds rows in the declared column order, with serving inputs and counted declared defaults", () => {
    const tallies: Record<string, number> = {};
    const withAnn = candidate("a", { features: { item_ctr_3d: 0.2 } });
    withAnn.sources = [
      { id: "trending", rank: 0 },
      { id: "ann", rank: 3, score: 0.8 },
    ];
    const plain = candidate("b", { features: { item_ctr_3d: Number.NaN } });
    const matrix = featureMatrix({ featureNames: ["item_ctr_3d", "retrieval_score", "position"] }, [withAnn, plain], (name, by = 1) => {
      tallies[name] = (tallies[name] ?? 0) + by;
    });
    const ctrDefault = featureRegistry.get("item_ctr_3d")!.default;
    expect([...matrix]).toEqual([Math.fround(0.2), Math.fround(0.8), REFERENCE_POSITION, Math.fround(ctrDefault), 0, REFERENCE_POSITION]);
    expect(tallies).toEqual({ "defaults.item_ctr_3d": 1 });
  });

  it("reads each row's features by name whatever their key order, extra keys and missing or non-finite values", () => {
    const names = ["item_ctr_3d", "item_trending_6h", "position", "user_clicks_1h", "retrieval_score", "item_clicks_3d"];
    const rows: Record<string, number>[] = [
      { item_trending_6h: 2, item_ctr_3d: 0.3, user_clicks_1h: 4, item_clicks_3d: 1, unrelated: 9 },
      { item_trending_6h: 3, item_ctr_3d: 0.1, user_clicks_1h: 5, item_clicks_3d: 2, unrelated: 8 },
      { item_ctr_3d: 0.2, item_trending_6h: Number.POSITIVE_INFINITY, user_clicks_1h: 1 },
      { item_trending_6h: 1e39, item_ctr_3d: Number.NaN, position: 7, retrieval_score: 0.9, user_clicks_1h: 2, item_clicks_3d: 3 },
      {},
      { item_trending_6h: 5, item_ctr_3d: 0.4, user_clicks_1h: 6, item_clicks_3d: 4, unrelated: 7 },
    ];
    // The request's shared features: one object for some rows, another for one row, none for the rest.
    const shared = { user_clicks_1h: 11, item_clicks_3d: 12, item_trending_6h: Number.NaN, unrelated: 1 };
    const otherShared = { user_clicks_1h: 21 };
    const candidates = rows.map((features, index) => {
      const built = candidate(`i${index}`, { features });
      if (index === 1) built.sources = [{ id: "ann", rank: 0, score: 0.7 }];
      if (index >= 2 && index !== 5) built.requestFeatures = shared;
      if (index === 5) built.requestFeatures = otherShared;
      return built;
    });
    const tallies: Record<string, number> = {};
    const matrix = featureMatrix({ featureNames: names }, candidates, (name, by = 1) => {
      tallies[name] = (tallies[name] ?? 0) + by;
    });
    // The rule cell by cell: the named value (the candidate's own, else the request's) when finite (a
    // double beyond float32 becomes Infinity), else the declared default; position is the reference
    // slot, retrieval_score the ANN score.
    const expected: number[] = [];
    const expectedTallies: Record<string, number> = {};
    candidates.forEach((row) => {
      for (const name of names) {
        const value =
          name === "position"
            ? REFERENCE_POSITION
            : name === "retrieval_score"
              ? (row.sources.find((hit) => hit.id === "ann")?.score ?? 0)
              : featureOf(row, name);
        if (value !== undefined && Number.isFinite(value)) expected.push(Math.fround(value));
        else {
          expected.push(Math.fround(featureRegistry.get(name)?.default ?? 0));
          expectedTallies[`defaults.${name}`] = (expectedTallies[`defaults.${name}`] ?? 0) + 1;
        }
      }
    });
    expect([...matrix]).toEqual(expected);
    expect(matrix[3 * names.length + 1]).toBe(Number.POSITIVE_INFINITY);
    expect(tallies).toEqual(expectedTallies);
    // Row 2 lacks item_clicks_3d and row 4 has no features: the request's value; row 3's own wins.
    expect(matrix[2 * names.length + 5]).toBe(12);
    expect(matrix[4 * names.length + 5]).toBe(12);
    expect(matrix[3 * names.length + 5]).toBe(3);
    // Row 3's own non-finite ctr is defaulted even where the request has no value; row 4 takes the request's clicks.
    expect(matrix[4 * names.length + 3]).toBe(11);
    expect(tallies["defaults.item_clicks_3d"]).toBeUndefined();
  });

  it("lets a candidate's own non-finite value override the request's finite one, as featureOf does", () => {
    const own = candidate("a", { features: { user_clicks_1h: Number.NaN, item_ctr_3d: 0.5 } });
    own.requestFeatures = { user_clicks_1h: 4, item_ctr_3d: 0.9 };
    const tallies: Record<string, number> = {};
    const matrix = featureMatrix({ featureNames: ["user_clicks_1h", "item_ctr_3d"] }, [own], (name, by = 1) => {
      tallies[name] = (tallies[name] ?? 0) + by;
    });
    expect([...matrix]).toEqual([featureRegistry.get("user_clicks_1h")!.default, Math.fround(0.5)]);
    expect(tallies).toEqual({ "defaults.user_clicks_1h": 1 });
    expect(featureOf(own, "user_clicks_1h")).toBeNaN();
  });

  it("runs the model once over the whole batch and writes one update per candidate, in order", async () => {
    const ranker = recordingRanker(["item_ctr_3d"]);
    const candidates = ["a", "b", "c"].map((id) => candidate(id, { features: { item_ctr_3d: 0.1 } }));
    const updates = await onnxRankerScorer(ranker, 50).score(query(), candidates, new AbortController().signal, () => {});
    expect(ranker.seen.map((call) => call.rows)).toEqual([3]);
    expect(updates.map((update) => update.scores)).toEqual([0, 1, 2].map((row) => ({ click: Math.fround(row / 10), watch_seconds: 30 })));
  });
});

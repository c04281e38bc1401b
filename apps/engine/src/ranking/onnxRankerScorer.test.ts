import { describe, expect, it } from "vitest";
import { featureRegistry } from "../features/registry.ts";
import { candidate, query } from "../funnel/testing/funnelFixtures.ts";
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

  it("runs the model once over the whole batch and writes one update per candidate, in order", async () => {
    const ranker = recordingRanker(["item_ctr_3d"]);
    const candidates = ["a", "b", "c"].map((id) => candidate(id, { features: { item_ctr_3d: 0.1 } }));
    const updates = await onnxRankerScorer(ranker, 50).score(query(), candidates, new AbortController().signal, () => {});
    expect(ranker.seen.map((call) => call.rows)).toEqual([3]);
    expect(updates.map((update) => update.scores)).toEqual([0, 1, 2].map((row) => ({ click: Math.fround(row / 10), watch_seconds: 30 })));
  });
});

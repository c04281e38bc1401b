import { describe, expect, it } from "vitest";
import { blendScores } from "../funnel/blendScores.ts";
import { candidate, query } from "../funnel/testing/funnelFixtures.ts";
import { retrievalPriorScorer } from "./retrievalPriorScorer.ts";

describe("retrievalPriorScorer", () => {
  it("scores 1/(1 + best source rank) so that the surface's blend reproduces it", async () => {
    const blend = { click: 1, like: 3, hide: -5 };
    const candidates = [candidate("a"), candidate("b")];
    candidates[0]!.sources = [{ id: "trending", rank: 4 }, { id: "fresh", rank: 1 }];
    candidates[1]!.sources = [{ id: "trending", rank: 0 }];
    const updates = await retrievalPriorScorer(blend).score(query(), candidates, new AbortController().signal);
    updates.forEach((update, index) => Object.assign(candidates[index]!.scores, update.scores));
    blendScores(candidates, blend);
    expect(candidates.map((c) => c.score)).toEqual([1 / 2, 1]);
    expect(candidates[0]!.scores.hide).toBeUndefined();
  });
});

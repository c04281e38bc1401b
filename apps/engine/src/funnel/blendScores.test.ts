import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sortByScore } from "./blendScores.ts";
import { candidate } from "./testing/funnelFixtures.ts";

describe("sortByScore", () => {
  it("property: the stable order by score, best first, with ties and NaN keeping their place (as sorting by the scores' difference did)", () => {
    const score = fc.oneof(fc.double(), fc.constantFrom(0, -0, 1, 1, 2, Number.NaN, Infinity, -Infinity));
    // Long lists of few distinct scores: ties across the merged runs, where stability shows.
    const scores = fc.oneof(fc.array(score, { maxLength: 300, size: "max" }), fc.array(fc.constantFrom(0, -0, 0.5, 1, 3), { maxLength: 300, size: "max" }));
    fc.assert(
      fc.property(scores, fc.boolean(), (drawn, withoutNaN) => {
        const scores = withoutNaN ? drawn.filter((value) => !Number.isNaN(value)) : drawn;
        const candidates = scores.map((value, i) => candidate(`i${i}`, { score: value }));
        const reference = candidates.slice().sort((a, b) => b.score - a.score || 0);
        expect(sortByScore(candidates).map((item) => item.itemId)).toEqual(reference.map((item) => item.itemId));
      }),
      { seed: 3, numRuns: 500 },
    );
  });
});

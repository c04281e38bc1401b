import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sortByScore } from "./blendScores.ts";
import { candidate } from "./testing/funnelFixtures.ts";

describe("sortByScore", () => {
  it("property: the stable order by score, best first, with ties and NaN keeping their place (as sorting by the scores' difference did)", () => {
    const score = fc.oneof(fc.double(), fc.constantFrom(0, -0, 1, 1, 2, Number.NaN, Infinity, -Infinity));
    fc.assert(
      fc.property(fc.array(score, { maxLength: 60 }), (scores) => {
        const candidates = scores.map((value, i) => candidate(`i${i}`, { score: value }));
        const reference = candidates.slice().sort((a, b) => b.score - a.score || 0);
        expect(sortByScore(candidates).map((item) => item.itemId)).toEqual(reference.map((item) => item.itemId));
      }),
      { seed: 3, numRuns: 500 },
    );
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allFeatures, NO_VALUES, servedCandidate } from "./candidate.ts";
import { candidate, query } from "./testing/funnelFixtures.ts";
import { buildTrace, ruleEffects } from "./traceBuilder.ts";

describe("ruleEffects", () => {
  const list = (...itemIds: string[]) => itemIds.map((itemId) => candidate(itemId));

  it("annotates a rule's own effects with from/to, adds moved and removed items, and leaves effects past the horizon out", () => {
    const before = list("a", "b", "c", "d", "e", "f");
    const after = list("c", "a", "b", "d", "f");
    const own = [
      { itemId: "c", kind: "boosted" as const, delta: 1 },
      { itemId: "f", kind: "buried" as const, delta: -1 },
    ];
    const { effects, omitted } = ruleEffects(own, before, after, 3);
    expect(effects).toEqual([
      { itemId: "c", kind: "boosted", delta: 1, from: 2, to: 0 },
      { itemId: "a", kind: "moved", from: 0, to: 1 },
      { itemId: "b", kind: "moved", from: 1, to: 2 },
      { itemId: "e", kind: "removed", from: 4 },
    ]);
    expect(omitted).toBe(1); // f: buried from 5 to 4, both past the horizon; d did not move
  });
});

describe("buildTrace's feature vectors", () => {
  it("property: a full trace's features are the candidate's whole vector (allFeatures) rounded, keys in the same order", () => {
    const featureMap = fc.dictionary(fc.constantFrom("a", "b", "c", "d", "e"), fc.double({ noNaN: true, min: -10, max: 10 }), { maxKeys: 5 });
    fc.assert(
      fc.property(featureMap, fc.option(featureMap, { nil: undefined }), fc.boolean(), (own, shared, none) => {
        const built = candidate("x", { features: own });
        built.requestFeatures = none ? NO_VALUES : shared;
        const trace = buildTrace({
          query: query(),
          surface: "home",
          detail: "full",
          totalMs: 1,
          degraded: false,
          stages: [],
          page: [servedCandidate(built, 0, 1, "ranked")],
          ranked: [built],
        });
        const whole = allFeatures(built);
        const expected = Object.fromEntries(Object.keys(whole).map((key) => [key, Math.round(whole[key]! * 1e6) / 1e6]));
        for (const features of [trace.served[0]!.features!, trace.candidates!.x!.features]) {
          expect(features).toEqual(expected);
          expect(Object.keys(features)).toEqual(Object.keys(expected));
        }
      }),
      { numRuns: 300 },
    );
  });
});

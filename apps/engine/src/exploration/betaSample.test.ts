import { createRandom, type Random } from "@cascade/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BetaSampler } from "./betaSample.ts";

/** The plain draw: X / (X + Y) with X ~ Gamma(α), Y ~ Gamma(β) from random.gamma. */
function sampleBeta(random: Random, alpha: number, beta: number): number {
  const x = random.gamma(alpha);
  const y = random.gamma(beta);
  return x + y === 0 ? 0.5 : x / (x + y);
}

// Shapes as Thompson posteriors make them (prior + counts), with boosted shapes below 1 and huge ones.
const shape = fc.oneof(fc.double({ min: 0.01, max: 0.999, noNaN: true }), fc.integer({ min: 1, max: 400 }), fc.double({ min: 1, max: 1e6, noNaN: true }));

describe("BetaSampler", () => {
  it("draws what sampleBeta draws in turn, and leaves the stream where sampleBeta leaves it", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.array(fc.tuple(shape, shape), { minLength: 1, maxLength: 25 }), (seed, pairs) => {
        const alphas = Float64Array.from(pairs, ([alpha]) => alpha);
        const betas = Float64Array.from(pairs, ([, beta]) => beta);
        const reference = createRandom(seed);
        const random = createRandom(seed);
        const sampler = new BetaSampler(alphas, betas);
        const draws = new Float64Array(pairs.length);
        for (let round = 0; round < 20; round++) {
          sampler.drawAll(random, draws);
          expect(Array.from(draws)).toEqual(pairs.map(([alpha, beta]) => sampleBeta(reference, alpha, beta)));
        }
        expect(random.next()).toBe(reference.next());
      }),
      { numRuns: 300 },
    );
  });
});

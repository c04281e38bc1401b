import { describe, expect, it } from "vitest";
import { blendScores } from "../funnel/blendScores.ts";
import { candidate, query } from "../funnel/testing/funnelFixtures.ts";
import { retrievalPriorScorer, standardisedSourceScores } from "./retrievalPriorScorer.ts";

const source = (id: string, weight: number) => ({ id, enabled: true, quota: 10, budgetMs: 10, weight });

async function scored(config: Parameters<typeof retrievalPriorScorer>[0], sources: { id: string; rank: number }[][]) {
  const candidates = sources.map((hits, index) => ({ ...candidate(`item-${index}`), sources: hits }));
  const updates = await retrievalPriorScorer(config).score(query(), candidates, new AbortController().signal, () => {});
  updates.forEach((update, index) => Object.assign(candidates[index]!.scores, update.scores));
  blendScores(candidates, config.blend);
  return candidates;
}

describe("retrievalPriorScorer", () => {
  it("sums weight / (k + 1 + rank) over the sources that found an item, and the blend reproduces it", async () => {
    const blend = { click: 1, like: 3, hide: -5 };
    const config = { blend, sources: [source("trending", 1), source("fresh", 2)], fusion: { k: 0 } };
    const candidates = await scored(config, [
      [
        { id: "trending", rank: 4 },
        { id: "fresh", rank: 1 },
      ],
      [{ id: "trending", rank: 0 }],
    ]);
    expect(candidates[0]!.score).toBeCloseTo(1 / 5 + 2 / 2);
    expect(candidates[1]!.score).toBeCloseTo(1);
    expect(candidates[0]!.scores.hide).toBeUndefined();
  });

  it("lets a heavier source order the list and k flatten the heads", async () => {
    const hits = [[{ id: "trending", rank: 0 }], [{ id: "itemToItem", rank: 3 }]];
    const even = await scored({ blend: { click: 1 }, sources: [source("trending", 1), source("itemToItem", 1)], fusion: { k: 0 } }, hits);
    expect(even[0]!.score).toBeGreaterThan(even[1]!.score);
    const tuned = await scored({ blend: { click: 1 }, sources: [source("trending", 1), source("itemToItem", 5)], fusion: { k: 0 } }, hits);
    expect(tuned[1]!.score).toBeGreaterThan(tuned[0]!.score);
    const damped = await scored({ blend: { click: 1 }, sources: [source("trending", 1), source("itemToItem", 2)], fusion: { k: 60 } }, hits);
    expect(damped[1]!.score).toBeGreaterThan(damped[0]!.score);
  });

  it("gives a source weighted 0 no say, and a source the config does not list weight 1", async () => {
    const candidates = await scored({ blend: { click: 1 }, sources: [source("fresh", 0)], fusion: { k: 0 } }, [
      [{ id: "fresh", rank: 0 }],
      [{ id: "coldStart", rank: 1 }],
    ]);
    expect(candidates[0]!.score).toBe(0);
    expect(candidates[1]!.score).toBeCloseTo(1 / 2);
  });

  it("adds each weighted source's score standardised over the candidates, reading the scores written for every candidate", async () => {
    // itemToItem: hit scores 3 and 1, the third candidate (not found) counts as the lowest, 1; ann: written twoTower scores.
    const candidates = [
      { ...candidate("a"), sources: [{ id: "itemToItem", rank: 0, score: 3 }], scores: { twoTower: 0 } },
      { ...candidate("b"), sources: [{ id: "itemToItem", rank: 1, score: 1 }], scores: { twoTower: 2 } },
      { ...candidate("c"), sources: [{ id: "trending", rank: 0, score: 50 }], scores: { twoTower: 1 } },
    ];
    const z = standardisedSourceScores(candidates, "itemToItem");
    expect(z[0]).toBeCloseTo(Math.SQRT2);
    expect(z[1]).toBeCloseTo(-1 / Math.SQRT2);
    expect(z[2]).toBeCloseTo(-1 / Math.SQRT2);
    expect([...standardisedSourceScores(candidates, "ann")].map((value) => Number(value.toFixed(4)))).toEqual([-1.2247, 1.2247, 0]);
    expect([...standardisedSourceScores(candidates, "follows")]).toEqual([0, 0, 0]);
    const config = {
      blend: { click: 1 },
      sources: [source("itemToItem", 0), source("trending", 0)],
      fusion: { k: 0, scoreWeights: { itemToItem: 1, ann: 0.5 } },
    };
    const updates = await retrievalPriorScorer(config).score(query(), candidates, new AbortController().signal, () => {});
    expect(updates.map((update) => update.scores!.retrievalPrior)).toEqual(
      [0, 1, 2].map((c) => z[c]! + 0.5 * [-1.224744871, 1.224744871, 0][c]!).map((v) => expect.closeTo(v, 6)),
    );
    // Without score weights the prior is the rank fusion alone, as before.
    const ranksOnly = await retrievalPriorScorer({ ...config, fusion: { k: 0 } }).score(query(), candidates, new AbortController().signal, () => {});
    expect(ranksOnly.map((update) => update.scores!.retrievalPrior)).toEqual([0, 0, 0]);
  });
});

import { describe, expect, it } from "vitest";
import { blendScores } from "../funnel/blendScores.ts";
import { candidate, query } from "../funnel/testing/funnelFixtures.ts";
import { retrievalPriorScorer } from "./retrievalPriorScorer.ts";

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
});

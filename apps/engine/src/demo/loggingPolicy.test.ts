import { describe, expect, it } from "vitest";
import { samplePlackettLuce } from "./loggingPolicy.ts";
import { createRandom } from "@cascade/core";

describe("samplePlackettLuce", () => {
  const scores = [2, 1, 0, -1, 0.5];
  const labels = [10, 11, 12, 13, 14];
  const exploration = 0.1;

  it("logs, for each slot, the probability of its item given the slots above", () => {
    const random = createRandom(1);
    const draws = 100_000;
    const firstSlot = new Map<number, number>();
    const secondGivenFirst = new Map<string, number>();
    const logged = new Map<string, number>();
    for (let n = 0; n < draws; n += 1) {
      const slate = samplePlackettLuce(random, scores, 3, exploration, labels);
      const [first, second] = slate.items as [number, number];
      firstSlot.set(first, (firstSlot.get(first) ?? 0) + 1);
      secondGivenFirst.set(`${first}>${second}`, (secondGivenFirst.get(`${first}>${second}`) ?? 0) + 1);
      logged.set(`0:${first}`, slate.propensities[0]!);
      logged.set(`1:${first}>${second}`, slate.propensities[1]!);
    }
    for (const [item, count] of firstSlot) expect(count / draws).toBeCloseTo(logged.get(`0:${item}`)!, 2);
    // The most frequent first item: its successors' conditional frequencies match their logs.
    const [topFirst, topCount] = [...firstSlot].sort((a, b) => b[1] - a[1])[0]!;
    for (const [pair, count] of secondGivenFirst) {
      if (!pair.startsWith(`${topFirst}>`)) continue;
      expect(count / topCount).toBeCloseTo(logged.get(`1:${pair}`)!, 2);
    }
  });

  it("matches the formula (1 − ε)·softmax + ε/|remaining| and stays in (0, 1]", () => {
    const slate = samplePlackettLuce(createRandom(3), scores, 5, exploration, labels);
    let remaining = [...labels];
    slate.items.forEach((item, slot) => {
      const total = remaining.reduce((sum, label) => sum + Math.exp(scores[labels.indexOf(label)]!), 0);
      const expected = (1 - exploration) * (Math.exp(scores[labels.indexOf(item)]!) / total) + exploration / remaining.length;
      expect(slate.propensities[slot]).toBeCloseTo(expected, 12);
      expect(slate.propensities[slot]).toBeGreaterThan(0);
      expect(slate.propensities[slot]).toBeLessThanOrEqual(1);
      remaining = remaining.filter((label) => label !== item);
    });
    expect(slate.propensities.at(-1)).toBe(1);
    expect(new Set(slate.items).size).toBe(5);
  });

  it("keeps every propensity positive even when scores differ enormously", () => {
    const slate = samplePlackettLuce(createRandom(4), [500, 0, -500], 3, exploration, [0, 1, 2]);
    for (const propensity of slate.propensities) expect(propensity).toBeGreaterThan(0);
  });
});

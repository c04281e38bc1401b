import { auc, createRandom, logLoss } from "@cascade/core";
import { describe, expect, it } from "vitest";
import { weightedAuc, weightedLogLoss } from "./weightedMetrics.ts";

const random = createRandom(17);
const n = 300;
const scores = Array.from({ length: n }, () => Math.round(random.next() * 20) / 20); // with ties
const labels = scores.map((score) => (random.chance(0.2 + 0.6 * score) ? 1 : 0));
const predictions = scores.map((score) => 0.05 + 0.9 * score);

describe("weighted AUC and log loss", () => {
  it("equal the unweighted metrics when every weight is 1", () => {
    const ones = new Array<number>(n).fill(1);
    expect(weightedAuc(scores, labels, ones)).toBeCloseTo(auc(scores, labels), 12);
    expect(weightedLogLoss(predictions, labels, ones)).toBeCloseTo(logLoss(predictions, labels), 12);
  });

  it("weight 2 counts a row twice", () => {
    const weights = scores.map((_, i) => (i % 3 === 0 ? 2 : 1));
    const repeated = (values: number[]) => values.flatMap((value, i) => (i % 3 === 0 ? [value, value] : [value]));
    expect(weightedAuc(scores, labels, weights)).toBeCloseTo(auc(repeated(scores), repeated(labels)), 12);
    expect(weightedLogLoss(predictions, labels, weights)).toBeCloseTo(logLoss(repeated(predictions), repeated(labels)), 12);
  });

  it("ignores zero-weight rows and is NaN without both classes", () => {
    expect(weightedAuc([0.9, 0.1, 0.5], [1, 0, 0], [1, 1, 0])).toBe(1);
    expect(weightedAuc([0.9, 0.1], [1, 1], [1, 1])).toBeNaN();
  });
});

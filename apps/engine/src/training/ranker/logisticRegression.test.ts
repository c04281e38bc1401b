import { describe, expect, it } from "vitest";
import { createRandom } from "@cascade/core";
import { sigmoid } from "../../ranking/multiTaskRanker.ts";
import { predictLogisticRegression, trainLogisticRegression } from "./logisticRegression.ts";

describe("trainLogisticRegression", () => {
  const random = createRandom(21);
  const n = 6000;
  const features = new Float32Array(n * 3);
  const labels = new Float32Array(n);
  // Logit = 1.5·x0 − 2·x1 + 0·x2 − 0.5, x1 on a large scale (standardisation must handle it).
  for (let i = 0; i < n; i += 1) {
    const x0 = random.normal();
    const x1 = 100 + 10 * random.normal();
    const x2 = random.normal();
    features.set([x0, x1, x2], i * 3);
    labels[i] = random.chance(sigmoid(1.5 * x0 - 2 * ((x1 - 100) / 10) - 0.5)) ? 1 : 0;
  }

  it("recovers the generating coefficients (on the standardised scale)", () => {
    const model = trainLogisticRegression(["x0", "x1", "x2"], features, labels, undefined);
    expect(model.coefficients[0]).toBeGreaterThan(1.3);
    expect(model.coefficients[0]).toBeLessThan(1.7);
    expect(model.coefficients[1]).toBeGreaterThan(-2.25);
    expect(model.coefficients[1]).toBeLessThan(-1.75);
    expect(Math.abs(model.coefficients[2]!)).toBeLessThan(0.15);
    expect(model.iterations).toBeLessThan(20);
    const p = predictLogisticRegression(model, features.subarray(0, 3), 1)[0]!;
    const [x0, x1] = [features[0]!, features[1]!];
    expect(p).toBeCloseTo(sigmoid(1.5 * x0 - 2 * ((x1 - 100) / 10) - 0.5), 1);
  });

  it("respects example weights: weight 2 equals the row repeated", () => {
    const rows = 400;
    const weights = new Float32Array(rows).map((_, i) => (i % 2 === 0 ? 2 : 1));
    const weighted = trainLogisticRegression(["x0", "x1", "x2"], features.subarray(0, rows * 3), labels.subarray(0, rows), weights);
    const repeatedFeatures: number[] = [];
    const repeatedLabels: number[] = [];
    for (let i = 0; i < rows; i += 1) {
      for (let copy = 0; copy < weights[i]!; copy += 1) {
        repeatedFeatures.push(...features.subarray(i * 3, i * 3 + 3));
        repeatedLabels.push(labels[i]!);
      }
    }
    const repeated = trainLogisticRegression(["x0", "x1", "x2"], Float32Array.from(repeatedFeatures), repeatedLabels, undefined);
    // Standardisation is unweighted (it describes inputs), so compare predictions, not coefficients.
    const a = predictLogisticRegression(weighted, features.subarray(0, 30), 10);
    const b = predictLogisticRegression(repeated, features.subarray(0, 30), 10);
    for (let i = 0; i < 10; i += 1) expect(a[i]).toBeCloseTo(b[i]!, 3);
  });
});

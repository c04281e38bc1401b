import { describe, expect, it } from "vitest";
import { createMultiTaskRanker, forwardTrace, scoreBatch, type MultiTaskRanker } from "../../ranking/multiTaskRanker.ts";
import {
  evaluateRankerLoss,
  rankerLossGradient,
  rankerParameters,
  trainMultiTaskRanker,
  type RankerDataset,
  type RankerTrainingConfig,
} from "./rankerTraining.ts";
import { areaUnderRoc, SYNTHETIC_FEATURES, syntheticRankingData } from "./syntheticRankingData.ts";
import { pearsonCorrelation } from "@cascade/core";

const config: RankerTrainingConfig = {
  featureNames: SYNTHETIC_FEATURES,
  hiddenSizes: [16, 8],
  seed: 7,
  epochs: 12,
  batchSize: 64,
  learningRate: 0.01,
};

const train = syntheticRankingData(3000, 1);
const heldOut = syntheticRankingData(1500, 2);

function allParameters(model: MultiTaskRanker): number[] {
  return [...model.hidden, model.head].flatMap((layer) => [...layer.weights, ...layer.bias]);
}

describe("trainMultiTaskRanker", () => {
  const result = trainMultiTaskRanker(train, config);

  it("lowers the training loss substantially", () => {
    const final = result.epochLosses.at(-1)!;
    expect(result.epochLosses).toHaveLength(config.epochs);
    expect(final.total).toBeLessThan(0.6 * result.initialLoss.total);
    expect(final.click).toBeLessThan(0.75 * result.initialLoss.click);
    expect(final.like).toBeLessThan(0.8 * result.initialLoss.like);
    expect(final.watch).toBeLessThan(0.3 * result.initialLoss.watch);
    // Held-out loss falls too: it learned structure, not the training rows.
    const before = evaluateRankerLoss(trainMultiTaskRanker(train, { ...config, epochs: 0 }).model, heldOut);
    expect(evaluateRankerLoss(result.model, heldOut).total).toBeLessThan(0.6 * before.total);
  });

  it("ranks held-out rows far better than chance on every head", () => {
    const scores = scoreBatch(result.model, heldOut.features, heldOut.rows);
    expect(areaUnderRoc(scores.pClick, heldOut.click)).toBeGreaterThan(0.85);
    expect(areaUnderRoc(scores.pLike, heldOut.like)).toBeGreaterThan(0.8);
    expect(pearsonCorrelation(scores.watchSeconds, heldOut.watchSeconds)).toBeGreaterThan(0.6);
    // Predicted watch seconds are on the labels' scale, not the standardised one.
    const meanPredicted = scores.watchSeconds.reduce((sum, value) => sum + value, 0) / heldOut.rows;
    const meanActual = heldOut.watchSeconds.reduce((sum, value) => sum + value, 0) / heldOut.rows;
    expect(meanPredicted / meanActual).toBeGreaterThan(0.7);
    expect(meanPredicted / meanActual).toBeLessThan(1.3);
  });

  it("stores the training rows' standardisation in the model", () => {
    const ageIndex = SYNTHETIC_FEATURES.indexOf("age_hours");
    expect(result.model.featureMean[ageIndex]).toBeGreaterThan(480);
    expect(result.model.featureMean[ageIndex]).toBeLessThan(520);
    expect(1 / result.model.featureInvStd[ageIndex]!).toBeGreaterThan(180);
    expect(1 / result.model.featureInvStd[ageIndex]!).toBeLessThan(220);
  });

  it("is deterministic for a seed and differs across seeds", () => {
    const again = trainMultiTaskRanker(train, config);
    expect(allParameters(again.model)).toEqual(allParameters(result.model));
    expect(again.epochLosses).toEqual(result.epochLosses);
    const other = trainMultiTaskRanker(train, { ...config, seed: 8, epochs: 1 });
    expect(allParameters(other.model)).not.toEqual(allParameters(trainMultiTaskRanker(train, { ...config, epochs: 1 }).model));
  });

  it("ignores zero-weight examples", () => {
    // Append copies of the training rows with every label inverted, weighted 0: a model that let
    // them in would learn nothing; with the weights it learns as before.
    const poisoned: RankerDataset = {
      rows: train.rows * 2,
      features: new Float32Array([...train.features, ...train.features]),
      click: new Float32Array([...train.click, ...train.click.map((y) => 1 - y)]),
      like: new Float32Array([...train.like, ...train.like.map((y) => 1 - y)]),
      watchSeconds: new Float32Array([...train.watchSeconds, ...train.watchSeconds.map(() => 0)]),
      weights: new Float32Array(train.rows * 2).fill(1, 0, train.rows),
    };
    const model = trainMultiTaskRanker(poisoned, config).model;
    const scores = scoreBatch(model, heldOut.features, heldOut.rows);
    expect(areaUnderRoc(scores.pClick, heldOut.click)).toBeGreaterThan(0.85);
    expect(areaUnderRoc(scores.pLike, heldOut.like)).toBeGreaterThan(0.8);
  });

  it("refuses mismatched inputs", () => {
    expect(() => trainMultiTaskRanker({ ...train, click: new Float32Array(3) }, config)).toThrow(/click has 3 values/);
    expect(() => trainMultiTaskRanker(train, { ...config, featureNames: ["a", "b"] })).toThrow(/feature values/);
  });
});

describe("rankerLossGradient", () => {
  it("agrees with central finite differences of the loss", () => {
    // Float64 parameters would make this exact; ours are float32, so the step is large enough that
    // rounding of the perturbed value and of the activations stays well below the tolerance.
    const data = { ...syntheticRankingData(40, 5), weights: new Float32Array(40).map((_, row) => 0.5 + (row % 3)) };
    const model = createMultiTaskRanker({ featureNames: SYNTHETIC_FEATURES, hiddenSizes: [6, 4], seed: 9 });
    model.watchScale = 20;
    // Standardise age_hours (≈ 500 ± 200) as training would; raw, a step on its weights moves the
    // activations by hundreds of times the step and the finite difference stops being local.
    const ageIndex = SYNTHETIC_FEATURES.indexOf("age_hours");
    model.featureMean[ageIndex] = 500;
    model.featureInvStd[ageIndex] = 1 / 200;
    // A finite difference across a ReLU kink measures neither one-sided derivative: skip the steps
    // that switch any unit on or off.
    const reluPattern = () =>
      forwardTrace(model, data.features, data.rows)
        .activations.map((activation) => Array.from(activation, (value) => (value > 0 ? "1" : "0")).join(""))
        .join("|");
    const pattern = reluPattern();
    const { gradients } = rankerLossGradient(model, data);
    const step = 3e-3;
    let checked = 0;
    let skipped = 0;
    rankerParameters(model).forEach((parameter, p) => {
      for (let index = 0; index < parameter.length; index += 1) {
        const original = parameter[index]!;
        parameter[index] = original + step;
        const up = parameter[index]!;
        const lossUp = evaluateRankerLoss(model, data).total;
        const patternUp = reluPattern();
        parameter[index] = original - step;
        const down = parameter[index]!;
        const lossDown = evaluateRankerLoss(model, data).total;
        const patternDown = reluPattern();
        parameter[index] = original;
        if (patternUp !== pattern || patternDown !== pattern) {
          skipped += 1;
          continue;
        }
        const numeric = (lossUp - lossDown) / (up - down);
        const analytic = gradients[p]![index]!;
        expect(Math.abs(numeric - analytic), `parameter tensor ${p}, index ${index}`).toBeLessThan(1e-3 + 0.02 * Math.abs(analytic));
        checked += 1;
      }
    });
    expect(checked).toBeGreaterThan(50);
    expect(skipped).toBeLessThan(checked / 5);
  });
});

describe("areaUnderRoc", () => {
  it("is 1 for a perfect ranking, 0.5 for ties, 0 for a reversed one", () => {
    expect(areaUnderRoc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(areaUnderRoc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBe(0.5);
    expect(areaUnderRoc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
  });
});

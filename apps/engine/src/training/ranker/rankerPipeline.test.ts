import { describe, expect, it } from "vitest";
import { scoreBatch } from "../../ranking/multiTaskRanker.ts";
import { modelInput, POSITION_FEATURE } from "../../ranking/positionFeature.ts";
import { trainRankerFromTrainingSet, type RankerEpochSummary, type RankerPipelineResult } from "./rankerPipeline.ts";
import type { RankerPipelineConfigInput } from "./rankerPipelineConfig.ts";
import { rankingExamplesFromRecords } from "./rankingExamples.ts";
import { LOGGED_FEATURES, syntheticLoggedData } from "./syntheticLoggedData.ts";

const data = syntheticLoggedData({ requests: 900, seed: 5 });
const examples = rankingExamplesFromRecords(data.records);
const base: RankerPipelineConfigInput = { hiddenSizes: [16, 8], epochs: 10, batchSize: 64, learningRate: 0.01, seed: 3, splitGapMs: 0 };

function meanAbsoluteErrorToTruth(result: RankerPipelineResult): number {
  const { rows, scores } = result.validation;
  let sum = 0;
  for (let i = 0; i < rows.length; i += 1) sum += Math.abs(scores.pClick[i]! - data.relevance[rows[i]!]!);
  return sum / rows.length;
}

describe("trainRankerFromTrainingSet", async () => {
  const epochs: RankerEpochSummary[] = [];
  const phases: string[] = [];
  const plain = await trainRankerFromTrainingSet(examples, base, { onEpoch: (summary) => epochs.push(summary), onPhase: (phase) => phases.push(phase) });
  const positionAware = await trainRankerFromTrainingSet(examples, { ...base, positionBias: { enabled: true, referencePosition: 0 } });

  it("splits by time: validation is the last 20% of impressions, training strictly before it", () => {
    const trainTimes = examples.impressionAtMs.filter((_, row) => !plain.validation.rows.includes(row));
    const firstValidation = Math.min(...Array.from(plain.validation.rows, (row) => examples.impressionAtMs[row]!));
    expect(Math.max(...trainTimes)).toBeLessThan(firstValidation);
    expect(plain.split.trainRows + plain.split.validationRows).toBe(examples.rows);
    expect(plain.split.validationRows / examples.rows).toBeCloseTo(0.2, 1);
    expect(phases).toEqual(["read", "split", "train", "export", "evaluate", "baseline"]);
  });

  it("learns: the training and validation losses fall, and reports every epoch", () => {
    expect(epochs).toHaveLength(10);
    expect(epochs.at(-1)!.trainLoss.total).toBeLessThan(0.9 * plain.training.initialLoss.total);
    expect(epochs.at(-1)!.validationLoss.click).toBeLessThan(epochs[0]!.validationLoss.click);
    expect(epochs.every((epoch) => epoch.rowsPerSecond > 0)).toBe(true);
  });

  it("beats logistic regression on the same features where the data is not linear", () => {
    expect(plain.baseline).not.toBeNull();
    expect(plain.metrics.click.auc).toBeGreaterThan(plain.baseline!.metrics.auc + 0.05);
    // Both are real models, and the report shows them side by side.
    expect(plain.baseline!.metrics.auc).toBeGreaterThan(0.55);
    expect(plain.report).toMatch(/ranker \(served\)/);
    expect(plain.report).toMatch(/logistic regression \(served\)/);
    for (const metrics of [plain.metrics.click, plain.baseline!.metrics]) {
      expect(metrics.logLoss).toBeGreaterThan(0);
      expect(metrics.ece).toBeGreaterThanOrEqual(0);
      expect(metrics.reliability).toHaveLength(10);
      expect(metrics.ndcgAtK).toBeGreaterThan(0);
      expect(metrics.ipsAuc).not.toBeNull();
    }
  });

  it("is deterministic for a seed and changes with it", async () => {
    const again = await trainRankerFromTrainingSet(examples, base);
    expect(again.onnxBytes).toEqual(plain.onnxBytes);
    const reseeded = await trainRankerFromTrainingSet(examples, { ...base, seed: 4 });
    expect(reseeded.onnxBytes).not.toEqual(plain.onnxBytes);
  });

  it("fixes the position at serving: the served model takes only the features and equals the trained one at the reference slot", () => {
    expect(positionAware.trainedModel.featureNames).toEqual([...LOGGED_FEATURES, POSITION_FEATURE]);
    expect(positionAware.featureNames).toEqual([...LOGGED_FEATURES]);
    expect(positionAware.model.featureNames).toEqual([...LOGGED_FEATURES]);
    const rows = positionAware.validation.rows;
    const served = scoreBatch(positionAware.model, modelInput(examples.features, 4, rows), rows.length);
    const atReference = scoreBatch(
      positionAware.trainedModel,
      modelInput(examples.features, 4, rows, { values: examples.position, reference: 0, fixed: true }),
      rows.length,
    );
    for (let i = 0; i < rows.length; i += 1) {
      expect(Math.abs(served.pClick[i]! - atReference.pClick[i]!)).toBeLessThan(1e-5);
      expect(Math.abs(served.watchSeconds[i]! - atReference.watchSeconds[i]!) / Math.max(1, atReference.watchSeconds[i]!)).toBeLessThan(1e-5);
    }
    // The trained model did use the position: lower slots get lower click probabilities.
    const atSlot = (slot: number) =>
      scoreBatch(positionAware.trainedModel, modelInput(examples.features, 4, rows, { values: examples.position, reference: slot, fixed: true }), rows.length)
        .pClick;
    const mean = (values: Float32Array) => values.reduce((sum, value) => sum + value, 0) / values.length;
    expect(mean(atSlot(5))).toBeLessThan(0.7 * mean(atSlot(0)));
    // Served at the top slot (examined with certainty), its P(click) is closer to the true
    // P(click | examined) than a model that never saw the position.
    expect(meanAbsoluteErrorToTruth(positionAware)).toBeLessThan(0.8 * meanAbsoluteErrorToTruth(plain));
    expect(positionAware.metrics.clickAtLoggedPosition).not.toBeNull();
    expect(plain.metrics.clickAtLoggedPosition).toBeNull();
  });

  it("weights training by clipped, normalised inverse propensity when asked", async () => {
    const weighted = await trainRankerFromTrainingSet(examples, { ...base, ipsWeighting: { enabled: true, clip: 8 } });
    expect(plain.ips).toBeNull();
    expect(weighted.ips).not.toBeNull();
    expect(weighted.ips!.clipped).toBeGreaterThan(0);
    expect(weighted.ips!.missing).toBe(0);
    expect(weighted.ips!.effectiveSampleSize).toBeLessThan(weighted.split.trainRows);
    expect(weighted.onnxBytes).not.toEqual(plain.onnxBytes);
  });

  it("matches the mean watch time on the training rows", () => {
    const predicted = scoreBatch(
      plain.trainedModel,
      modelInput(
        examples.features,
        4,
        Int32Array.from({ length: examples.rows }, (_, i) => i),
      ),
      examples.rows,
    ).watchSeconds;
    const observed = examples.watchSeconds;
    const mean = (values: Float32Array) => values.reduce((sum, value) => sum + value, 0) / values.length;
    // Training rows are 80% of these; the means agree to a few percent.
    expect(mean(predicted)).toBeGreaterThan(0.85 * mean(observed));
    expect(mean(predicted)).toBeLessThan(1.15 * mean(observed));
  });

  it("refuses a bad config naming the field, and a set too short to split", async () => {
    await expect(trainRankerFromTrainingSet(examples, { ipsWeighting: { enabled: true, clip: 0.5 } })).rejects.toThrow(/ipsWeighting\.clip/);
    await expect(trainRankerFromTrainingSet(examples, { epochs: 0 })).rejects.toThrow(/epochs/);
    const oneRequest = rankingExamplesFromRecords(data.records.slice(0, 6));
    await expect(trainRankerFromTrainingSet(oneRequest, base)).rejects.toThrow(/too short to split/);
    await expect(trainRankerFromTrainingSet(examples, { featureNames: ["taste", "nope"] })).rejects.toThrow(/lacks feature columns \[nope\]/);
  });
});

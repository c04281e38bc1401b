import { describe, expect, it } from "vitest";
import { chartableRows, comparisonRows, flattenNumericMetrics, isRateRow, isUnitIntervalRow, parseModelMetrics } from "./model-metrics.ts";

describe("flattenNumericMetrics", () => {
  it("names nested numeric leaves by path and skips arrays, strings and non-finite numbers", () => {
    const flat = flattenNumericMetrics({
      ranking: { auc: 0.71, logLoss: 0.4, calibration: { ece: 0.02, bins: [0.1, 0.2] } },
      "recall@100": 0.3,
      split: "time",
      broken: Number.NaN,
      losses: [1, 0.5],
    });
    expect(flat).toEqual({ "ranking.auc": 0.71, "ranking.logLoss": 0.4, "ranking.calibration.ece": 0.02, "recall@100": 0.3 });
  });

  it("returns nothing for non-objects", () => {
    expect(flattenNumericMetrics(null)).toEqual({});
    expect(flattenNumericMetrics([1, 2])).toEqual({});
    expect(flattenNumericMetrics(3)).toEqual({});
  });
});

describe("parseModelMetrics", () => {
  it("separates baselines given as an object of name → metrics", () => {
    const parsed = parseModelMetrics({
      retrieval: { "recall@100": 0.4 },
      baselines: { popularity: { retrieval: { "recall@100": 0.1 } }, cooccurrence: { retrieval: { "recall@100": 0.2 } } },
    });
    expect(parsed.metrics).toEqual({ "retrieval.recall@100": 0.4 });
    expect(parsed.baselines).toEqual([
      { name: "popularity", metrics: { "retrieval.recall@100": 0.1 } },
      { name: "cooccurrence", metrics: { "retrieval.recall@100": 0.2 } },
    ]);
  });

  it("accepts baselines as a list, with or without a nested metrics object, and drops empty ones", () => {
    const parsed = parseModelMetrics({
      auc: 0.7,
      baselines: [{ name: "logistic", metrics: { auc: 0.65 } }, { name: "popularity", auc: 0.6 }, { auc: 0.5 }, { name: "empty" }],
    });
    expect(parsed.baselines.map((baseline) => baseline.name)).toEqual(["logistic", "popularity", "baseline 3"]);
    expect(parsed.baselines[1]!.metrics).toEqual({ auc: 0.6 });
  });

  it("treats a missing or odd JSON as no metrics", () => {
    expect(parseModelMetrics(undefined)).toEqual({ metrics: {}, baselines: [] });
    expect(parseModelMetrics({ baselines: "none" })).toEqual({ metrics: {}, baselines: [] });
  });
});

describe("comparisonRows", () => {
  it("unions metric names in first-seen order with null for missing values", () => {
    const rows = comparisonRows([
      { key: "a", label: "v1", kind: "model", metrics: { auc: 0.7, logLoss: 0.5 } },
      { key: "b", label: "v2", kind: "model", metrics: { "recall@10": 0.2, auc: 0.8 } },
    ]);
    expect(rows).toEqual([
      { metric: "auc", values: [0.7, 0.8] },
      { metric: "logLoss", values: [0.5, null] },
      { metric: "recall@10", values: [null, 0.2] },
    ]);
  });
});

describe("isUnitIntervalRow", () => {
  it("keeps rates and leaves counts and unbounded values to the table", () => {
    expect(isUnitIntervalRow({ metric: "auc", values: [0.7, null, 1] })).toBe(true);
    expect(isUnitIntervalRow({ metric: "users", values: [0.5, 240] })).toBe(false);
    expect(isUnitIntervalRow({ metric: "delta", values: [-0.1] })).toBe(false);
    expect(isUnitIntervalRow({ metric: "none", values: [null] })).toBe(false);
  });
});

describe("isRateRow and chartableRows", () => {
  it("keeps losses, errors, counts and durations off the rate axis even when they fall in [0, 1]", () => {
    expect(isRateRow({ metric: "ranking.auc", values: [0.7, 0.65] })).toBe(true);
    expect(isRateRow({ metric: "retrieval.ndcg@10", values: [0.3] })).toBe(true);
    expect(isRateRow({ metric: "ctr", values: [0.04] })).toBe(true);
    expect(isRateRow({ metric: "ranking.logLoss", values: [0.41, 0.52] })).toBe(false);
    expect(isRateRow({ metric: "ranking.calibration.ece", values: [0.02] })).toBe(false);
    expect(isRateRow({ metric: "latencyMs", values: [0.8] })).toBe(false);
    expect(isRateRow({ metric: "eval.users", values: [1] })).toBe(false);
  });

  it("splits rows into rates and other metrics, dropping rows without any value", () => {
    const { rates, others } = chartableRows([
      { metric: "recall@100", values: [0.4, 0.1] },
      { metric: "logLoss", values: [0.5, null] },
      { metric: "users", values: [240, 240] },
      { metric: "none", values: [null, null] },
    ]);
    expect(rates.map((row) => row.metric)).toEqual(["recall@100"]);
    expect(others.map((row) => row.metric)).toEqual(["logLoss", "users"]);
  });
});

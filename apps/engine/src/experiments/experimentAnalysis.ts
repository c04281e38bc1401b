// An experiment's analysis: per-variant metrics from stored data only (@cascade/db/experimentResults)
// compared with the control by core's statistics, so the same data always gives the same answer.
// The admin results route (server/routes/adminExperimentResults.ts) loads the experiment and calls
// analyzeExperiment; the guardrail watcher calls it too.
//
// Per variant: exposed users and, per metric, the per-user mean and total. Per non-control variant
// and metric, against the control: absolute and relative lift with a (1 - alpha) interval and a
// p-value — CTR (clicks per impression, users as the unit) by the delta method, the per-user
// metrics by Welch's t-test — and Holm-adjusted p-values across the metrics. Plus the
// sample-ratio-mismatch check (chi-square of exposures against the configured weights).
import {
  holmBonferroni,
  lookFromSummaries,
  msprtStep,
  ratioMetricTest,
  sampleRatioMismatch,
  summarizePairs,
  summarizeSample,
  welchTTestFromSamples,
  type ExperimentResultMetric,
  type ExperimentResultsResponse,
  type LiftComparison,
} from "@cascade/core";
import { experimentOutcomes, type OutcomeMetric, type VariantOutcomes } from "@cascade/db/experimentResults";
import type { Database } from "@cascade/db";
import type { ExperimentWithVariants } from "@cascade/db/experiments";

const ALPHA = 0.05;
const SRM_THRESHOLD = 0.001;

/** Per-user metrics compared with Welch's t-test (CTR is the ratio metric, by the delta method). */
const perUserMetrics: readonly { metric: ExperimentResultMetric; outcome: OutcomeMetric }[] = [
  { metric: "impressions", outcome: "impressions" },
  { metric: "clicks", outcome: "clicks" },
  { metric: "likes", outcome: "likes" },
  { metric: "watch_seconds", outcome: "watchSeconds" },
  { metric: "purchases", outcome: "purchases" },
  { metric: "revenue", outcome: "revenue" },
  { metric: "negative_feedback", outcome: "negativeFeedback" },
];

type Comparison = ExperimentResultsResponse["comparisons"][number]["metrics"][number];

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

function emptyOutcomes(variantId: string): VariantOutcomes {
  return {
    variantId,
    units: 0,
    perUser: { impressions: [], clicks: [], likes: [], watchSeconds: [], purchases: [], revenue: [], negativeFeedback: [] },
  };
}

function lifts(comparison: LiftComparison): Pick<Comparison, "absoluteLift" | "relativeLift" | "pValue"> {
  const { absoluteLift, relativeLift } = comparison;
  return {
    absoluteLift: { estimate: absoluteLift.estimate, lower: absoluteLift.lower, upper: absoluteLift.upper },
    relativeLift: relativeLift ? { estimate: relativeLift.estimate, lower: relativeLift.lower, upper: relativeLift.upper } : null,
    pValue: comparison.pValue,
  };
}

function notComputable(metric: ExperimentResultMetric, method: Comparison["method"], reason: string): Comparison {
  return {
    metric,
    method,
    absoluteLift: null,
    relativeLift: null,
    pValue: null,
    adjustedPValue: null,
    sequentialPValue: null,
    cupedApplied: false,
    varianceReduction: null,
    reason,
  };
}

/**
 * The mSPRT p-value at the current look (one look: the minimum over looks is this one, so it stays
 * valid whenever it is read). τ, the effect size the test is tuned to, is 10% of the control's mean.
 */
function alwaysValidPValue(control: readonly number[], treatment: readonly number[]): number | null {
  const controlSummary = summarizeSample(control, "control");
  const treatmentSummary = summarizeSample(treatment, "treatment");
  const look = lookFromSummaries(controlSummary, treatmentSummary);
  const tau = 0.1 * Math.abs(controlSummary.mean);
  if (!(look.variance > 0) || !(tau > 0)) return null;
  return msprtStep(null, look, { alpha: ALPHA, mixingVariance: tau * tau }).pValue;
}

function compare(control: VariantOutcomes, treatment: VariantOutcomes): Comparison[] {
  const tooFew = control.units < 2 || treatment.units < 2 ? "fewer than 2 exposed users in an arm" : null;
  const results: Comparison[] = [];

  if (tooFew) results.push(notComputable("ctr", "delta", tooFew));
  else if (sum(control.perUser.impressions) === 0 || sum(treatment.perUser.impressions) === 0)
    results.push(notComputable("ctr", "delta", "no impressions in an arm"));
  else {
    const test = ratioMetricTest(
      summarizePairs(control.perUser.clicks, control.perUser.impressions, "control"),
      summarizePairs(treatment.perUser.clicks, treatment.perUser.impressions, "treatment"),
      { alpha: ALPHA },
    );
    results.push({
      metric: "ctr",
      method: "delta",
      ...lifts(test),
      adjustedPValue: null,
      sequentialPValue: null,
      cupedApplied: false,
      varianceReduction: null,
      reason: null,
    });
  }

  for (const { metric, outcome } of perUserMetrics) {
    if (tooFew) results.push(notComputable(metric, "welch", tooFew));
    else
      results.push({
        metric,
        method: "welch",
        ...lifts(welchTTestFromSamples(control.perUser[outcome], treatment.perUser[outcome], { alpha: ALPHA })),
        adjustedPValue: null,
        sequentialPValue: alwaysValidPValue(control.perUser[outcome], treatment.perUser[outcome]),
        cupedApplied: false,
        varianceReduction: null,
        reason: null,
      });
  }

  const tested = results.filter((result) => result.pValue !== null);
  if (tested.length > 0) holmBonferroni(tested.map((result) => result.pValue!)).forEach((adjusted, index) => (tested[index]!.adjustedPValue = adjusted));
  return results;
}

function metricsOf(outcomes: VariantOutcomes): ExperimentResultsResponse["variants"][number]["metrics"] {
  const { perUser, units } = outcomes;
  const impressions = sum(perUser.impressions);
  return [
    { metric: "ctr", value: impressions > 0 ? sum(perUser.clicks) / impressions : null, total: null },
    ...perUserMetrics.map(({ metric, outcome }) => {
      const total = sum(perUser[outcome]);
      return { metric, value: units > 0 ? total / units : null, total };
    }),
  ];
}

function sampleRatio(experiment: ExperimentWithVariants, observed: number[]): ExperimentResultsResponse["sampleRatio"] {
  const weights = experiment.variants.map((variant) => variant.weight);
  const weightTotal = sum(weights);
  if (sum(observed) === 0 || weights.some((weight) => !(weight > 0))) return null;
  const result = sampleRatioMismatch(
    observed,
    weights.map((weight) => weight / weightTotal), // stored weights sum to 1 up to rounding
    { threshold: SRM_THRESHOLD },
  );
  return {
    observed,
    expected: result.expectedCounts,
    chiSquare: result.chiSquare,
    pValue: result.pValue,
    threshold: result.threshold,
    flagged: result.mismatch,
  };
}

export type AnalysisOptions = { cuped?: boolean; nowMs?: number };

export async function analyzeExperiment(db: Database, experiment: ExperimentWithVariants, options: AnalysisOptions = {}): Promise<ExperimentResultsResponse> {
  void options;
  const stored = await experimentOutcomes(db, { id: experiment.id, stoppedAt: experiment.stoppedAt });
  const byVariant = new Map(stored.variants.map((variant) => [variant.variantId, variant]));
  const outcomes = experiment.variants.map((variant) => byVariant.get(variant.id) ?? emptyOutcomes(variant.id));
  const controlIndex = Math.max(
    0,
    experiment.variants.findIndex((variant) => variant.isControl),
  );
  const control = experiment.variants[controlIndex]!;

  return {
    experimentId: experiment.id,
    key: experiment.key,
    status: experiment.status,
    phase: experiment.phase,
    from: experiment.startedAt ? experiment.startedAt.toISOString() : null,
    to: experiment.stoppedAt ? experiment.stoppedAt.toISOString() : null,
    alpha: ALPHA,
    truncated: stored.truncated,
    cuped: false,
    variants: experiment.variants.map((variant, index) => ({
      key: variant.key,
      stoppedAt: variant.stoppedAt ? variant.stoppedAt.toISOString() : null,
      stopReason: variant.stopReason,
      isControl: index === controlIndex,
      weight: variant.weight,
      exposures: outcomes[index]!.units,
      metrics: metricsOf(outcomes[index]!),
    })),
    comparisons: experiment.variants.flatMap((variant, index) =>
      index === controlIndex ? [] : [{ variant: variant.key, control: control.key, metrics: compare(outcomes[controlIndex]!, outcomes[index]!) }],
    ),
    sampleRatio: sampleRatio(
      experiment,
      outcomes.map((variant) => variant.units),
    ),
    guardrails: [],
    timeline: [],
    sourceShare: [],
  };
}

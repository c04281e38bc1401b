// An experiment's analysis for its current phase: per-variant metrics from stored data only
// (@cascade/db/experimentResults: the exposure log, the rollups the offline-log consumer writes
// with each event, the serving minutes the engine flushes) compared with the control by core's
// statistics, so the same rows always give the same answer. The admin results route
// (server/routes/adminExperimentResults.ts) loads the experiment and calls analyzeExperiment; so
// does whatever watches the guardrails.
//
// Every metric of core's catalogue (experiments/metrics.ts), by its kind:
//   perUser     per exposed unit, Welch's t-test — CUPED-adjusted with the same metric's 14-day
//               pre-exposure value (exposures.pre_period) when units carry one and `cuped` is not false
//   ratio       CTR = Σclicks / Σimpressions with units as the unit, the delta method
//   proportion  retention (share of eligible units that came back: the next UTC day / within 7
//               days; eligible = the window ended before now or the stop) and degraded/error rates
//               (share of requests): two-proportion z-test
//   quantile    latency p50/p99 from the merged per-minute histograms: no test, lift only
//   count       catalogue coverage (distinct items impressed): no test, lift only
// Each tested metric also gets the mSPRT always-valid p-value (τ = 10% of the control's value) and
// Holm-adjusted p-values across the variant's tested metrics. Plus the sample-ratio check, the
// guardrail states (below), a daily timeline and the share of clicks by candidate source.
//
// Guardrails: per configured guardrail and non-control variant, "regressed" when the lift (relative
// or absolute, as configured) is beyond the threshold in the bad direction and — for tested
// metrics — the guardrail's own sequential p-value (mSPRT with τ = the threshold, in the metric's
// units) is below alpha, so acting on it at any look is safe; quantile and count metrics have no
// test, so they need at least MIN_UNTESTED_SAMPLE requests (quantiles) or exposed units (counts) per
// arm instead; "insufficient_data" when the lift or the test is not computable; else "ok".
import {
  EXPERIMENT_METRICS,
  cupedTest,
  cupedTheta,
  experimentMetric,
  holmBonferroni,
  latencyQuantile,
  msprtStep,
  ratioEstimate,
  ratioMetricTest,
  sampleRatioMismatch,
  summarizePairsFromSums,
  twoProportionZTest,
  welchTTest,
  type ExperimentResultsResponse,
  type LiftComparison,
  type PairedSummary,
} from "@cascade/core";
import type { Database } from "@cascade/db";
import {
  experimentCoverage,
  experimentDailyTotals,
  experimentExposureCounts,
  experimentOutcomes,
  experimentServingDays,
  experimentSourceClicks,
  perUserMetricIds,
  type ExperimentPhase,
  type PerUserMetricId,
  type ServingTotals,
  type VariantOutcomes,
} from "@cascade/db/experimentResults";
import { guardrailsOf, type ExperimentWithVariants } from "@cascade/db/experiments";

export const ALPHA = 0.05;
const SRM_THRESHOLD = 0.001;
/** Requests (quantiles) or exposed units (counts) each arm needs before an untested guardrail can regress. */
export const MIN_UNTESTED_SAMPLE = 1000;
/** The timeline covers at most this many days (the most recent ones). */
const MAX_TIMELINE_DAYS = 400;
const DAY_MS = 86_400_000;

export type AnalysisOptions = { cuped?: boolean; nowMs?: number; maxUnits?: number };

type Comparison = ExperimentResultsResponse["comparisons"][number]["metrics"][number];
type VariantMetric = ExperimentResultsResponse["variants"][number]["metrics"][number];
type Guardrail = ExperimentResultsResponse["guardrails"][number];
type GuardrailReading = Omit<Guardrail["variants"][number], "variant">;

/** What the analysis holds per variant: the unit sums, coverage and the serving totals. */
type VariantData = { outcomes: VariantOutcomes; coverage: number; serving: ServingTotals };

const isPerUser = (metric: string): metric is PerUserMetricId => (perUserMetricIds as readonly string[]).includes(metric);

function emptyOutcomes(variantId: string): VariantOutcomes {
  const zero = { sumY: 0, sumYSquares: 0, sumX: 0, sumXSquares: 0, sumXY: 0 };
  return {
    variantId,
    units: 0,
    unitsWithPrePeriod: 0,
    sums: Object.fromEntries(perUserMetricIds.map((metric) => [metric, { ...zero }])) as VariantOutcomes["sums"],
    sumClicksTimesImpressions: 0,
    retention: { d1: { eligible: 0, returned: 0 }, d7: { eligible: 0, returned: 0 } },
  };
}

function emptyServing(): ServingTotals {
  return { requests: 0, degraded: 0, errors: 0, latencyCounts: [] };
}

function addServing(into: ServingTotals, add: ServingTotals): void {
  into.requests += add.requests;
  into.degraded += add.degraded;
  into.errors += add.errors;
  add.latencyCounts.forEach((count, index) => (into.latencyCounts[index] = (into.latencyCounts[index] ?? 0) + count));
}

/** The per-user metric's (y, pre-period x) pairs of an arm, summarised from its sums. */
function pairsOf(outcomes: VariantOutcomes, metric: PerUserMetricId): PairedSummary {
  const sums = outcomes.sums[metric];
  return summarizePairsFromSums({
    n: outcomes.units,
    sumX: sums.sumX,
    sumY: sums.sumY,
    sumXSquares: sums.sumXSquares,
    sumYSquares: sums.sumYSquares,
    sumXY: sums.sumXY,
  });
}

/**
 * Whether the pre-period covariate varies: its variance, computed from sums, is more than rounding
 * (a constant covariate's Σx² - n·mean² can come out a hair above 0, and θ = Cov / Var of two
 * rounding residues would be noise).
 */
function covariateVaries(pairs: PairedSummary): boolean {
  return pairs.varianceX > 1e-9 * Math.max(1, pairs.meanX ** 2);
}

/** CTR's per-unit (clicks, impressions) pairs: x = clicks (numerator), y = impressions. */
function ctrPairs(outcomes: VariantOutcomes): PairedSummary {
  const { clicks, impressions } = outcomes.sums;
  return summarizePairsFromSums({
    n: outcomes.units,
    sumX: clicks.sumY,
    sumY: impressions.sumY,
    sumXSquares: clicks.sumYSquares,
    sumYSquares: impressions.sumYSquares,
    sumXY: outcomes.sumClicksTimesImpressions,
  });
}

/** A tested comparison's look: the estimated difference (treatment - control), its variance and the control's value. */
type Look = { difference: number; variance: number; control: number };

/** The looks behind the tested comparisons, for the guardrails' own sequential tests. */
const looks = new WeakMap<Comparison, Look>();

/**
 * The mSPRT always-valid p-value at this look with the normal mixing prior's scale τ (the effect
 * size the test is most sensitive to). null when V or τ is 0 (no evidence to weigh, or no scale).
 */
function sequentialPValue(look: Look, tau: number): number | null {
  if (!(look.variance > 0) || !(tau > 0) || !Number.isFinite(look.difference)) return null;
  return msprtStep(null, { difference: look.difference, variance: look.variance }, { alpha: ALPHA, mixingVariance: tau * tau }).pValue;
}

function interval(estimate: { estimate: number; lower: number; upper: number }) {
  return { estimate: estimate.estimate, lower: estimate.lower, upper: estimate.upper };
}

function tested(
  metric: string,
  method: Comparison["method"],
  test: LiftComparison,
  look: Look,
  cuped: { applied: boolean; reduction: number | null },
): Comparison {
  const comparison: Comparison = {
    metric,
    method,
    absoluteLift: interval(test.absoluteLift),
    relativeLift: test.relativeLift ? interval(test.relativeLift) : null,
    pValue: test.pValue,
    adjustedPValue: null,
    // The comparisons' prior: τ = 10% of the control's value.
    sequentialPValue: sequentialPValue(look, 0.1 * Math.abs(look.control)),
    cupedApplied: cuped.applied,
    varianceReduction: cuped.reduction,
    reason: null,
  };
  looks.set(comparison, look);
  return comparison;
}

function notComputable(metric: string, method: Comparison["method"], reason: string): Comparison {
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

/** A lift with no test (quantiles, counts): the point estimate, as an interval of width 0. */
function untested(metric: string, control: number | null, treatment: number | null, what: string): Comparison {
  if (control === null || treatment === null) return notComputable(metric, "none", `no ${what} in an arm`);
  const difference = treatment - control;
  return {
    metric,
    method: "none",
    absoluteLift: { estimate: difference, lower: difference, upper: difference },
    relativeLift: control !== 0 ? { estimate: treatment / control - 1, lower: treatment / control - 1, upper: treatment / control - 1 } : null,
    pValue: null,
    adjustedPValue: null,
    sequentialPValue: null,
    cupedApplied: false,
    varianceReduction: null,
    reason: `no test for a ${metric.startsWith("latency") ? "quantile" : "count"}: lift only`,
  };
}

function proportionComparison(
  metric: string,
  control: { conversions: number; users: number },
  treatment: { conversions: number; users: number },
  what: string,
): Comparison {
  if (control.users < 1 || treatment.users < 1) return notComputable(metric, "proportion", `no ${what} in an arm`);
  const test = twoProportionZTest(control, treatment, { alpha: ALPHA });
  const controlRate = control.conversions / control.users;
  const treatmentRate = treatment.conversions / treatment.users;
  const variance = (controlRate * (1 - controlRate)) / control.users + (treatmentRate * (1 - treatmentRate)) / treatment.users;
  return tested(metric, "proportion", test, { difference: treatmentRate - controlRate, variance, control: controlRate }, { applied: false, reduction: null });
}

type CupedContext = { enabled: boolean; thetas: Partial<Record<PerUserMetricId, number>> };

function perUserComparison(metric: PerUserMetricId, control: VariantOutcomes, treatment: VariantOutcomes, cuped: CupedContext): Comparison {
  const controlPairs = pairsOf(control, metric);
  const treatmentPairs = pairsOf(treatment, metric);
  const theta = cuped.thetas[metric];
  const withCovariate =
    control.unitsWithPrePeriod > 0 && treatment.unitsWithPrePeriod > 0 && (covariateVaries(controlPairs) || covariateVaries(treatmentPairs));
  if (cuped.enabled && withCovariate && theta !== undefined) {
    const test = cupedTest(controlPairs, treatmentPairs, { alpha: ALPHA, theta });
    const variance = test.control.standardError ** 2 + test.treatment.standardError ** 2;
    return tested(
      metric,
      "welch",
      test,
      { difference: test.absoluteLift.estimate, variance, control: controlPairs.meanY },
      {
        applied: true,
        reduction: test.varianceReduction,
      },
    );
  }
  const controlSample = { n: controlPairs.n, mean: controlPairs.meanY, variance: controlPairs.varianceY };
  const treatmentSample = { n: treatmentPairs.n, mean: treatmentPairs.meanY, variance: treatmentPairs.varianceY };
  const test = welchTTest(controlSample, treatmentSample, { alpha: ALPHA });
  const variance = controlSample.variance / controlSample.n + treatmentSample.variance / treatmentSample.n;
  return tested(metric, "welch", test, { difference: test.absoluteLift.estimate, variance, control: controlSample.mean }, { applied: false, reduction: null });
}

function ctrComparison(control: VariantOutcomes, treatment: VariantOutcomes): Comparison {
  if (control.sums.impressions.sumY === 0 || treatment.sums.impressions.sumY === 0) return notComputable("ctr", "delta", "no impressions in an arm");
  const controlPairs = ctrPairs(control);
  const treatmentPairs = ctrPairs(treatment);
  const test = ratioMetricTest(controlPairs, treatmentPairs, { alpha: ALPHA });
  const controlRatio = ratioEstimate(controlPairs, "control");
  const treatmentRatio = ratioEstimate(treatmentPairs, "treatment");
  const variance = controlRatio.varianceOfRatio + treatmentRatio.varianceOfRatio;
  return tested(
    "ctr",
    "delta",
    test,
    { difference: treatmentRatio.ratio - controlRatio.ratio, variance, control: controlRatio.ratio },
    {
      applied: false,
      reduction: null,
    },
  );
}

const quantileOf = (metric: string) => (metric === "latency_p50" ? 0.5 : 0.99);

function compare(control: VariantData, treatment: VariantData, cuped: CupedContext): Comparison[] {
  const tooFew = control.outcomes.units < 2 || treatment.outcomes.units < 2 ? "fewer than 2 exposed units in an arm" : null;
  const results = EXPERIMENT_METRICS.map(({ id, kind }): Comparison => {
    if (kind === "perUser" && isPerUser(id))
      return tooFew ? notComputable(id, "welch", tooFew) : perUserComparison(id, control.outcomes, treatment.outcomes, cuped);
    if (id === "ctr") return tooFew ? notComputable(id, "delta", tooFew) : ctrComparison(control.outcomes, treatment.outcomes);
    if (id === "retention_d1" || id === "retention_d7") {
      const window = id === "retention_d1" ? "d1" : "d7";
      const counts = (data: VariantData) => ({ conversions: data.outcomes.retention[window].returned, users: data.outcomes.retention[window].eligible });
      return proportionComparison(id, counts(control), counts(treatment), `unit whose ${window === "d1" ? "next day" : "7 days"} has passed`);
    }
    if (id === "degraded_rate" || id === "error_rate") {
      const counts = (data: VariantData) => ({
        conversions: id === "degraded_rate" ? data.serving.degraded : data.serving.errors,
        users: data.serving.requests,
      });
      return proportionComparison(id, counts(control), counts(treatment), "served requests");
    }
    if (kind === "quantile") {
      const q = quantileOf(id);
      return untested(id, latencyQuantile(control.serving.latencyCounts, q), latencyQuantile(treatment.serving.latencyCounts, q), "served requests");
    }
    if (id === "catalog_coverage") return untested(id, control.coverage, treatment.coverage, "exposed units");
    return notComputable(id, "none", "not computed");
  });
  const withP = results.filter((result) => result.pValue !== null);
  if (withP.length > 0) holmBonferroni(withP.map((result) => result.pValue!)).forEach((adjusted, index) => (withP[index]!.adjustedPValue = adjusted));
  return results;
}

function metricsOf(data: VariantData): VariantMetric[] {
  const { outcomes, serving, coverage } = data;
  const { units } = outcomes;
  return EXPERIMENT_METRICS.map(({ id, kind }): VariantMetric => {
    if (kind === "perUser" && isPerUser(id)) {
      const total = outcomes.sums[id].sumY;
      return { metric: id, value: units > 0 ? total / units : null, total };
    }
    if (id === "ctr") {
      const impressions = outcomes.sums.impressions.sumY;
      return { metric: id, value: impressions > 0 ? outcomes.sums.clicks.sumY / impressions : null, total: null };
    }
    if (id === "retention_d1" || id === "retention_d7") {
      const counts = outcomes.retention[id === "retention_d1" ? "d1" : "d7"];
      return { metric: id, value: counts.eligible > 0 ? counts.returned / counts.eligible : null, total: counts.returned };
    }
    if (id === "degraded_rate" || id === "error_rate") {
      const count = id === "degraded_rate" ? serving.degraded : serving.errors;
      return { metric: id, value: serving.requests > 0 ? count / serving.requests : null, total: count };
    }
    if (kind === "quantile") return { metric: id, value: latencyQuantile(serving.latencyCounts, quantileOf(id)), total: null };
    if (id === "catalog_coverage") return { metric: id, value: coverage, total: coverage };
    return { metric: id, value: null, total: null };
  });
}

function sampleRatio(experiment: ExperimentWithVariants, observed: number[]): ExperimentResultsResponse["sampleRatio"] {
  const weights = experiment.variants.map((variant) => variant.weight);
  const weightTotal = weights.reduce((total, weight) => total + weight, 0);
  if (observed.reduce((total, count) => total + count, 0) === 0 || weights.some((weight) => !(weight > 0))) return null;
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

const format = (value: number) => Number(value.toPrecision(3)).toString();

/** One guardrail's state for one non-control variant, with a sentence saying why. */
function guardrailState(
  guardrail: Omit<Guardrail, "variants">,
  comparison: Comparison | undefined,
  sample: { control: number; treatment: number; what: string },
): GuardrailReading {
  const definition = experimentMetric(guardrail.metric);
  if (!definition || !comparison)
    return { state: "insufficient_data", lift: null, sequentialPValue: null, detail: `${guardrail.metric} is not a metric the analysis computes.` };
  const relative = guardrail.thresholdKind === "relative";
  const lift = (relative ? comparison.relativeLift : comparison.absoluteLift)?.estimate ?? null;
  // The guardrail's own sequential test, tuned to its threshold: τ = the threshold in the metric's
  // units (relative thresholds scaled by the control's value). A prior tuned to 10% of the control
  // would be nearly blind to the effects a guardrail watches on rare events (error rates).
  const look = looks.get(comparison);
  const tau = look ? (relative ? guardrail.threshold * Math.abs(look.control) : guardrail.threshold) : 0;
  const sequential = look ? sequentialPValue(look, tau) : null;
  if (lift === null)
    return {
      state: "insufficient_data",
      lift: null,
      sequentialPValue: sequential,
      detail: `The ${relative ? "relative " : ""}lift is not computable yet: ${comparison.reason ?? (relative ? "the control's value is 0" : "no data")}.`,
    };
  const shown = relative ? `${format(lift * 100)}%` : format(lift);
  const limit = relative ? `${format(guardrail.threshold * 100)}%` : format(guardrail.threshold);
  const beyond = guardrail.direction === "higherIsBetter" ? lift < -guardrail.threshold : lift > guardrail.threshold;
  const moved = `${guardrail.metric} moved ${shown} against a tolerated ${guardrail.direction === "higherIsBetter" ? "drop" : "rise"} of ${limit}`;
  if (!beyond) return { state: "ok", lift, sequentialPValue: sequential, detail: `${moved}: within the threshold.` };
  if (comparison.pValue === null) {
    // No test exists (quantiles, counts): a minimum sample per arm instead.
    if (Math.min(sample.control, sample.treatment) < MIN_UNTESTED_SAMPLE)
      return {
        state: "insufficient_data",
        lift,
        sequentialPValue: null,
        detail: `${moved}, but an untested metric needs ${MIN_UNTESTED_SAMPLE} ${sample.what} per arm (have ${sample.control} and ${sample.treatment}).`,
      };
    return {
      state: "regressed",
      lift,
      sequentialPValue: null,
      detail: `${moved}, beyond the threshold with at least ${MIN_UNTESTED_SAMPLE} ${sample.what} per arm.`,
    };
  }
  if (sequential === null)
    return {
      state: "insufficient_data",
      lift,
      sequentialPValue: null,
      detail: `${moved}, beyond the threshold, but the sequential test is not computable yet.`,
    };
  if (sequential < ALPHA)
    return {
      state: "regressed",
      lift,
      sequentialPValue: sequential,
      detail: `${moved}, beyond the threshold, and the sequential test is significant (p = ${format(sequential)}).`,
    };
  return {
    state: "ok",
    lift,
    sequentialPValue: sequential,
    detail: `${moved}, beyond the threshold but not significant yet (sequential p = ${format(sequential)}).`,
  };
}

function guardrails(
  experiment: ExperimentWithVariants,
  controlIndex: number,
  data: VariantData[],
  baselines: VariantData[],
  comparisons: ExperimentResultsResponse["comparisons"],
): ExperimentResultsResponse["guardrails"] {
  return guardrailsOf(experiment).map((guardrail) => {
    const kind = experimentMetric(guardrail.metric)?.kind;
    const sampleOf = (variant: VariantData) => (kind === "quantile" ? variant.serving.requests : variant.outcomes.units);
    return {
      metric: guardrail.metric,
      direction: guardrail.direction,
      threshold: guardrail.threshold,
      thresholdKind: guardrail.thresholdKind,
      variants: experiment.variants.flatMap((variant, index) => {
        if (index === controlIndex) return [];
        const comparison = comparisons.find((row) => row.variant === variant.key)?.metrics.find((row) => row.metric === guardrail.metric);
        const sample = { control: sampleOf(baselines[index]!), treatment: sampleOf(data[index]!), what: kind === "quantile" ? "requests" : "exposed units" };
        return [{ variant: variant.key, ...guardrailState(guardrail, comparison, sample) }];
      }),
    };
  });
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const group = groups.get(key(row));
    if (group) group.push(row);
    else groups.set(key(row), [row]);
  }
  return groups;
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Per UTC day from the phase start to the end: cumulative exposures, ctr, clicks per unit and the primary metric per variant. */
async function timeline(
  db: Database,
  experiment: ExperimentWithVariants,
  phase: ExperimentPhase,
  endMs: number,
  servingDays: Awaited<ReturnType<typeof experimentServingDays>>,
): Promise<ExperimentResultsResponse["timeline"]> {
  const start = experiment.phaseStartedAt ?? experiment.startedAt;
  if (!start) return [];
  const daily = await experimentDailyTotals(db, phase);
  const firstDay = Date.parse(isoDay(Math.max(start.getTime(), endMs - (MAX_TIMELINE_DAYS - 1) * DAY_MS)));
  const lastDay = Date.parse(isoDay(endMs));
  const primary = experiment.primaryMetric;
  const primaryKind = experimentMetric(primary)?.kind;
  const running = experiment.variants.map(() => ({
    exposures: 0,
    sums: Object.fromEntries(perUserMetricIds.map((id) => [id, 0])) as Record<PerUserMetricId, number>,
    serving: emptyServing(),
  }));
  const indexOf = new Map(experiment.variants.map((variant, index) => [variant.id, index]));
  const dailyByDay = groupBy(daily, (row) => row.day);
  const servingByDay = groupBy(servingDays, (row) => row.day);
  // Days before the window (a long phase) still count into the cumulative values.
  for (const row of daily) if (Date.parse(row.day) < firstDay) accumulate(row.variantId, row);
  for (const row of servingDays) if (Date.parse(row.day) < firstDay) accumulateServing(row.variantId, row.totals);

  function accumulate(variantId: string, row: (typeof daily)[number]): void {
    const index = indexOf.get(variantId);
    if (index === undefined) return;
    running[index]!.exposures += row.exposures;
    for (const id of perUserMetricIds) running[index]!.sums[id] += row[id];
  }
  function accumulateServing(variantId: string, totals: ServingTotals): void {
    const index = indexOf.get(variantId);
    if (index !== undefined) addServing(running[index]!.serving, totals);
  }

  const days: ExperimentResultsResponse["timeline"] = [];
  for (let day = firstDay; day <= lastDay; day += DAY_MS) {
    const key = isoDay(day);
    for (const row of dailyByDay.get(key) ?? []) accumulate(row.variantId, row);
    for (const row of servingByDay.get(key) ?? []) accumulateServing(row.variantId, row.totals);
    days.push({
      day: key,
      variants: experiment.variants.map((variant, index) => {
        const { exposures, sums, serving } = running[index]!;
        const metrics: Record<string, number | null> = {
          ctr: sums.impressions > 0 ? sums.clicks / sums.impressions : null,
          clicks: exposures > 0 ? sums.clicks / exposures : null,
        };
        if (!(primary in metrics)) {
          if (isPerUser(primary)) metrics[primary] = exposures > 0 ? sums[primary] / exposures : null;
          else if (primary === "degraded_rate") metrics[primary] = serving.requests > 0 ? serving.degraded / serving.requests : null;
          else if (primary === "error_rate") metrics[primary] = serving.requests > 0 ? serving.errors / serving.requests : null;
          else if (primaryKind === "quantile") metrics[primary] = latencyQuantile(serving.latencyCounts, quantileOf(primary));
          else metrics[primary] = null; // retention and coverage have no daily reading
        }
        return { variant: variant.key, exposures, metrics };
      }),
    });
  }
  return days;
}

function sourceShare(experiment: ExperimentWithVariants, rows: Awaited<ReturnType<typeof experimentSourceClicks>>): ExperimentResultsResponse["sourceShare"] {
  return experiment.variants.map((variant) => {
    const own = rows.filter((row) => row.variantId === variant.id);
    const total = own.reduce((sum, row) => sum + row.clicks, 0);
    return { variant: variant.key, sources: own.map((row) => ({ source: row.source, clicks: row.clicks, share: total > 0 ? row.clicks / total : 0 })) };
  });
}

export async function analyzeExperiment(db: Database, experiment: ExperimentWithVariants, options: AnalysisOptions = {}): Promise<ExperimentResultsResponse> {
  const nowMs = options.nowMs ?? Date.now();
  const endMs = experiment.stoppedAt ? Math.min(experiment.stoppedAt.getTime(), nowMs) : nowMs;
  const phase: ExperimentPhase = { id: experiment.id, phase: experiment.phase, stoppedAt: experiment.stoppedAt };
  const [stored, coverage, sources, servingDays] = await Promise.all([
    experimentOutcomes(db, phase, { now: new Date(nowMs), ...(options.maxUnits !== undefined ? { maxUnits: options.maxUnits } : {}) }),
    experimentCoverage(db, phase),
    experimentSourceClicks(db, phase),
    experimentServingDays(db, phase),
  ]);
  const byVariant = new Map(stored.variants.map((variant) => [variant.variantId, variant]));
  const data: VariantData[] = experiment.variants.map((variant) => {
    const serving = emptyServing();
    for (const row of servingDays) if (row.variantId === variant.id) addServing(serving, row.totals);
    return { outcomes: byVariant.get(variant.id) ?? emptyOutcomes(variant.id), coverage: coverage.get(variant.id) ?? 0, serving };
  });
  const controlIndex = Math.max(
    0,
    experiment.variants.findIndex((variant) => variant.isControl),
  );
  const control = experiment.variants[controlIndex]!;

  // One θ per metric over all arms (core's advice for more than two arms), when CUPED applies.
  const cupedEnabled = options.cuped !== false;
  const thetas: CupedContext["thetas"] = {};
  const armsWithUnits = data.filter((variant) => variant.outcomes.units >= 2);
  if (cupedEnabled && armsWithUnits.length >= 2 && armsWithUnits.some((variant) => variant.outcomes.unitsWithPrePeriod > 0))
    for (const metric of perUserMetricIds) thetas[metric] = cupedTheta(armsWithUnits.map((variant) => pairsOf(variant.outcomes, metric)));
  const cuped: CupedContext = { enabled: cupedEnabled, thetas };

  // A stopped treatment is compared with the control as it stood at the stop: the control's units
  // exposed by then, their events through the stop's UTC day (the treatment's own rollups end at
  // the stop), serving through that day. Catalogue coverage has no day and is not cut.
  const baselines: VariantData[] = await Promise.all(
    experiment.variants.map(async (variant, index) => {
      const controlData = data[controlIndex]!;
      if (index === controlIndex || !variant.stoppedAt) return controlData;
      const stoppedAt = variant.stoppedAt;
      const until = await experimentOutcomes(db, phase, {
        now: new Date(nowMs),
        until: stoppedAt,
        variantId: control.id,
        ...(options.maxUnits !== undefined ? { maxUnits: options.maxUnits } : {}),
      });
      const serving = emptyServing();
      const lastDay = isoDay(stoppedAt.getTime());
      for (const row of servingDays) if (row.variantId === control.id && row.day <= lastDay) addServing(serving, row.totals);
      return { outcomes: until.variants[0] ?? emptyOutcomes(control.id), coverage: controlData.coverage, serving };
    }),
  );

  const comparisons = experiment.variants.flatMap((variant, index) =>
    index === controlIndex ? [] : [{ variant: variant.key, control: control.key, metrics: compare(baselines[index]!, data[index]!, cuped) }],
  );

  // The sample-ratio check counts units exposed before the first treatment stopped: from then on a
  // stopped treatment takes no new units while the others do, so later counts no longer follow the weights.
  const firstStop = experiment.variants.reduce<Date | null>(
    (first, variant) => (variant.stoppedAt && (!first || variant.stoppedAt < first) ? variant.stoppedAt : first),
    null,
  );
  const exposedBeforeStop = firstStop ? await experimentExposureCounts(db, phase, firstStop) : null;
  const srmCounts = experiment.variants.map((variant, index) => (exposedBeforeStop ? (exposedBeforeStop.get(variant.id) ?? 0) : data[index]!.outcomes.units));

  return {
    experimentId: experiment.id,
    key: experiment.key,
    status: experiment.status,
    phase: experiment.phase,
    from: (experiment.phaseStartedAt ?? experiment.startedAt)?.toISOString() ?? null,
    to: experiment.stoppedAt ? experiment.stoppedAt.toISOString() : null,
    alpha: ALPHA,
    truncated: stored.truncated,
    cuped: comparisons.some((comparison) => comparison.metrics.some((metric) => metric.cupedApplied)),
    variants: experiment.variants.map((variant, index) => ({
      key: variant.key,
      isControl: index === controlIndex,
      weight: variant.weight,
      exposures: data[index]!.outcomes.units,
      stoppedAt: variant.stoppedAt ? variant.stoppedAt.toISOString() : null,
      stopReason: variant.stopReason,
      metrics: metricsOf(data[index]!),
    })),
    comparisons,
    sampleRatio: sampleRatio(experiment, srmCounts),
    guardrails: guardrails(experiment, controlIndex, data, baselines, comparisons),
    timeline: await timeline(db, experiment, phase, endMs, servingDays),
    sourceShare: sourceShare(experiment, sources),
  };
}

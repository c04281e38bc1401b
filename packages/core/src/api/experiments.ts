// The admin API's experiment contracts (engine routes, typed client, console). The experiment a
// client creates is core's experimentConfigSchema (experiments/config); these are the views back.
import { z } from "zod";

/** draft → running → stopped, or shipped (stopped with a variant's config published to the surface). */
export const experimentStatus = z.enum(["draft", "running", "stopped", "shipped"]);

export const experimentVariantView = z.object({
  id: z.string(),
  key: z.string(),
  name: z.string(),
  weight: z.number(),
  isControl: z.boolean(),
  /** The variant's surface-config overrides (core's variantOverridesSchema). */
  overrides: z.unknown(),
  /** Set when a guardrail (or a person) stopped this variant: its units are served the control's config from then. */
  stoppedAt: z.string().nullable(),
  stopReason: z.string().nullable(),
});

export const experimentView = z.object({
  id: z.string(),
  key: z.string(),
  name: z.string(),
  hypothesis: z.string(),
  surface: z.string(),
  status: experimentStatus,
  /** Hash salt: units are assigned by core's assignVariant with the variants in key order. */
  seed: z.string(),
  coverage: z.number(),
  /** Ramp-up steps (core's rampStepSchema) and the coverage in effect now. */
  rampUp: z.array(z.object({ untilHours: z.number(), coverage: z.number() })),
  effectiveCoverage: z.number(),
  /** "userId" or "context.<key>": what is hashed. */
  unit: z.string(),
  /** The mutually exclusive layer slice this experiment holds, if any. */
  layer: z.object({ key: z.string(), start: z.number(), end: z.number() }).nullable(),
  /** QA allow-list: unit id → variant key. */
  forced: z.record(z.string(), z.string()),
  primaryMetric: z.string(),
  guardrails: z.array(
    z.object({
      metric: z.string(),
      direction: z.enum(["higherIsBetter", "lowerIsBetter"]),
      threshold: z.number(),
      thresholdKind: z.enum(["relative", "absolute"]),
    }),
  ),
  /** Starts at 1; a biasing change to a running experiment starts a new phase, and results count from it. */
  phase: z.number().int(),
  phaseStartedAt: z.string().nullable(),
  /** The variant whose config was published when the experiment was shipped (status "shipped"). */
  shippedVariant: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  stoppedAt: z.string().nullable(),
  variants: z.array(experimentVariantView),
});
export type ExperimentView = z.infer<typeof experimentView>;

export const listExperimentsResponse = z.object({ experiments: z.array(experimentView) });

export const shipVariantRequest = z.object({ variant: z.string().min(1).max(64) });
export const shipVariantResponse = z.object({
  experiment: experimentView,
  /** The surface's new rule-set version, holding the shipped variant's config. */
  ruleSetVersion: z.number().int(),
});

/** Ids from core's EXPERIMENT_METRICS catalogue (experiments/metrics.ts): ctr, clicks, …, latency_p99. */
export const experimentResultMetric = z.string();
export type ExperimentResultMetric = z.infer<typeof experimentResultMetric>;

const liftInterval = z.object({ estimate: z.number(), lower: z.number(), upper: z.number() });

export const guardrailState = z.enum(["ok", "insufficient_data", "regressed"]);

export const experimentResultsResponse = z.object({
  experimentId: z.string(),
  key: z.string(),
  status: experimentStatus,
  /** The phase analysed (the current one): exposures and events from its start. */
  phase: z.number().int(),
  /** Events counted from each unit's first exposure up to `to` (the stop time, or null: up to now). */
  from: z.string().nullable(),
  to: z.string().nullable(),
  /** Two-sided significance level of every interval and test. */
  alpha: z.number(),
  /** More exposed units than the analysis reads; the results cover the first ones (by unit id). */
  truncated: z.boolean(),
  /** Whether CUPED (pre-exposure covariate of the same metric) adjusted the per-user comparisons (request `?cuped=false` to turn it off). */
  cuped: z.boolean(),
  variants: z.array(
    z.object({
      key: z.string(),
      isControl: z.boolean(),
      weight: z.number(),
      /** Exposed units (users) in this phase. */
      exposures: z.number().int(),
      stoppedAt: z.string().nullable(),
      stopReason: z.string().nullable(),
      /**
       * Per catalogue metric: `value` is the per-user mean (perUser), Σnum/Σden (ratio), the share
       * (proportion), the quantile in ms (quantile) or the count (count); `total` the sum where one exists.
       */
      metrics: z.array(z.object({ metric: experimentResultMetric, value: z.number().nullable(), total: z.number().nullable() })),
    }),
  ),
  /** Each non-control variant against the control, per metric. */
  comparisons: z.array(
    z.object({
      variant: z.string(),
      control: z.string(),
      metrics: z.array(
        z.object({
          metric: experimentResultMetric,
          /** welch: per-user values (CUPED-adjusted when `cupedApplied`); delta: ratio metric with users as the unit; proportion: two-proportion z-test; none: no test (quantiles, counts), lift only. */
          method: z.enum(["welch", "delta", "proportion", "none"]),
          /** null when not computable (fewer than 2 units in an arm, or no denominator); `reason` says why. */
          absoluteLift: liftInterval.nullable(),
          /** null also when the control's value is 0. */
          relativeLift: liftInterval.nullable(),
          pValue: z.number().nullable(),
          /** Holm–Bonferroni across this variant's tested metrics. */
          adjustedPValue: z.number().nullable(),
          /**
           * Always-valid p-value (mSPRT, normal mixing prior with τ = 10% of the control's mean): unlike
           * `pValue` it may be checked after every look and acted on at once. null when not computable.
           */
          sequentialPValue: z.number().nullable(),
          cupedApplied: z.boolean(),
          /** Share of the variance CUPED removed (0..1), when applied. */
          varianceReduction: z.number().nullable(),
          reason: z.string().nullable(),
        }),
      ),
    }),
  ),
  /** Sample-ratio mismatch: exposures per variant against the configured weights (chi-square); null with no exposures. */
  sampleRatio: z
    .object({
      observed: z.array(z.number().int()),
      expected: z.array(z.number()),
      chiSquare: z.number(),
      pValue: z.number(),
      threshold: z.number(),
      flagged: z.boolean(),
    })
    .nullable(),
  /** Each configured guardrail per non-control variant: what the sequential test says now. */
  guardrails: z.array(
    z.object({
      metric: experimentResultMetric,
      direction: z.enum(["higherIsBetter", "lowerIsBetter"]),
      threshold: z.number(),
      thresholdKind: z.enum(["relative", "absolute"]),
      variants: z.array(
        z.object({
          variant: z.string(),
          state: guardrailState,
          /** The lift in the guardrail's kind (relative or absolute), null when not computable. */
          lift: z.number().nullable(),
          sequentialPValue: z.number().nullable(),
          detail: z.string(),
        }),
      ),
    }),
  ),
  /** Per UTC day since the phase started: cumulative exposures and metric values per variant (charts over time). */
  timeline: z.array(
    z.object({
      day: z.string(),
      variants: z.array(z.object({ variant: z.string(), exposures: z.number().int(), metrics: z.record(z.string(), z.number().nullable()) })),
    }),
  ),
  /** Share of each variant's clicks by the candidate source that produced the clicked item (event context `source`). */
  sourceShare: z.array(z.object({ variant: z.string(), sources: z.array(z.object({ source: z.string(), clicks: z.number(), share: z.number() })) })),
});
export type ExperimentResultsResponse = z.infer<typeof experimentResultsResponse>;

export const stopVariantRequest = z.object({ reason: z.string().min(1).max(500) });

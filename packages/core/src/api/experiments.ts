// The admin API's experiment contracts (engine routes, typed client, console). The experiment a
// client creates is core's experimentConfigSchema (experiments/config); these are the views back.
import { z } from "zod";

export const experimentStatus = z.enum(["draft", "running", "stopped"]);

export const experimentVariantView = z.object({
  id: z.string(),
  key: z.string(),
  name: z.string(),
  weight: z.number(),
  isControl: z.boolean(),
  /** The variant's surface-config overrides (core's variantOverridesSchema). */
  overrides: z.unknown(),
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
  primaryMetric: z.string(),
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

/** The metrics an experiment's results report, per variant (per exposed user, from first exposure). */
export const experimentResultMetric = z.enum(["impressions", "ctr", "clicks", "likes", "watchSeconds", "purchases", "revenue", "negativeFeedback"]);
export type ExperimentResultMetric = z.infer<typeof experimentResultMetric>;

const liftInterval = z.object({ estimate: z.number(), lower: z.number(), upper: z.number() });

export const experimentResultsResponse = z.object({
  experimentId: z.string(),
  key: z.string(),
  status: experimentStatus,
  /** Events counted from each unit's first exposure up to `to` (the stop time, or null: up to now). */
  from: z.string().nullable(),
  to: z.string().nullable(),
  /** Two-sided significance level of every interval and test. */
  alpha: z.number(),
  /** More exposed units than the analysis reads; the results cover the first ones (by unit id). */
  truncated: z.boolean(),
  variants: z.array(
    z.object({
      key: z.string(),
      isControl: z.boolean(),
      weight: z.number(),
      /** Exposed units (users). */
      exposures: z.number().int(),
      /** Per metric: the per-user mean (ctr: Σclicks / Σimpressions) and the total (ctr: null). */
      metrics: z.array(z.object({ metric: experimentResultMetric, mean: z.number().nullable(), total: z.number().nullable() })),
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
          /** welch: per-user values; delta: ratio metric with users as the unit. */
          method: z.enum(["welch", "delta"]),
          /** null when not computable (fewer than 2 units in an arm, or no denominator); `reason` says why. */
          absoluteLift: liftInterval.nullable(),
          /** null also when the control's value is 0. */
          relativeLift: liftInterval.nullable(),
          pValue: z.number().nullable(),
          /** Holm–Bonferroni across this variant's computable metrics. */
          adjustedPValue: z.number().nullable(),
          /**
           * Always-valid p-value (mSPRT, normal mixing prior with τ = 10% of the control's mean): unlike
           * `pValue` it may be checked after every look and acted on at once. welch metrics only; null
           * when not computable (no variance yet, or a control mean of 0).
           */
          sequentialPValue: z.number().nullable(),
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
});
export type ExperimentResultsResponse = z.infer<typeof experimentResultsResponse>;

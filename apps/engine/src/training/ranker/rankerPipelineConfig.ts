// The ranker training config (`cascade train`'s ranker step, the benchmark): validated once with
// zod, every field defaulted, so a caller passes only what it changes.
import { z } from "zod";

export const rankerPipelineConfigSchema = z.object({
  /** Feature columns to train on, in this order (default: every feature column of the training set). */
  featureNames: z.array(z.string().min(1)).min(1).optional(),
  hiddenSizes: z.array(z.number().int().positive().max(4096)).min(1).max(8).default([64, 32]),
  epochs: z.number().int().min(1).max(1000).default(6),
  batchSize: z.number().int().positive().max(1_000_000).default(256),
  learningRate: z.number().positive().max(1).default(0.003),
  /** Weight of the watch-time loss term next to each BCE term. */
  watchLossWeight: z.number().min(0).default(0.5),
  /**
   * Huber threshold of the watch loss, in units of the mean watch time. Large enough that most
   * residuals are in the quadratic zone (the head then estimates the mean — expected seconds —
   * rather than the median, which is 0 when most impressions are not watched); finite so a few very
   * long watches cannot dominate the trunk's gradient.
   */
  watchHuberDelta: z.number().positive().default(10),
  seed: z.number().int().min(0).max(0xffff_ffff).default(42),
  /** The last `validationFraction` of the rows by impression time are the validation set. */
  validationFraction: z.number().gt(0).lt(1).default(0.2),
  /**
   * Training rows must end this long before the validation set starts: a label window (30 min by
   * default) that would reach into the validation period could carry its outcomes into training.
   */
  splitGapMs: z
    .number()
    .int()
    .min(0)
    .default(30 * 60_000),
  /** Weight each training example by clipped 1/propensity, normalised to mean 1. */
  ipsWeighting: z.object({ enabled: z.boolean().default(false), clip: z.number().min(1).max(1e6).default(20) }).prefault({}),
  /** Logged position as a training-time feature, fixed to `referencePosition` in the served model. */
  positionBias: z.object({ enabled: z.boolean().default(false), referencePosition: z.number().int().min(0).max(1000).default(0) }).prefault({}),
  /** Train the logistic-regression baseline on the same split and report it beside the ranker. */
  baseline: z.boolean().default(true),
  ndcgK: z.number().int().positive().max(1000).default(10),
  calibrationBins: z.number().int().positive().max(1000).default(10),
  /** Free text for the ONNX graph name, e.g. the model version being trained. */
  modelName: z.string().min(1).max(200).default("cascade_multitask_ranker"),
});

/** What callers pass (every field optional). */
export type RankerPipelineConfigInput = z.input<typeof rankerPipelineConfigSchema>;
/** After defaults. */
export type RankerPipelineConfig = z.output<typeof rankerPipelineConfigSchema>;

/** Validates a config; a bad field is an error naming it. */
export function parseRankerPipelineConfig(input: RankerPipelineConfigInput = {}): RankerPipelineConfig {
  const parsed = rankerPipelineConfigSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(config)"}: ${issue.message}`).join("; ");
    throw new Error(`invalid ranker config: ${problems}`);
  }
  return parsed.data;
}

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

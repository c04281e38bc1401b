// The experiment contract shared by the engine (admin API, resolution per request), the console
// and the typed client. Field names follow prisma/schema.prisma where a column exists: `seed` is
// stored as Experiment.salt, `coverage` as Experiment.trafficFraction, `surface` as surfaceId,
// variants as ExperimentVariant rows (key, name, weight, isControl, overrides). Layers, `unit`,
// `forced` and `guardrails` have no column yet.
//
// The schema checks what can be checked from the config alone (issues name the field);
// `checkExperimentReferences` checks what needs the world: the surface's config, the rule set
// versions and model versions a variant names, and the metric catalogue.
import { z } from "zod";
import { entityId, surfaceId } from "../../api/common.ts";
import type { SurfaceConfig } from "../../rules/surfaceConfig.ts";
import { WEIGHT_SUM_TOLERANCE, type ExperimentAssignmentSpec } from "../assignment/assignment.ts";
import { safeApplyVariantOverrides, variantOverridesSchema, type OverrideIssue } from "./variantOverrides.ts";

const key = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "must start with a letter or digit and use letters, digits, '_', '.' or '-'");

/** The unit that is hashed: the request's user id, or a request context value (e.g. `context.deviceId`). */
export const experimentUnit = z.union([z.literal("userId"), z.string().regex(/^context\.[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'must be "userId" or "context.<key>"')]);

export const metricId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z][a-z0-9_]*$/, "must be a metric id (lowercase letters, digits, '_')");

export const experimentVariantSchema = z.strictObject({
  key,
  name: z.string().max(200).optional(),
  /** Share of the covered units, in [0, 1]; the variants' weights sum to 1. */
  weight: z.number().min(0).max(1),
  /** The variant the others are compared with (at most one; the first variant when none is marked). */
  isControl: z.boolean().default(false),
  overrides: variantOverridesSchema.default({}),
});

export const layerSlotSchema = z
  .strictObject({
    /** The layer's key, which is also its hash salt (a new layer key reshuffles the layer). */
    key,
    start: z.number().min(0).max(1),
    end: z.number().min(0).max(1),
  })
  .refine((slot) => slot.start < slot.end, { path: ["end"], message: "must be greater than start" });

export const guardrailSchema = z.strictObject({
  metric: metricId,
  /** Which way the metric should move: a move the other way beyond `threshold` is a regression. */
  direction: z.enum(["higherIsBetter", "lowerIsBetter"]),
  /** The largest tolerated regression, relative to control (0.05: 5 %) or in the metric's units. */
  threshold: z.number().positive().max(1e9),
  thresholdKind: z.enum(["relative", "absolute"]).default("relative"),
});

/**
 * A ramp-up step: until `untilHours` after the experiment (or its current phase) starts, only
 * `coverage` of the units enter. Raising coverage never moves an assigned unit, so a ramp is safe.
 */
export const rampStepSchema = z.strictObject({
  untilHours: z
    .number()
    .gt(0, "must be greater than 0")
    .max(24 * 365),
  coverage: z.number().gt(0, "must be greater than 0").max(1),
});
export type RampStep = z.output<typeof rampStepSchema>;

export const experimentConfigSchema = z
  .strictObject({
    key,
    name: z.string().max(200).optional(),
    hypothesis: z.string().max(5000).default(""),
    surface: surfaceId,
    unit: experimentUnit.default("userId"),
    /** Hash salt (Experiment.salt); changing it reshuffles every unit. */
    seed: z.string().min(1).max(128),
    /** Share of eligible units in the experiment (Experiment.trafficFraction). */
    coverage: z.number().gt(0, "must be greater than 0").max(1).default(1),
    /** Lower coverages for the first hours (ascending `untilHours`, non-decreasing coverage, at most `coverage`). */
    rampUp: z.array(rampStepSchema).max(10).default([]),
    layer: layerSlotSchema.nullable().default(null),
    variants: z.array(experimentVariantSchema).min(2, "needs at least 2 variants").max(20),
    /** QA allow-list: unit id → variant key. */
    forced: z.record(entityId, key).default({}),
    primaryMetric: metricId.default("ctr"),
    guardrails: z.array(guardrailSchema).max(20).default([]),
  })
  .superRefine((experiment, context) => {
    const sum = experiment.variants.reduce((total, variant) => total + variant.weight, 0);
    if (!(Math.abs(sum - 1) <= WEIGHT_SUM_TOLERANCE)) context.addIssue({ code: "custom", path: ["variants"], message: `weights must sum to 1, got ${sum}` });
    const keys = new Set<string>();
    experiment.variants.forEach((variant, index) => {
      if (keys.has(variant.key)) context.addIssue({ code: "custom", path: ["variants", index, "key"], message: `duplicate variant key "${variant.key}"` });
      keys.add(variant.key);
    });
    if (experiment.variants.filter((variant) => variant.isControl).length > 1)
      context.addIssue({ code: "custom", path: ["variants"], message: "at most one variant may be the control" });
    for (const [unitId, variantKey] of Object.entries(experiment.forced)) {
      if (!keys.has(variantKey)) context.addIssue({ code: "custom", path: ["forced", unitId], message: `"${variantKey}" is not a variant of this experiment` });
    }
    experiment.rampUp.forEach((step, index) => {
      const previous = experiment.rampUp[index - 1];
      if (previous && step.untilHours <= previous.untilHours)
        context.addIssue({ code: "custom", path: ["rampUp", index, "untilHours"], message: "steps must be in ascending untilHours" });
      if (previous && step.coverage < previous.coverage)
        context.addIssue({ code: "custom", path: ["rampUp", index, "coverage"], message: "a ramp never lowers coverage (it would drop assigned units)" });
      if (step.coverage > experiment.coverage)
        context.addIssue({ code: "custom", path: ["rampUp", index, "coverage"], message: `above the experiment's coverage ${experiment.coverage}` });
    });
    const metrics = new Set<string>();
    experiment.guardrails.forEach((guardrail, index) => {
      if (metrics.has(guardrail.metric))
        context.addIssue({ code: "custom", path: ["guardrails", index, "metric"], message: `duplicate guardrail "${guardrail.metric}"` });
      metrics.add(guardrail.metric);
    });
  });

export type ExperimentConfig = z.output<typeof experimentConfigSchema>;
export type ExperimentConfigInput = z.input<typeof experimentConfigSchema>;
export type ExperimentVariantConfig = z.output<typeof experimentVariantSchema>;
export type Guardrail = z.output<typeof guardrailSchema>;

/** The coverage in effect `elapsedMs` after the experiment (phase) started: the first ramp step not yet over, else `coverage`. */
export function effectiveCoverage(rampUp: readonly RampStep[], coverage: number, elapsedMs: number): number {
  const hours = Math.max(0, elapsedMs) / 3_600_000;
  return rampUp.find((step) => hours < step.untilHours)?.coverage ?? coverage;
}

/**
 * What may change on an existing experiment (PATCH): any field but the key. On a running experiment
 * a change that would bias it (core's biasingChanges: weights re-shuffled, seed, unit, variants,
 * coverage lowered, layer moved) is refused unless `newPhase` is set, which starts a new phase:
 * exposures and results count afresh from then.
 */
export const experimentUpdateSchema = z.strictObject({
  name: z.string().max(200).optional(),
  hypothesis: z.string().max(5000).optional(),
  unit: experimentUnit.optional(),
  seed: z.string().min(1).max(128).optional(),
  coverage: z.number().gt(0, "must be greater than 0").max(1).optional(),
  rampUp: z.array(rampStepSchema).max(10).optional(),
  layer: layerSlotSchema.nullable().optional(),
  variants: z.array(experimentVariantSchema).min(2, "needs at least 2 variants").max(20).optional(),
  forced: z.record(entityId, key).optional(),
  primaryMetric: metricId.optional(),
  guardrails: z.array(guardrailSchema).max(20).optional(),
  newPhase: z.boolean().default(false),
});
export type ExperimentUpdate = z.output<typeof experimentUpdateSchema>;
export type ExperimentUpdateInput = z.input<typeof experimentUpdateSchema>;

/** What assignment needs of a (validated) experiment config. */
export function experimentAssignmentSpec(experiment: ExperimentConfig): ExperimentAssignmentSpec & { unit: string } {
  return {
    key: experiment.key,
    seed: experiment.seed,
    coverage: experiment.coverage,
    variants: experiment.variants.map((variant) => ({ key: variant.key, weight: variant.weight })),
    layer: experiment.layer,
    forced: experiment.forced,
    unit: experiment.unit,
  };
}

/** The variant others are compared with: the one marked isControl, else the first. */
export function controlVariant(experiment: ExperimentConfig): ExperimentVariantConfig {
  return experiment.variants.find((variant) => variant.isControl) ?? experiment.variants[0]!;
}

/** What exists, for `checkExperimentReferences`; omit a list to skip that check. */
export type ExperimentReferenceContext = {
  /** The surface's current config (the base of a variant without ruleSetVersion). */
  surfaceConfig: SurfaceConfig;
  /** The surface's rule set versions that a variant may name, by version (omitted: `ruleSetVersion` is not checked and overrides apply to `surfaceConfig`). */
  ruleSetConfigs?: ReadonlyMap<number, SurfaceConfig>;
  /** Model versions that a variant may serve (ModelVersion.id and kind; retired ones should be left out). */
  modelVersions?: readonly { id: string; kind: string }[];
  /** Metric ids guardrails and the primary metric may name. */
  metricIds?: readonly string[];
};

const SLOT_KINDS = { retrieval: ["two_tower"], ranker: ["ranker", "external_ranker"] } as const;

/**
 * Save-time checks that need more than the config: every variant's overrides produce a valid
 * SurfaceConfig on its base, name existing rule set and model versions of the right kind, and
 * guardrails name known metrics. Issues' paths start at the experiment (`variants.1.overrides.models.ranker`).
 */
export function checkExperimentReferences(experiment: ExperimentConfig, context: ExperimentReferenceContext): OverrideIssue[] {
  const issues: OverrideIssue[] = [];
  experiment.variants.forEach((variant, index) => {
    const at = (...path: (string | number)[]) => ["variants", index, "overrides", ...path];
    const overrides = variant.overrides;
    let base: SurfaceConfig | undefined = context.surfaceConfig;
    if (overrides.ruleSetVersion !== undefined && context.ruleSetConfigs) {
      base = context.ruleSetConfigs.get(overrides.ruleSetVersion);
      if (!base) issues.push({ path: at("ruleSetVersion"), message: `surface "${experiment.surface}" has no rule set version ${overrides.ruleSetVersion}` });
    }
    if (context.modelVersions) {
      for (const slot of ["retrieval", "ranker"] as const) {
        const id = overrides.models?.[slot];
        if (id === undefined) continue;
        const model = context.modelVersions.find((candidate) => candidate.id === id);
        if (!model) issues.push({ path: at("models", slot), message: `unknown model version "${id}"` });
        else if (!(SLOT_KINDS[slot] as readonly string[]).includes(model.kind))
          issues.push({ path: at("models", slot), message: `model version "${id}" is a ${model.kind}, not a ${slot} model` });
      }
    }
    if (base) {
      const applied = safeApplyVariantOverrides(base, overrides);
      if (!applied.ok)
        for (const issue of applied.issues)
          issues.push({ path: issue.path[0] === "config" ? ["variants", index, ...issue.path] : at(...issue.path), message: issue.message });
    }
  });
  if (context.metricIds) {
    const known = new Set(context.metricIds);
    if (!known.has(experiment.primaryMetric)) issues.push({ path: ["primaryMetric"], message: `unknown metric "${experiment.primaryMetric}"` });
    experiment.guardrails.forEach((guardrail, index) => {
      if (!known.has(guardrail.metric)) issues.push({ path: ["guardrails", index, "metric"], message: `unknown metric "${guardrail.metric}"` });
    });
  }
  return issues;
}

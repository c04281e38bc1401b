// A variant is a configuration: a whitelisted set of overrides on top of the surface's published
// SurfaceConfig. Only the keys below may appear (anything else is refused, naming the key), and the
// config a variant produces must pass surfaceConfigSchema, so a broken variant is refused when the
// experiment is saved, never at serving time.
//
// Whitelist:
//   models          retrieval / ranker model version ids (ModelVersion.id) to serve instead of the active ones
//   ruleSetVersion  serve this published version of the surface's rule set as the base config
//   rules           inline rule overrides: `replace` the whole list, or `remove` rules by id and/or
//                   `patch` some parameters of a rule by id (its type and id cannot change)
//   sources         per source id (already in the surface config): enabled, quota, weight
//   maxCandidates   the merged-candidate cap
//   fusion          the retrieval prior's rank-fusion k
//   blend           ranker blend weights, merged per action into the base blend (0 turns one off)
//   exploration     the whole exploration policy (none / epsilonGreedy / thompson)
//
// `models` and `ruleSetVersion` are references the engine resolves (it loads that rule set
// version as the base config and serves those model versions); `applyVariantOverrides` applies the
// rest to a SurfaceConfig. `checkExperimentReferences` (experimentConfig.ts) checks both kinds
// against what exists.
import { z } from "zod";
import { FIELD_NAME_PATTERN } from "../../rules/itemFields.ts";
import { explorationConfigSchema, ruleConfigSchema, surfaceConfigSchema, type RuleConfig, type SurfaceConfig } from "../../rules/surfaceConfig.ts";

const componentId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, "must start with a letter and use letters, digits, '_' or '-'");

export const modelVersionId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, "must be a model version id");

const ruleParameter = z.union([z.number(), z.string().max(2000), z.boolean()]);

// The rule schemas as strict objects: a misspelt parameter in a replacement rule is refused, not dropped.
const [freshnessRule, boostRule, diversityRule, mmrRule] = ruleConfigSchema.options;
const strictRuleSchema = z.discriminatedUnion("type", [freshnessRule.strict(), boostRule.strict(), diversityRule.strict(), mmrRule.strict()]);

export const ruleOverridesSchema = z
  .strictObject({
    /** The variant's whole rule list (instead of the base's). */
    replace: z.array(strictRuleSchema).max(30).optional(),
    /** Base rules to drop, by id. */
    remove: z.array(componentId).max(30).optional(),
    /** Per rule id, parameters to change (e.g. `{ "mmr": { "lambda": 0.5 } }`). */
    patch: z.record(componentId, z.record(z.string(), ruleParameter)).optional(),
  })
  .refine((rules) => !(rules.replace && (rules.remove || rules.patch)), { path: ["replace"], message: "use either `replace` or `remove`/`patch`, not both" });

export const sourceOverrideSchema = z.strictObject({
  enabled: z.boolean().optional(),
  quota: z.number().int().min(1).max(5000).optional(),
  weight: z.number().min(0).max(1000).optional(),
});

export const variantOverridesSchema = z.strictObject({
  models: z.strictObject({ retrieval: modelVersionId.optional(), ranker: modelVersionId.optional() }).optional(),
  ruleSetVersion: z.number().int().min(1).optional(),
  rules: ruleOverridesSchema.optional(),
  sources: z.record(componentId, sourceOverrideSchema).optional(),
  maxCandidates: z.number().int().min(1).max(5000).optional(),
  fusion: z.strictObject({ k: z.number().min(0).max(1000) }).optional(),
  blend: z
    .record(z.string().regex(FIELD_NAME_PATTERN, "must be an action name"), z.number().min(-1000).max(1000))
    .refine((blend) => Object.keys(blend).length > 0, "must set at least one action's weight")
    .optional(),
  exploration: explorationConfigSchema.optional(),
});

export type VariantOverrides = z.output<typeof variantOverridesSchema>;
export type VariantOverridesInput = z.input<typeof variantOverridesSchema>;

/** The override keys a variant may set (for editors and error messages). */
export const VARIANT_OVERRIDE_KEYS = Object.keys(variantOverridesSchema.shape) as (keyof VariantOverrides)[];

export type OverrideIssue = { path: (string | number)[]; message: string };

export class VariantOverridesError extends Error {
  constructor(readonly issues: OverrideIssue[]) {
    super(`invalid variant overrides: ${issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`).join("; ")}`);
    this.name = "VariantOverridesError";
  }
}

function ruleFields(type: RuleConfig["type"]): string[] {
  const option = ruleConfigSchema.options.find((candidate) => candidate.shape.type.value === type);
  return option ? Object.keys(option.shape) : [];
}

/**
 * The SurfaceConfig a variant serves: `base` (the surface's config, or the rule set version named by
 * `overrides.ruleSetVersion`, which the caller loads) with the overrides applied, checked by
 * surfaceConfigSchema. Issues' paths start at the overrides (`rules.patch.mmr.lambda`) or, for a
 * problem only visible in the result, at the resulting config (`config.exploration.slots`).
 * Pure; cheap enough to run once per experiment load, not per request (cache the result).
 */
export function safeApplyVariantOverrides(
  base: SurfaceConfig,
  overridesInput: unknown,
): { ok: true; config: SurfaceConfig } | { ok: false; issues: OverrideIssue[] } {
  const parsed = variantOverridesSchema.safeParse(overridesInput);
  if (!parsed.success) return { ok: false, issues: parsed.error.issues.map((issue) => ({ path: issue.path.map(pathKey), message: issue.message })) };
  const overrides = parsed.data;
  const issues: OverrideIssue[] = [];
  const config: SurfaceConfig = structuredClone(base);

  if (overrides.rules) {
    const { replace, remove, patch } = overrides.rules;
    if (replace) config.rules = structuredClone(replace);
    for (const [index, id] of (remove ?? []).entries()) {
      if (!config.rules.some((rule) => rule.id === id)) issues.push({ path: ["rules", "remove", index], message: `no rule "${id}" in the base config` });
    }
    config.rules = config.rules.filter((rule) => !(remove ?? []).includes(rule.id));
    for (const [id, parameters] of Object.entries(patch ?? {})) {
      const index = config.rules.findIndex((rule) => rule.id === id);
      if (index < 0) {
        issues.push({ path: ["rules", "patch", id], message: `no rule "${id}" in the base config` });
        continue;
      }
      const rule = config.rules[index]!;
      const allowed = ruleFields(rule.type).filter((field) => field !== "type" && field !== "id");
      for (const key of Object.keys(parameters)) {
        if (!allowed.includes(key)) issues.push({ path: ["rules", "patch", id, key], message: `"${key}" is not a parameter a ${rule.type} rule can change` });
      }
      config.rules[index] = { ...rule, ...parameters } as RuleConfig;
    }
  }

  for (const [id, change] of Object.entries(overrides.sources ?? {})) {
    const index = config.sources.findIndex((source) => source.id === id);
    if (index < 0) {
      issues.push({ path: ["sources", id], message: `no source "${id}" in the base config (has ${config.sources.map((source) => source.id).join(", ")})` });
      continue;
    }
    config.sources[index] = { ...config.sources[index]!, ...change };
  }
  if (overrides.maxCandidates !== undefined) config.maxCandidates = overrides.maxCandidates;
  if (overrides.fusion) config.fusion = { ...overrides.fusion };
  if (overrides.blend) {
    config.blend = { ...config.blend, ...overrides.blend };
    if (!Object.values(config.blend).some((weight) => weight > 0))
      issues.push({ path: ["blend"], message: "the resulting blend has no positive weight: nothing the ranker predicts would count for an item" });
  }
  if (overrides.exploration) config.exploration = structuredClone(overrides.exploration);
  if (config.sources.every((source) => !source.enabled)) issues.push({ path: ["sources"], message: "the variant disables every source" });
  if (issues.length > 0) return { ok: false, issues };

  const checked = surfaceConfigSchema.safeParse(config);
  if (!checked.success)
    return { ok: false, issues: checked.error.issues.map((issue) => ({ path: ["config", ...issue.path.map(pathKey)], message: issue.message })) };
  return { ok: true, config: checked.data };
}

/** Like `safeApplyVariantOverrides`, throwing a VariantOverridesError (with every issue) when the result is invalid. */
export function applyVariantOverrides(base: SurfaceConfig, overrides: unknown): SurfaceConfig {
  const result = safeApplyVariantOverrides(base, overrides);
  if (!result.ok) throw new VariantOverridesError(result.issues);
  return result.config;
}

function pathKey(key: PropertyKey): string | number {
  return typeof key === "symbol" ? String(key) : key;
}

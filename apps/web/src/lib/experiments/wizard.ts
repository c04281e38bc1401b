// The create / edit wizard's state, React-free: the form as people type it (numbers as text, each
// variant's overrides as JSON text, forced QA users as lines), turned into core's experiment config
// (or a PATCH of what changed), with every problem keyed by the same dotted path the engine uses in
// its 400 answers (`variants.1.weight`), so local checks and the engine's refusals land on the same
// field. A variant's overrides are applied to the surface's published config here too, for the diff.
import { experimentConfigSchema, experimentUpdateSchema, safeApplyVariantOverrides, type ExperimentView, type SurfaceConfig } from "@cascade/core";

export type FieldIssue = { path: string; message: string };

export type VariantForm = { key: string; name: string; weight: string; isControl: boolean; overridesText: string };
export type RampStepForm = { untilHours: string; coverage: string };
export type GuardrailForm = { metric: string; direction: "higherIsBetter" | "lowerIsBetter"; threshold: string; thresholdKind: "relative" | "absolute" };

export type WizardForm = {
  key: string;
  name: string;
  hypothesis: string;
  surface: string;
  unit: string;
  seed: string;
  coverage: string;
  rampUp: RampStepForm[];
  layerEnabled: boolean;
  layerKey: string;
  layerStart: string;
  layerEnd: string;
  variants: VariantForm[];
  /** One `unitId = variantKey` per line. */
  forcedText: string;
  primaryMetric: string;
  guardrails: GuardrailForm[];
};

export function emptyWizardForm(surface: string): WizardForm {
  return {
    key: "",
    name: "",
    hypothesis: "",
    surface,
    unit: "userId",
    seed: "",
    coverage: "1",
    rampUp: [],
    layerEnabled: false,
    layerKey: "",
    layerStart: "0",
    layerEnd: "1",
    variants: [
      { key: "control", name: "Control", weight: "0.5", isControl: true, overridesText: "{}" },
      { key: "treatment", name: "Treatment", weight: "0.5", isControl: false, overridesText: "{}" },
    ],
    forcedText: "",
    primaryMetric: "ctr",
    guardrails: [],
  };
}

const text = (value: number) => String(value);

/** The form for an existing experiment (editing a draft or a running one). */
export function wizardFormFromExperiment(experiment: ExperimentView): WizardForm {
  return {
    key: experiment.key,
    name: experiment.name,
    hypothesis: experiment.hypothesis,
    surface: experiment.surface,
    unit: experiment.unit,
    seed: experiment.seed,
    coverage: text(experiment.coverage),
    rampUp: experiment.rampUp.map((step) => ({ untilHours: text(step.untilHours), coverage: text(step.coverage) })),
    layerEnabled: experiment.layer !== null,
    layerKey: experiment.layer?.key ?? "",
    layerStart: text(experiment.layer?.start ?? 0),
    layerEnd: text(experiment.layer?.end ?? 1),
    variants: experiment.variants.map((variant) => ({
      key: variant.key,
      name: variant.name,
      weight: text(variant.weight),
      isControl: variant.isControl,
      overridesText: JSON.stringify(variant.overrides ?? {}, null, 2),
    })),
    forcedText: Object.entries(experiment.forced)
      .map(([unit, variant]) => `${unit} = ${variant}`)
      .join("\n"),
    primaryMetric: experiment.primaryMetric,
    guardrails: experiment.guardrails.map((guardrail) => ({ ...guardrail, threshold: text(guardrail.threshold) })),
  };
}

/** A number as typed; NaN for empty or unparseable text (the schema then names the field). */
function numberOf(value: string): number {
  return value.trim() === "" ? Number.NaN : Number(value);
}

/** `user-1 = treatment` lines → {unitId: variantKey}; malformed lines are issues at `forced`. */
export function parseForced(forcedText: string): { forced: Record<string, string>; issues: FieldIssue[] } {
  const forced: Record<string, string> = {};
  const issues: FieldIssue[] = [];
  forcedText.split("\n").forEach((raw, index) => {
    const line = raw.trim();
    if (line === "") return;
    const match = /^([^=\s]+)\s*=\s*(\S+)$/.exec(line);
    if (!match) issues.push({ path: "forced", message: `line ${index + 1}: write "unit id = variant key"` });
    else forced[match[1]!] = match[2]!;
  });
  return { forced, issues };
}

/** A variant's overrides JSON text, parsed; an issue at `variants.<i>.overrides` when it is not a JSON object. */
export function parseOverrides(overridesText: string, index: number): { overrides: Record<string, unknown>; issue: FieldIssue | null } {
  const trimmed = overridesText.trim();
  if (trimmed === "") return { overrides: {}, issue: null };
  try {
    const value: unknown = JSON.parse(trimmed);
    if (typeof value !== "object" || value === null || Array.isArray(value))
      return { overrides: {}, issue: { path: `variants.${index}.overrides`, message: "must be a JSON object" } };
    return { overrides: value as Record<string, unknown>, issue: null };
  } catch (error) {
    return { overrides: {}, issue: { path: `variants.${index}.overrides`, message: `not valid JSON: ${(error as Error).message}` } };
  }
}

/** The experiment config the form describes (what POST /v1/admin/experiments takes), before validation. */
export function configFromForm(form: WizardForm): { config: Record<string, unknown>; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const forced = parseForced(form.forcedText);
  issues.push(...forced.issues);
  const variants = form.variants.map((variant, index) => {
    const parsed = parseOverrides(variant.overridesText, index);
    if (parsed.issue) issues.push(parsed.issue);
    return {
      key: variant.key.trim(),
      ...(variant.name.trim() ? { name: variant.name.trim() } : {}),
      weight: numberOf(variant.weight),
      isControl: variant.isControl,
      overrides: parsed.overrides,
    };
  });
  const config: Record<string, unknown> = {
    key: form.key.trim(),
    ...(form.name.trim() ? { name: form.name.trim() } : {}),
    hypothesis: form.hypothesis,
    surface: form.surface,
    unit: form.unit.trim(),
    seed: form.seed.trim(),
    coverage: numberOf(form.coverage),
    rampUp: form.rampUp.map((step) => ({ untilHours: numberOf(step.untilHours), coverage: numberOf(step.coverage) })),
    layer: form.layerEnabled ? { key: form.layerKey.trim(), start: numberOf(form.layerStart), end: numberOf(form.layerEnd) } : null,
    variants,
    forced: forced.forced,
    primaryMetric: form.primaryMetric,
    guardrails: form.guardrails.map((guardrail) => ({
      metric: guardrail.metric,
      direction: guardrail.direction,
      threshold: numberOf(guardrail.threshold),
      thresholdKind: guardrail.thresholdKind,
    })),
  };
  return { config, issues };
}

function zodIssues(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): FieldIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }));
}

/**
 * Every problem the console can see before asking the engine: unparseable text, core's experiment
 * schema, and each variant's overrides applied to the surface's published config (`published`,
 * when known). The engine checks all of it again, plus what needs the database (model versions).
 */
export function checkWizardForm(form: WizardForm, published: SurfaceConfig | null): { config: Record<string, unknown>; issues: FieldIssue[] } {
  const { config, issues } = configFromForm(form);
  const parsed = experimentConfigSchema.safeParse(config);
  if (!parsed.success) issues.push(...zodIssues(parsed.error));
  if (published) {
    (config.variants as { overrides: Record<string, unknown> }[]).forEach((variant, index) => {
      if (issues.some((issue) => issue.path.startsWith(`variants.${index}.overrides`))) return;
      const applied = safeApplyVariantOverrides(published, variant.overrides);
      if (!applied.ok)
        for (const issue of applied.issues)
          issues.push({
            path: [...(issue.path[0] === "config" ? ["variants", index] : ["variants", index, "overrides"]), ...issue.path].join("."),
            message: issue.message,
          });
    });
  }
  return { config, issues: dedupe(issues) };
}

function dedupe(issues: FieldIssue[]): FieldIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The config a variant serves: its overrides on the published config (null with the issues when they do not apply). */
export function variantConfig(published: SurfaceConfig, overridesText: string): { ok: true; config: SurfaceConfig } | { ok: false; messages: string[] } {
  const parsed = parseOverrides(overridesText, 0);
  if (parsed.issue) return { ok: false, messages: [parsed.issue.message] };
  const applied = safeApplyVariantOverrides(published, parsed.overrides);
  if (applied.ok) return applied;
  return { ok: false, messages: applied.issues.map((issue) => `${issue.path.join(".") || "overrides"}: ${issue.message}`) };
}

/**
 * Issues for one field: those at `path` exactly, and with `nested` also those below it
 * (`variants.1.overrides` collects `variants.1.overrides.sources.trending`).
 */
export function issuesAt(issues: readonly FieldIssue[], path: string, nested = false): FieldIssue[] {
  return issues.filter((issue) => issue.path === path || (nested && issue.path.startsWith(`${path}.`)));
}

const EDITABLE_FIELDS = ["name", "hypothesis", "unit", "seed", "coverage", "rampUp", "layer", "variants", "forced", "primaryMetric", "guardrails"] as const;

/**
 * The PATCH for an edit: the fields whose value differs from the stored experiment (the key never
 * changes). `newPhase` accepts a change that would bias a running experiment by starting a new phase.
 */
export function updateFromForm(
  form: WizardForm,
  experiment: ExperimentView,
  newPhase: boolean,
): { update: Record<string, unknown>; issues: FieldIssue[]; changed: string[] } {
  const { config, issues } = configFromForm(form);
  const stored = configFromForm(wizardFormFromExperiment(experiment)).config;
  const update: Record<string, unknown> = {};
  const changed: string[] = [];
  for (const field of EDITABLE_FIELDS) {
    if (JSON.stringify(normalise(config[field])) !== JSON.stringify(normalise(stored[field]))) {
      update[field] = config[field];
      changed.push(field);
    }
  }
  if (newPhase) update.newPhase = true;
  const parsed = experimentUpdateSchema.safeParse(update);
  if (!parsed.success) issues.push(...zodIssues(parsed.error));
  return { update, issues: dedupe(issues), changed };
}

/** JSON with object keys sorted, so a re-ordered overrides object is not a change. */
function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise);
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, normalise((value as Record<string, unknown>)[key])]),
    );
  return value;
}

/** Σ weights as typed (for the live "weights sum to …" hint). */
export function weightSum(form: WizardForm): number {
  return form.variants.reduce((sum, variant) => sum + (Number(variant.weight) || 0), 0);
}

/** Equal weights for the current variants, rounded to 4 decimals with the remainder on the first. */
export function evenWeights(count: number): string[] {
  if (count <= 0) return [];
  const share = Math.floor((1 / count) * 10_000) / 10_000;
  const first = Math.round((1 - share * (count - 1)) * 10_000) / 10_000;
  return [first, ...Array.from({ length: count - 1 }, () => share)].map(String);
}

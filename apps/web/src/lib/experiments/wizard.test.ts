import { defaultSurfaceConfig, type ExperimentView } from "@cascade/core";
import { describe, expect, it } from "vitest";
import { checkWizardForm, emptyWizardForm, evenWeights, issuesAt, parseForced, updateFromForm, variantConfig, wizardFormFromExperiment } from "./wizard.ts";

const published = defaultSurfaceConfig("home");

function validForm() {
  return { ...emptyWizardForm("home"), key: "bigger-pool", seed: "bigger-pool-1" };
}

const stored: ExperimentView = {
  id: "exp1",
  key: "bigger-pool",
  name: "Bigger pool",
  hypothesis: "",
  surface: "home",
  status: "running",
  seed: "bigger-pool-1",
  coverage: 0.5,
  rampUp: [{ untilHours: 24, coverage: 0.1 }],
  effectiveCoverage: 0.1,
  unit: "userId",
  layer: null,
  forced: { "user-1": "treatment" },
  primaryMetric: "ctr",
  guardrails: [],
  phase: 1,
  phaseStartedAt: null,
  shippedVariant: null,
  createdAt: "2026-12-01T00:00:00.000Z",
  startedAt: "2026-12-01T00:00:00.000Z",
  stoppedAt: null,
  variants: [
    { id: "v1", key: "control", name: "Control", weight: 0.5, isControl: true, overrides: {}, stoppedAt: null, stopReason: null },
    { id: "v2", key: "treatment", name: "Treatment", weight: 0.5, isControl: false, overrides: { maxCandidates: 300 }, stoppedAt: null, stopReason: null },
  ],
};

describe("experiment wizard form", () => {
  it("turns a valid form into core's experiment config with no issues", () => {
    const form = validForm();
    form.variants[1]!.overridesText = '{"maxCandidates": 300}';
    form.forcedText = "user-7 = treatment\n\n";
    form.rampUp = [{ untilHours: "24", coverage: "0.1" }];
    const { config, issues } = checkWizardForm(form, published);
    expect(issues).toEqual([]);
    expect(config).toMatchObject({
      key: "bigger-pool",
      surface: "home",
      coverage: 1,
      rampUp: [{ untilHours: 24, coverage: 0.1 }],
      layer: null,
      forced: { "user-7": "treatment" },
      variants: [
        { key: "control", weight: 0.5, isControl: true, overrides: {} },
        { key: "treatment", weight: 0.5, isControl: false, overrides: { maxCandidates: 300 } },
      ],
    });
  });

  it("keys problems by the engine's dotted paths: weights, JSON, unknown sources, forced variants", () => {
    const form = validForm();
    form.variants[1]!.weight = "0.7";
    form.variants[0]!.overridesText = "{not json";
    form.variants[1]!.overridesText = '{"sources": {"no_such_source": {"quota": 10}}}';
    form.forcedText = "user-1 = nobody\njust-a-user";
    const { issues } = checkWizardForm(form, published);
    expect(issuesAt(issues, "variants").map((issue) => issue.message)).toEqual([expect.stringContaining("weights must sum to 1")]);
    expect(issuesAt(issues, "variants.0.overrides")[0]?.message).toMatch(/not valid JSON/);
    expect(issuesAt(issues, "variants.1.overrides", true)[0]).toMatchObject({ path: "variants.1.overrides.sources.no_such_source" });
    expect(issuesAt(issues, "forced", true).map((issue) => issue.path)).toEqual(["forced", "forced.user-1"]);
  });

  it("names an empty number field rather than sending 0", () => {
    const form = validForm();
    form.coverage = "";
    expect(issuesAt(checkWizardForm(form, published).issues, "coverage")).toHaveLength(1);
  });

  it("shows the config a variant serves, and why when its overrides do not apply", () => {
    const applied = variantConfig(published, '{"maxCandidates": 123}');
    expect(applied.ok && applied.config.maxCandidates).toBe(123);
    const refused = variantConfig(published, '{"bogus": 1}');
    expect(refused.ok).toBe(false);
  });

  it("patches only what changed, and asks for a new phase when told to", () => {
    const form = wizardFormFromExperiment(stored);
    expect(updateFromForm(form, stored, false)).toEqual({ update: {}, issues: [], changed: [] });
    form.name = "Bigger candidate pool";
    form.variants[1]!.weight = "0.6";
    form.variants[0]!.weight = "0.4";
    const { update, changed, issues } = updateFromForm(form, stored, true);
    expect(issues).toEqual([]);
    expect(changed).toEqual(["name", "variants"]);
    expect(update).toMatchObject({ name: "Bigger candidate pool", newPhase: true, variants: [{ weight: 0.4 }, { weight: 0.6 }] });
  });

  it("round-trips forced users and re-ordered override keys without inventing changes", () => {
    const form = wizardFormFromExperiment({ ...stored, variants: stored.variants.map((variant) => ({ ...variant, overrides: { b: 1, a: 2 } })) });
    form.variants.forEach((variant) => (variant.overridesText = '{"a": 2, "b": 1}'));
    expect(updateFromForm(form, { ...stored, variants: stored.variants.map((variant) => ({ ...variant, overrides: { b: 1, a: 2 } })) }, false).changed).toEqual(
      [],
    );
    expect(parseForced(form.forcedText).forced).toEqual({ "user-1": "treatment" });
  });

  it("splits weights evenly with the rounding remainder on the first variant", () => {
    expect(evenWeights(3)).toEqual(["0.3334", "0.3333", "0.3333"]);
    expect(evenWeights(2)).toEqual(["0.5", "0.5"]);
  });
});

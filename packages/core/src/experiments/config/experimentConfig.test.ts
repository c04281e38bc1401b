import { describe, expect, it } from "vitest";
import { DEFAULT_SURFACE_CONFIGS } from "../../rules/defaultSurfaceConfigs.ts";
import { assignVariant } from "../assignment/assignment.ts";
import {
  checkExperimentReferences,
  controlVariant,
  effectiveCoverage,
  experimentUpdateSchema,
  experimentAssignmentSpec,
  experimentConfigSchema,
  type ExperimentConfig,
  type ExperimentConfigInput,
} from "./experimentConfig.ts";

const valid: ExperimentConfigInput = {
  key: "home-blend-likes",
  surface: "home",
  seed: "home-blend-likes-1",
  coverage: 0.5,
  variants: [
    { key: "control", weight: 0.5, isControl: true },
    { key: "likes", weight: 0.5, overrides: { blend: { like: 4 } } },
  ],
  forced: { "qa-1": "likes" },
  guardrails: [{ metric: "latency_p99", direction: "lowerIsBetter", threshold: 0.1 }],
};

function issues(input: unknown) {
  const parsed = experimentConfigSchema.safeParse(input);
  if (parsed.success) throw new Error("expected the experiment to be refused");
  return parsed.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
}

describe("experimentConfigSchema", () => {
  it("accepts a valid experiment and fills defaults", () => {
    const experiment = experimentConfigSchema.parse(valid);
    expect(experiment.unit).toBe("userId");
    expect(experiment.layer).toBeNull();
    expect(experiment.primaryMetric).toBe("ctr");
    expect(experiment.variants[0]!.overrides).toEqual({});
    expect(experiment.guardrails[0]!.thresholdKind).toBe("relative");
    expect(controlVariant(experiment).key).toBe("control");
    expect(experimentConfigSchema.parse({ ...valid, coverage: undefined, unit: "context.deviceId" })).toMatchObject({ coverage: 1, unit: "context.deviceId" });
  });

  it("accepts weights that sum to 1 within 1e-9 (thirds) and refuses the rest, naming variants", () => {
    const thirds = [1 / 3, 1 / 3, 1 / 3].map((weight, i) => ({ key: `v${i}`, weight }));
    expect(experimentConfigSchema.safeParse({ ...valid, variants: thirds, forced: {} }).success).toBe(true);
    expect(
      issues({
        ...valid,
        variants: [
          { key: "control", weight: 0.5 },
          { key: "likes", weight: 0.4 },
        ],
      }),
    ).toEqual([{ path: "variants", message: "weights must sum to 1, got 0.9" }]);
    expect(
      issues({
        ...valid,
        variants: [
          { key: "control", weight: 0.5 },
          { key: "likes", weight: 0.5 + 1e-8 },
        ],
      })[0]?.path,
    ).toBe("variants");
  });

  it("names the field for every other problem", () => {
    expect(issues({ ...valid, variants: [{ key: "control", weight: 1 }], forced: {} })).toEqual([{ path: "variants", message: "needs at least 2 variants" }]);
    expect(
      issues({
        ...valid,
        variants: [
          { key: "a", weight: 0.5 },
          { key: "a", weight: 0.5 },
        ],
        forced: {},
      }),
    ).toEqual([{ path: "variants.1.key", message: 'duplicate variant key "a"' }]);
    expect(issues({ ...valid, coverage: 0 })).toEqual([{ path: "coverage", message: "must be greater than 0" }]);
    expect(issues({ ...valid, coverage: 1.5 })[0]?.path).toBe("coverage");
    expect(issues({ ...valid, forced: { "qa-1": "nope" } })).toEqual([{ path: "forced.qa-1", message: '"nope" is not a variant of this experiment' }]);
    expect(issues({ ...valid, layer: { key: "l", start: 0.5, end: 0.5 } })).toEqual([{ path: "layer.end", message: "must be greater than start" }]);
    expect(issues({ ...valid, surface: "Home!" })[0]?.path).toBe("surface");
    expect(issues({ ...valid, unit: "deviceId" })[0]?.path).toBe("unit");
    expect(issues({ ...valid, salt: "x" })).toEqual([{ path: "", message: expect.stringContaining("salt") }]);
    expect(issues({ ...valid, guardrails: [...valid.guardrails!, { metric: "latency_p99", direction: "lowerIsBetter", threshold: 0.2 }] })).toEqual([
      { path: "guardrails.1.metric", message: 'duplicate guardrail "latency_p99"' },
    ]);
    expect(issues({ ...valid, guardrails: [{ metric: "ctr", direction: "up", threshold: 0.1 }] })[0]?.path).toBe("guardrails.0.direction");
    expect(issues({ ...valid, variants: valid.variants.map((variant) => ({ ...variant, isControl: true })) })).toEqual([
      { path: "variants", message: "at most one variant may be the control" },
    ]);
  });

  it("refuses non-whitelisted overrides inside a variant, naming the variant", () => {
    const variants = [valid.variants[0]!, { key: "likes", weight: 0.5, overrides: { page: { maxCount: 5 } } }];
    expect(issues({ ...valid, variants })).toEqual([{ path: "variants.1.overrides", message: expect.stringContaining("page") }]);
  });

  it("maps onto the assignment spec (forced QA users land in their variant)", () => {
    const experiment = experimentConfigSchema.parse(valid);
    const spec = experimentAssignmentSpec(experiment);
    expect(spec).toMatchObject({ key: "home-blend-likes", seed: "home-blend-likes-1", coverage: 0.5, layer: null, unit: "userId" });
    expect(spec.variants).toEqual([
      { key: "control", weight: 0.5 },
      { key: "likes", weight: 0.5 },
    ]);
    expect(assignVariant({ experiment: spec, unitId: "qa-1" })).toMatchObject({ variant: "likes", reason: "forced" });
  });
});

describe("checkExperimentReferences", () => {
  const withOverrides = (overrides: object): ExperimentConfig =>
    experimentConfigSchema.parse({ ...valid, variants: [valid.variants[0]!, { key: "likes", weight: 0.5, overrides }] });
  const context = {
    surfaceConfig: DEFAULT_SURFACE_CONFIGS.home,
    ruleSetConfigs: new Map([[3, DEFAULT_SURFACE_CONFIGS.related]]),
    modelVersions: [
      { id: "tt1", kind: "two_tower" },
      { id: "rk1", kind: "ranker" },
    ],
    metricIds: ["ctr", "latency_p99"],
  };

  it("passes an experiment whose references all exist", () => {
    expect(checkExperimentReferences(withOverrides({ models: { retrieval: "tt1", ranker: "rk1" }, ruleSetVersion: 3 }), context)).toEqual([]);
  });

  it("names unknown or wrong-kind model versions, unknown rule set versions and unknown metrics", () => {
    expect(checkExperimentReferences(withOverrides({ models: { retrieval: "rk1", ranker: "gone" }, ruleSetVersion: 9 }), context)).toEqual([
      { path: ["variants", 1, "overrides", "ruleSetVersion"], message: 'surface "home" has no rule set version 9' },
      { path: ["variants", 1, "overrides", "models", "retrieval"], message: 'model version "rk1" is a ranker, not a retrieval model' },
      { path: ["variants", 1, "overrides", "models", "ranker"], message: 'unknown model version "gone"' },
    ]);
    const unknownMetric = experimentConfigSchema.parse({ ...valid, guardrails: [{ metric: "revenue", direction: "higherIsBetter", threshold: 0.01 }] });
    expect(checkExperimentReferences(unknownMetric, context)).toEqual([{ path: ["guardrails", 0, "metric"], message: 'unknown metric "revenue"' }]);
  });

  it("applies each variant's overrides to its own base (the named rule set version) and names what breaks", () => {
    // "creatorDiversity" exists in home's config but not in rule set version 3 (related's).
    expect(checkExperimentReferences(withOverrides({ rules: { remove: ["creatorDiversity"] } }), context)).toEqual([]);
    expect(checkExperimentReferences(withOverrides({ ruleSetVersion: 3, rules: { remove: ["creatorDiversity"] } }), context)).toEqual([
      { path: ["variants", 1, "overrides", "rules", "remove", 0], message: 'no rule "creatorDiversity" in the base config' },
    ]);
    expect(checkExperimentReferences(withOverrides({ exploration: { policy: "epsilonGreedy", epsilon: 0.1, slots: [150] } }), context)).toEqual([
      { path: ["variants", 1, "config", "exploration", "slots"], message: "slot 150 is beyond page.maxCount 100" },
    ]);
  });
});

describe("ramp-up and updates", () => {
  it("refuses a ramp that lowers coverage, goes back in time or exceeds the target, naming the step", () => {
    const ramp = (rampUp: unknown) => ({ ...valid, coverage: 0.5, rampUp });
    expect(
      experimentConfigSchema.safeParse(
        ramp([
          { untilHours: 24, coverage: 0.05 },
          { untilHours: 72, coverage: 0.25 },
        ]),
      ).success,
    ).toBe(true);
    expect(
      issues(
        ramp([
          { untilHours: 24, coverage: 0.25 },
          { untilHours: 72, coverage: 0.05 },
        ]),
      )[0]?.path,
    ).toBe("rampUp.1.coverage");
    expect(
      issues(
        ramp([
          { untilHours: 24, coverage: 0.05 },
          { untilHours: 24, coverage: 0.1 },
        ]),
      )[0]?.path,
    ).toBe("rampUp.1.untilHours");
    expect(issues(ramp([{ untilHours: 24, coverage: 0.9 }]))[0]).toEqual({ path: "rampUp.0.coverage", message: "above the experiment's coverage 0.5" });
  });

  it("serves the first ramp step not yet over, then the target coverage", () => {
    const rampUp = [
      { untilHours: 24, coverage: 0.05 },
      { untilHours: 72, coverage: 0.25 },
    ];
    const hours = (h: number) => h * 3_600_000;
    expect(effectiveCoverage(rampUp, 1, 0)).toBe(0.05);
    expect(effectiveCoverage(rampUp, 1, hours(23.9))).toBe(0.05);
    expect(effectiveCoverage(rampUp, 1, hours(24))).toBe(0.25);
    expect(effectiveCoverage(rampUp, 1, hours(72))).toBe(1);
    expect(effectiveCoverage([], 0.4, hours(1))).toBe(0.4);
  });

  it("validates a partial update and defaults newPhase to false", () => {
    expect(experimentUpdateSchema.parse({ coverage: 0.8 })).toEqual({ coverage: 0.8, newPhase: false });
    const refused = experimentUpdateSchema.safeParse({ key: "renamed" });
    expect(refused.success).toBe(false);
  });
});

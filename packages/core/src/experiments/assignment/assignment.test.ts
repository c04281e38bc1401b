import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  assignExperiments,
  assignVariant,
  biasingChanges,
  holdoutBiasingChanges,
  isBiasingChange,
  layerOverlaps,
  variantRanges,
  type AssignmentChangeSpec,
  type ExperimentAssignmentSpec,
} from "./assignment.ts";
import { roundBucket, type GoldenFile } from "./goldenCases.ts";
import { murmurHash3String, murmurHash3x86_32 } from "./murmurHash3.ts";

const golden = JSON.parse(readFileSync(new URL("./assignment.golden.json", import.meta.url), "utf8")) as GoldenFile;

const fiftyFifty: ExperimentAssignmentSpec = {
  key: "e",
  seed: "e",
  coverage: 1,
  variants: [
    { key: "control", weight: 0.5 },
    { key: "treatment", weight: 0.5 },
  ],
};
const ids = (count: number, prefix = "user-") => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

describe("MurmurHash3 x86_32", () => {
  it("matches the published test vectors (smhasher reference), on UTF-8 bytes", () => {
    expect(murmurHash3String("", 0)).toBe(0);
    expect(murmurHash3String("", 1)).toBe(0x514e28b7);
    expect(murmurHash3String("", 0xffffffff)).toBe(0x81f16f39);
    expect(murmurHash3x86_32(new Uint8Array([0, 0, 0, 0]), 0)).toBe(0x2362f9de);
    expect(murmurHash3String("aaaa", 0x9747b28c)).toBe(0x5a97808a);
    expect(murmurHash3String("abc", 0)).toBe(0xb3dd93fa);
    expect(murmurHash3String("Hello, world!", 0x9747b28c)).toBe(0x24884cba);
    expect(murmurHash3String("The quick brown fox jumps over the lazy dog", 0)).toBe(0x2e4ff723);
    expect(murmurHash3String("The quick brown fox jumps over the lazy dog", 0x9747b28c)).toBe(0x2fa826cd);
    expect(murmurHash3String("ππππππππ", 0x9747b28c)).toBe(0xd58063c1);
  });
});

describe("assignment golden cases (assignment.golden.json)", () => {
  it("holds enough cases to pin every path: ≥ 50 assignments covering every reason", () => {
    expect(golden.assignments.length).toBeGreaterThanOrEqual(50);
    expect(new Set(golden.assignments.map((c) => c.expected.reason))).toEqual(new Set(["forced", "assigned", "not_covered", "holdout", "other_layer"]));
    expect(golden.hashes.length).toBeGreaterThan(0);
    expect(golden.buckets.length).toBeGreaterThan(0);
  });

  it("reproduces every stored 32-bit hash", () => {
    for (const c of golden.hashes) expect({ ...c, hash: murmurHash3String(c.text, c.seed) }).toEqual(c);
  });

  it("reproduces every stored bucket to 1e-9", () => {
    for (const c of golden.buckets) expect({ ...c, bucket: roundBucket(assignVariantBucket(c.salt, c.unitId)) }).toEqual(c);
  });

  it("reproduces every stored assignment (variant, reason, bucket to 1e-9)", () => {
    for (const c of golden.assignments) {
      const got = assignVariant({ experiment: c.experiment, unitId: c.unitId, holdout: c.holdout });
      expect({ name: c.name, unitId: c.unitId, ...got, bucket: roundBucket(got.bucket) }).toEqual({ name: c.name, unitId: c.unitId, ...c.expected });
    }
  });
});

// hashBucket through the public spec: bucket(salt, unit) = murmur(unit, murmur(salt, 0)) / 2^32.
function assignVariantBucket(salt: string, unitId: string) {
  return murmurHash3String(unitId, murmurHash3String(salt, 0)) / 2 ** 32;
}

describe("assignVariant", () => {
  it("forced units get their variant whatever their bucket, holdout or layer; unknown forced variants are ignored", () => {
    const experiment: ExperimentAssignmentSpec = {
      ...fiftyFifty,
      coverage: 0.01,
      layer: { key: "l", start: 0, end: 0.01 },
      forced: { "qa-1": "treatment", "qa-2": "gone", constructor: "control" },
    };
    const holdout = { seed: "h", fraction: 0.99 };
    expect(assignVariant({ experiment, unitId: "qa-1", holdout })).toMatchObject({ variant: "treatment", reason: "forced" });
    expect(assignVariant({ experiment, unitId: "qa-2", holdout }).reason).not.toBe("forced");
    expect(assignVariant({ experiment, unitId: "toString", holdout }).reason).not.toBe("forced");
  });

  it("refuses a malformed spec instead of dropping units silently", () => {
    const bad = {
      ...fiftyFifty,
      variants: [
        { key: "a", weight: 0.5 },
        { key: "b", weight: 0.6 },
      ],
    };
    expect(() => assignVariant({ experiment: bad, unitId: "u" })).toThrow(/weights must sum to 1/);
    expect(() => assignVariant({ experiment: { ...fiftyFifty, coverage: 0 }, unitId: "u" })).toThrow(/coverage/);
  });

  it("gives each variant [W_i, W_i + coverage·w_i)", () => {
    expect(
      variantRanges(
        [
          { key: "a", weight: 0.25 },
          { key: "b", weight: 0.75 },
        ],
        0.5,
      ),
    ).toEqual([
      { key: "a", start: 0, end: 0.125 },
      { key: "b", start: 0.25, end: 0.625 },
    ]);
  });
});

const weightsArb = fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 2, maxLength: 5 }).map((raw) => {
  const total = raw.reduce((a, b) => a + b, 0);
  const weights = raw.map((value) => value / total);
  weights[weights.length - 1] = 1 - weights.slice(0, -1).reduce((a, b) => a + b, 0);
  return weights.map((weight, i) => ({ key: `v${i}`, weight }));
});
const specArb = fc.record({
  key: fc.constant("exp"),
  seed: fc.string({ maxLength: 12 }),
  coverage: fc.double({ min: 0.01, max: 1, noNaN: true }),
  variants: weightsArb,
});

describe("assignment properties", () => {
  it("is deterministic: same inputs (even a copied spec) give the same answer", () => {
    fc.assert(
      fc.property(specArb, fc.string({ maxLength: 40 }), (experiment, unitId) => {
        const first = assignVariant({ experiment, unitId });
        expect(assignVariant({ experiment: structuredClone(experiment), unitId: `${unitId}` })).toEqual(first);
      }),
    );
  });

  it("raising coverage keeps every previously assigned unit's variant", () => {
    fc.assert(
      fc.property(specArb, fc.double({ min: 0, max: 1, noNaN: true }), (experiment, extra) => {
        const raised = { ...experiment, coverage: experiment.coverage + (1 - experiment.coverage) * extra };
        expect(isBiasingChange(experiment, raised)).toBe(false);
        for (const unitId of ids(300)) {
          const before = assignVariant({ experiment, unitId });
          if (before.variant !== null) expect(assignVariant({ experiment: raised, unitId }).variant).toBe(before.variant);
        }
      }),
      { numRuns: 50 },
    );
  });

  it("adding another experiment's slice elsewhere in the layer moves no unit, and slices stay mutually exclusive", () => {
    fc.assert(
      fc.property(specArb, fc.double({ min: 0, max: 0.5, noNaN: true }), fc.double({ min: 0.5, max: 1, noNaN: true }), (spec, split, end) => {
        fc.pre(split < end && split > 0);
        const a = { ...spec, layer: { key: "layer-1", start: 0, end: split } };
        const b = { ...fiftyFifty, key: "other", seed: "other", layer: { key: "layer-1", start: split, end } };
        expect(layerOverlaps([a, b])).toEqual([]);
        for (const unitId of ids(300)) {
          const alone = assignExperiments({ experiments: [a], unitId }).get("exp");
          const both = assignExperiments({ experiments: [a, b], unitId });
          expect(both.get("exp")).toEqual(alone);
          expect(both.get("exp")!.variant !== null && both.get("other")!.variant !== null).toBe(false);
        }
      }),
      { numRuns: 30 },
    );
  });

  it("a change isBiasingChange calls safe never moves an assigned unit (random edits)", () => {
    const layerArb = fc.option(
      fc.tuple(fc.constantFrom("l1", "l2"), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })).map(([key, x, y]) => ({
        key,
        start: Math.min(x, y),
        end: Math.max(x, y) === Math.min(x, y) ? 1 : Math.max(x, y),
      })),
      { nil: null },
    );
    const edit = fc.record({ seed: fc.constantFrom("s", "t"), coverage: fc.double({ min: 0.01, max: 1, noNaN: true }), layer: layerArb, variants: weightsArb });
    fc.assert(
      fc.property(edit, edit, fc.boolean(), (left, right, keepVariants) => {
        const before: AssignmentChangeSpec = { key: "e", ...left };
        const after: AssignmentChangeSpec = { key: "e", ...right, variants: keepVariants ? left.variants : right.variants };
        if (isBiasingChange(before, after)) return;
        for (const unitId of ids(200)) {
          const was = assignVariant({ experiment: before, unitId });
          if (was.reason === "assigned") expect(assignVariant({ experiment: after, unitId }).variant).toBe(was.variant);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("splits 100k ids within 5σ of coverage × weight per variant (and holdout/layer shares)", () => {
    const units = ids(100_000, "id-");
    const n = units.length;
    const within = (count: number, p: number) => expect(Math.abs(count - n * p)).toBeLessThan(5 * Math.sqrt(n * p * (1 - p)));
    fc.assert(
      fc.property(specArb, (experiment) => {
        const counts = new Map<string | null, number>();
        for (const unitId of units) {
          const { variant } = assignVariant({ experiment, unitId });
          counts.set(variant, (counts.get(variant) ?? 0) + 1);
        }
        for (const variant of experiment.variants) within(counts.get(variant.key) ?? 0, experiment.coverage * variant.weight);
      }),
      { numRuns: 5 },
    );
    const layered = { ...fiftyFifty, layer: { key: "l", start: 0.2, end: 0.5 } };
    const reasons = new Map<string, number>();
    for (const unitId of units) {
      const { reason } = assignVariant({ experiment: layered, unitId, holdout: { seed: "h", fraction: 0.1 } });
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    within(reasons.get("holdout") ?? 0, 0.1);
    within(reasons.get("assigned") ?? 0, 0.9 * 0.3);
  });
});

describe("biasingChanges", () => {
  const base: AssignmentChangeSpec = { ...fiftyFifty, coverage: 0.5, layer: { key: "l", start: 0.2, end: 0.6 } };
  const fields = (after: AssignmentChangeSpec) => biasingChanges(base, after).map((change) => change.field);

  it("flags re-shuffles and drops", () => {
    expect(fields({ ...base, seed: "new" })).toEqual(["seed"]);
    expect(fields({ ...base, unit: "context.deviceId" })).toEqual(["unit"]);
    expect(
      fields({
        ...base,
        variants: [
          { key: "control", weight: 0.4 },
          { key: "treatment", weight: 0.6 },
        ],
      }),
    ).toEqual(["variants"]);
    expect(fields({ ...base, variants: [...base.variants].reverse() })).toEqual(["variants"]);
    expect(fields({ ...base, coverage: 0.4 })).toEqual(["coverage"]);
    expect(fields({ ...base, layer: { key: "l", start: 0.3, end: 0.6 } })).toEqual(["layer"]);
    expect(fields({ ...base, layer: { key: "m", start: 0.2, end: 0.6 } })).toEqual(["layer"]);
    expect(biasingChanges({ ...base, layer: null }, base).map((change) => change.field)).toEqual(["layer"]);
  });

  it("allows ramp-up, wider slices, removing the layer and QA edits", () => {
    expect(fields({ ...base, coverage: 1 })).toEqual([]);
    expect(fields({ ...base, layer: { key: "l", start: 0.1, end: 0.7 } })).toEqual([]);
    expect(fields({ ...base, layer: null })).toEqual([]);
    expect(fields({ ...base, forced: { "qa-1": "treatment" } })).toEqual([]);
  });

  it("a weight change really does move assigned units (why it needs a new phase)", () => {
    const after = {
      ...fiftyFifty,
      variants: [
        { key: "control", weight: 0.3 },
        { key: "treatment", weight: 0.7 },
      ],
    };
    const moved = ids(1000).filter(
      (unitId) => assignVariant({ experiment: fiftyFifty, unitId }).variant !== assignVariant({ experiment: after, unitId }).variant,
    );
    expect(moved.length).toBeGreaterThan(100);
  });

  it("holdout: a new seed or a larger fraction drops units; a smaller one does not", () => {
    expect(holdoutBiasingChanges(null, { seed: "h", fraction: 0.1 })).toHaveLength(1);
    expect(holdoutBiasingChanges({ seed: "h", fraction: 0.1 }, { seed: "g", fraction: 0.1 })).toHaveLength(1);
    expect(holdoutBiasingChanges({ seed: "h", fraction: 0.1 }, { seed: "h", fraction: 0.2 })).toHaveLength(1);
    expect(holdoutBiasingChanges({ seed: "h", fraction: 0.2 }, { seed: "h", fraction: 0.1 })).toEqual([]);
    expect(holdoutBiasingChanges({ seed: "h", fraction: 0.2 }, null)).toEqual([]);
  });
});

describe("layerOverlaps", () => {
  it("names the experiment whose slice overlaps an earlier one in the same layer", () => {
    const a = { key: "a", layer: { key: "l", start: 0, end: 0.5 } };
    const b = { key: "b", layer: { key: "l", start: 0.4, end: 0.8 } };
    const c = { key: "c", layer: { key: "other", start: 0, end: 1 } };
    const d = { key: "d", layer: { key: "l", start: 0.8, end: 1 } };
    expect(layerOverlaps([a, b, c, d])).toEqual([{ path: [1, "layer"], message: expect.stringContaining('overlaps experiment "a"') }]);
  });
});

// Writes assignment.golden.json: run ONCE when the assignment spec is introduced
// (`node --import tsx packages/core/src/experiments/assignment/goldenCases.ts`), then never again
// unless the spec changes on purpose — which reshuffles every running experiment and every client.
// assignment.test.ts reads the JSON and compares, so a change to the hash fails the test.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { assignVariant, hashBucket, type AssignmentReason, type ExperimentAssignmentSpec, type HoldoutSpec } from "./assignment.ts";
import { murmurHash3String } from "./murmurHash3.ts";

export type GoldenHashCase = { text: string; seed: number; hash: number };
export type GoldenBucketCase = { salt: string; unitId: string; bucket: number };
export type GoldenAssignmentCase = {
  name: string;
  experiment: ExperimentAssignmentSpec;
  holdout: HoldoutSpec | null;
  unitId: string;
  expected: { variant: string | null; reason: AssignmentReason; bucket: number };
};
export type GoldenFile = { spec: string; hashes: GoldenHashCase[]; buckets: GoldenBucketCase[]; assignments: GoldenAssignmentCase[] };

export const roundBucket = (bucket: number) => Math.round(bucket * 1e9) / 1e9;

const UNITS = ["user-1", "user-2", "user-3", "u_42", "alice@example.com", "Zoë", "用户-7", "🙂", "", "0", "x".repeat(200)];

const SETUPS: { name: string; experiment: ExperimentAssignmentSpec; holdout: HoldoutSpec | null; mustSee: AssignmentReason[] }[] = [
  {
    name: "50/50, full coverage",
    experiment: {
      key: "home-blend",
      seed: "home-blend",
      coverage: 1,
      variants: [
        { key: "control", weight: 0.5 },
        { key: "treatment", weight: 0.5 },
      ],
    },
    holdout: null,
    mustSee: ["assigned"],
  },
  {
    name: "20/30/50 at 50 % coverage",
    experiment: {
      key: "three-way",
      seed: "s3",
      coverage: 0.5,
      variants: [
        { key: "a", weight: 0.2 },
        { key: "b", weight: 0.3 },
        { key: "c", weight: 0.5 },
      ],
    },
    holdout: null,
    mustSee: ["assigned", "not_covered"],
  },
  {
    name: "thirds",
    experiment: {
      key: "thirds",
      seed: "thirds-2026",
      coverage: 1,
      variants: [
        { key: "a", weight: 1 / 3 },
        { key: "b", weight: 1 / 3 },
        { key: "c", weight: 1 / 3 },
      ],
    },
    holdout: null,
    mustSee: ["assigned"],
  },
  {
    name: "10/90 at 5 % coverage",
    experiment: {
      key: "small-ramp",
      seed: "ramp",
      coverage: 0.05,
      variants: [
        { key: "control", weight: 0.1 },
        { key: "treatment", weight: 0.9 },
      ],
    },
    holdout: null,
    mustSee: ["assigned", "not_covered"],
  },
  {
    name: "a zero-weight variant",
    experiment: {
      key: "stopped-arm",
      seed: "stopped-arm",
      coverage: 1,
      variants: [
        { key: "dropped", weight: 0 },
        { key: "control", weight: 0.5 },
        { key: "treatment", weight: 0.5 },
      ],
    },
    holdout: null,
    mustSee: ["assigned"],
  },
  {
    name: "layer slice [0.25, 0.75)",
    experiment: {
      key: "layered",
      seed: "layered",
      coverage: 0.8,
      variants: [
        { key: "control", weight: 0.5 },
        { key: "treatment", weight: 0.5 },
      ],
      layer: { key: "home-ranking", start: 0.25, end: 0.75 },
    },
    holdout: null,
    mustSee: ["assigned", "other_layer", "not_covered"],
  },
  {
    name: "global holdout 20 %",
    experiment: {
      key: "with-holdout",
      seed: "with-holdout",
      coverage: 1,
      variants: [
        { key: "control", weight: 0.5 },
        { key: "treatment", weight: 0.5 },
      ],
      layer: { key: "home-ranking", start: 0, end: 0.5 },
    },
    holdout: { seed: "global-2026", fraction: 0.2 },
    mustSee: ["assigned", "holdout", "other_layer"],
  },
  {
    name: "forced QA users",
    experiment: {
      key: "forced",
      seed: "forced",
      coverage: 0.3,
      variants: [
        { key: "control", weight: 0.5 },
        { key: "treatment", weight: 0.5 },
      ],
      forced: { "qa-1": "treatment", "qa-2": "control", "qa-3": "no-such-variant" },
    },
    holdout: { seed: "global-2026", fraction: 0.5 },
    mustSee: ["forced", "assigned", "holdout", "not_covered"],
  },
];

export function buildGoldenFile(): GoldenFile {
  const hashes: GoldenHashCase[] = [];
  for (const text of ["", "a", "user-1", "Zoë", "用户-7", "🙂", "alice@example.com"])
    for (const seed of [0, 1, 0x9747b28c, 0xffffffff]) hashes.push({ text, seed, hash: murmurHash3String(text, seed) });
  const buckets: GoldenBucketCase[] = [];
  for (const salt of ["experiment:home-blend", "layer:home-ranking", "holdout:global-2026", ""])
    for (const unitId of UNITS.slice(0, 8)) buckets.push({ salt, unitId, bucket: roundBucket(hashBucket(salt, unitId)) });
  const assignments: GoldenAssignmentCase[] = [];
  for (const setup of SETUPS) {
    const units = [...UNITS.slice(0, 6), ...Object.keys(setup.experiment.forced ?? {})];
    // Add generated ids until every reason this setup can produce appears at least once.
    for (let i = 100; setup.mustSee.some((reason) => !units.some((unitId) => reasonOf(setup, unitId) === reason)); i += 1) {
      if (i > 100_000) throw new Error(`setup "${setup.name}" never produced ${setup.mustSee.join(", ")}`);
      const unitId = `user-${i}`;
      if (!units.includes(unitId) && !units.some((other) => reasonOf(setup, other) === reasonOf(setup, unitId))) units.push(unitId);
    }
    for (const unitId of units) {
      const result = assignVariant({ experiment: setup.experiment, unitId, holdout: setup.holdout });
      assignments.push({
        name: setup.name,
        experiment: setup.experiment,
        holdout: setup.holdout,
        unitId,
        expected: { variant: result.variant, reason: result.reason, bucket: roundBucket(result.bucket) },
      });
    }
  }
  return {
    spec: "packages/core/src/experiments/assignment/assignment.ts (top comment): bucket(salt, unit) = murmur3_x86_32(utf8(unit), murmur3_x86_32(utf8(salt), 0)) / 2^32",
    hashes,
    buckets,
    assignments,
  };
}

function reasonOf(setup: (typeof SETUPS)[number], unitId: string): AssignmentReason {
  return assignVariant({ experiment: setup.experiment, unitId, holdout: setup.holdout }).reason;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const target = new URL("./assignment.golden.json", import.meta.url);
  writeFileSync(target, JSON.stringify(buildGoldenFile(), null, 2) + "\n");
  console.log(`wrote ${fileURLToPath(target)}`);
}

// Deterministic, stateless assignment of a unit (a user id by default) to an experiment variant.
// Pure: the same inputs give the same answer on every engine replica and in every client, with no
// shared state; assignment.golden.json pins it, so the hash can never silently change.
//
// SPECIFICATION (what a client in another language implements):
//
//   hash32(text, seed)   = MurmurHash3_x86_32(UTF-8 bytes of text, seed), unsigned
//   bucket(salt, unitId) = hash32(unitId, hash32(salt, 0)) / 2^32              ∈ [0, 1)
//
//   salts: an experiment "experiment:" + seed; a layer "layer:" + layer key; the global holdout
//   "holdout:" + holdout seed. The prefixes keep the three hashes independent even when an
//   experiment's seed equals a layer's key.
//
//   For unit u and experiment e (first rule that applies wins):
//   1. forced:      e.forced[u] names one of e's variants                   → that variant
//   2. holdout:     bucket("holdout:" + h.seed, u) < h.fraction               → null
//   3. other_layer: e.layer and not (start ≤ bucket("layer:" + key, u) < end) → null
//   4. b = bucket("experiment:" + e.seed, u); variant i owns
//        [W_i, W_i + coverage · w_i)   where W_i = w_0 + … + w_(i−1)  (weights in declared order)
//      assigned:    b falls in a variant's range                             → that variant
//      not_covered: otherwise                                                → null
//
// Why raising coverage never moves a unit: a variant's range starts at the fixed offset W_i (the
// sum of the earlier weights, independent of coverage) and only its end grows with coverage, so a
// unit inside a range stays inside it (GrowthBook's getBucketRanges). What is safe to change on a
// running experiment, and what is not, is decided by `biasingChanges` below.
import { murmurHash3String } from "./murmurHash3.ts";

export type VariantWeight = { key: string; weight: number };

/** An experiment's slice of a layer: it owns the units whose layer bucket is in [start, end). */
export type LayerSlot = { key: string; start: number; end: number };

/** What assignment needs of an experiment (the stored experiment config maps onto it). */
export type ExperimentAssignmentSpec = {
  key: string;
  /** Salt of the experiment's hash (Prisma `Experiment.salt`); changing it reshuffles every unit. */
  seed: string;
  /** Share of eligible units that enter the experiment, in (0, 1] (Prisma `Experiment.trafficFraction`). */
  coverage: number;
  /** Variants in a fixed order with weights summing to 1. */
  variants: readonly VariantWeight[];
  /** Mutually exclusive layer: only units in this experiment's slice of the layer are eligible. */
  layer?: LayerSlot | null;
  /** QA allow-list: unit id → variant key (wins over everything else). */
  forced?: Readonly<Record<string, string>>;
};

/** The global holdout: this share of units (by its own seeded hash) is in no experiment. */
export type HoldoutSpec = { seed: string; fraction: number };

export type AssignmentReason = "forced" | "assigned" | "not_covered" | "holdout" | "other_layer";

export type Assignment = {
  variant: string | null;
  reason: AssignmentReason;
  /** The unit's bucket in the experiment's own hash, in [0, 1) (reported whatever the reason). */
  bucket: number;
};

export const EXPERIMENT_SALT_PREFIX = "experiment:";
export const LAYER_SALT_PREFIX = "layer:";
export const HOLDOUT_SALT_PREFIX = "holdout:";

/** Tolerance on the sum of the weights (stored weights are decimal fractions such as 1/3). */
export const WEIGHT_SUM_TOLERANCE = 1e-9;

const TWO_POW_32 = 4294967296;

/** A unit's position in [0, 1) under a salt: hash32(unitId, hash32(salt, 0)) / 2^32 (see the spec above). */
export function hashBucket(salt: string, unitId: string): number {
  return murmurHash3String(unitId, murmurHash3String(salt, 0)) / TWO_POW_32;
}

export function experimentBucket(seed: string, unitId: string): number {
  return hashBucket(EXPERIMENT_SALT_PREFIX + seed, unitId);
}
export function layerBucket(layerKey: string, unitId: string): number {
  return hashBucket(LAYER_SALT_PREFIX + layerKey, unitId);
}
export function holdoutBucket(holdoutSeed: string, unitId: string): number {
  return hashBucket(HOLDOUT_SALT_PREFIX + holdoutSeed, unitId);
}

export type VariantRange = { key: string; start: number; end: number };

/** Each variant's half-open range [start, end) of the experiment bucket (see the spec above). */
export function variantRanges(variants: readonly VariantWeight[], coverage: number): VariantRange[] {
  let offset = 0;
  return variants.map(({ key, weight }) => {
    const start = offset;
    offset += weight;
    return { key, start, end: start + coverage * weight };
  });
}

/** What is wrong with a spec for assignment (empty when it can be used). The zod schema checks the same at save time. */
export function assignmentSpecProblems(experiment: ExperimentAssignmentSpec): string[] {
  const problems: string[] = [];
  if (!(experiment.coverage > 0 && experiment.coverage <= 1)) problems.push(`coverage must be in (0, 1], got ${experiment.coverage}`);
  if (experiment.variants.length < 2) problems.push("needs at least 2 variants");
  if (experiment.variants.some((variant) => !(variant.weight >= 0 && variant.weight <= 1))) problems.push("every weight must be in [0, 1]");
  const sum = experiment.variants.reduce((total, variant) => total + variant.weight, 0);
  if (!(Math.abs(sum - 1) <= WEIGHT_SUM_TOLERANCE)) problems.push(`weights must sum to 1, got ${sum}`);
  if (new Set(experiment.variants.map((variant) => variant.key)).size !== experiment.variants.length) problems.push("variant keys must be unique");
  const layer = experiment.layer;
  if (layer && !(layer.start >= 0 && layer.start < layer.end && layer.end <= 1))
    problems.push(`layer range must satisfy 0 ≤ start < end ≤ 1, got [${layer.start}, ${layer.end})`);
  return problems;
}

/**
 * Assign `unitId` to a variant of `experiment` (see the spec at the top of this file).
 * Throws on a malformed spec (weights not summing to 1, coverage out of range…): those are refused
 * when an experiment is saved, so reaching one here is a bug to surface, not a unit to drop silently.
 */
export function assignVariant(input: { experiment: ExperimentAssignmentSpec; unitId: string; holdout?: HoldoutSpec | null }): Assignment {
  const { experiment, unitId, holdout } = input;
  const problems = assignmentSpecProblems(experiment);
  if (problems.length > 0) throw new RangeError(`experiment "${experiment.key}": ${problems.join("; ")}`);
  const bucket = experimentBucket(experiment.seed, unitId);
  const forced = experiment.forced;
  if (forced && Object.hasOwn(forced, unitId)) {
    const key = forced[unitId];
    if (experiment.variants.some((variant) => variant.key === key)) return { variant: key!, reason: "forced", bucket };
  }
  if (holdout && holdout.fraction > 0 && holdoutBucket(holdout.seed, unitId) < holdout.fraction) return { variant: null, reason: "holdout", bucket };
  const layer = experiment.layer;
  if (layer) {
    const position = layerBucket(layer.key, unitId);
    if (!(position >= layer.start && position < layer.end)) return { variant: null, reason: "other_layer", bucket };
  }
  for (const range of variantRanges(experiment.variants, experiment.coverage)) {
    if (bucket >= range.start && bucket < range.end) return { variant: range.key, reason: "assigned", bucket };
  }
  return { variant: null, reason: "not_covered", bucket };
}

/** Assignments of one unit to several experiments (e.g. every running experiment of a surface), by experiment key. */
export function assignExperiments(input: {
  experiments: readonly ExperimentAssignmentSpec[];
  unitId: string;
  holdout?: HoldoutSpec | null;
}): Map<string, Assignment> {
  return new Map(input.experiments.map((experiment) => [experiment.key, assignVariant({ experiment, unitId: input.unitId, holdout: input.holdout })]));
}

export type AssignmentIssue = { path: (string | number)[]; message: string };

/**
 * Experiments whose slices of the same layer overlap (the layer would no longer be mutually
 * exclusive). `path` points at the later experiment's `layer`.
 */
export function layerOverlaps(experiments: readonly Pick<ExperimentAssignmentSpec, "key" | "layer">[]): AssignmentIssue[] {
  const issues: AssignmentIssue[] = [];
  experiments.forEach((experiment, index) => {
    const slot = experiment.layer;
    if (!slot) return;
    for (let other = 0; other < index; other += 1) {
      const earlier = experiments[other]!.layer;
      if (earlier && earlier.key === slot.key && slot.start < earlier.end && earlier.start < slot.end)
        issues.push({
          path: [index, "layer"],
          message: `[${slot.start}, ${slot.end}) of layer "${slot.key}" overlaps experiment "${experiments[other]!.key}"'s [${earlier.start}, ${earlier.end})`,
        });
    }
  });
  return issues;
}

/** Assignment inputs that decide who is in which variant, plus the unit type (user id, …). */
export type AssignmentChangeSpec = ExperimentAssignmentSpec & { unit?: string };

export type BiasingChange = { field: string; message: string };

/**
 * The changes from `before` to `after` that would move or drop units already assigned to a
 * variant, and so bias a running experiment (its lifecycle must refuse them or start a new phase).
 *
 * Biasing (re-shuffles or drops assigned units):
 * - `seed`: every unit gets a new bucket;
 * - `unit`: a different population is hashed;
 * - variants added, removed, reordered or renamed, or any weight changed: the fixed offsets W_i
 *   move, so units change variant (a unit in [W_i, …) may now fall in another range);
 * - lowering `coverage`: assigned units leave the experiment;
 * - `layer`: adding one, changing its key, or shrinking the slice (start up or end down).
 *
 * Safe (every assigned unit keeps its variant; units only join):
 * - raising `coverage` (ramp-up), widening the layer slice, removing the layer;
 * - editing `forced` (QA units; analysis should leave out reason "forced");
 * - the experiment `key` (not hashed; the seed is).
 *
 * The global holdout is checked separately: `holdoutBiasingChanges`.
 */
export function biasingChanges(before: AssignmentChangeSpec, after: AssignmentChangeSpec): BiasingChange[] {
  const changes: BiasingChange[] = [];
  if (before.seed !== after.seed) changes.push({ field: "seed", message: "changing the seed reshuffles every unit" });
  if ((before.unit ?? "userId") !== (after.unit ?? "userId")) changes.push({ field: "unit", message: "changing the unit hashes a different population" });
  const sameVariants =
    before.variants.length === after.variants.length &&
    before.variants.every((variant, index) => variant.key === after.variants[index]!.key && variant.weight === after.variants[index]!.weight);
  if (!sameVariants)
    changes.push({
      field: "variants",
      message: "adding, removing, reordering or renaming variants, or changing a weight, moves assigned units between variants",
    });
  if (after.coverage < before.coverage) changes.push({ field: "coverage", message: "lowering coverage drops assigned units from the experiment" });
  const [was, now] = [before.layer ?? null, after.layer ?? null];
  if (now) {
    if (!was) changes.push({ field: "layer", message: "putting a running experiment in a layer drops the units outside its slice" });
    else if (was.key !== now.key) changes.push({ field: "layer", message: "changing the layer reshuffles which units are eligible" });
    else if (now.start > was.start || now.end < was.end) changes.push({ field: "layer", message: "shrinking the layer slice drops assigned units" });
  }
  return changes;
}

/** True when the change would bias a running experiment (see `biasingChanges`). */
export function isBiasingChange(before: AssignmentChangeSpec, after: AssignmentChangeSpec): boolean {
  return biasingChanges(before, after).length > 0;
}

/** Changing the holdout's seed, or raising its fraction, takes assigned units out of every running experiment. */
export function holdoutBiasingChanges(before: HoldoutSpec | null, after: HoldoutSpec | null): BiasingChange[] {
  const was = before && before.fraction > 0 ? before : null;
  const now = after && after.fraction > 0 ? after : null;
  if (!now) return [];
  if (!was) return [{ field: "holdout", message: "adding a holdout drops its units from every running experiment" }];
  if (was.seed !== now.seed) return [{ field: "holdout.seed", message: "changing the holdout seed moves units into the holdout" }];
  if (now.fraction > was.fraction) return [{ field: "holdout.fraction", message: "raising the holdout fraction drops units from every running experiment" }];
  return [];
}

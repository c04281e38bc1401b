// A/B experiment lifecycle: create (draft) → start (running) → stop, or ship a variant (its config
// published to the surface as a new rule-set version, and the experiment stopped). One owner, like
// ruleSets.ts: the engine's admin API and (later) the console call these; every change is audited.
// Engines pick running experiments up within their refresh interval.
//
// Stored: key, name, hypothesis, surface, salt (`seed`), trafficFraction (`coverage`), rampUp,
// unit, layer (key/start/end), forced, primaryMetric, guardrails, phase, variants (key, name,
// weight, isControl, overrides, stoppedAt/stopReason). Variants are stored and hashed in key order
// (rows have no order column), so a client assigning with core's `assignVariant` lists them sorted
// by key. Variants may pin model versions (served beside the active ones) and a rule-set version of
// the surface (the base their overrides apply to); both are checked to exist when saved.
//
// Bias guards: layers stay mutually exclusive (a slice overlapping a draft or running experiment of
// the same layer is refused at save and at start). A running experiment refuses a change that would
// move assigned units or change a treatment mid-flight (core's biasingChanges, plus any change to a
// variant's overrides) unless the caller asks for a new phase: the phase number goes up, exposures
// and results count afresh from then, and stopped variants re-enter. Variants that served units are
// never deleted; stop them instead (their units are served the control's config).
import {
  biasingChanges,
  checkExperimentReferences,
  EXPERIMENT_METRIC_IDS,
  experimentConfigSchema,
  experimentUpdateSchema,
  guardrailSchema,
  layerOverlaps,
  rampStepSchema,
  safeApplyVariantOverrides,
  surfaceConfigSchema,
  variantOverridesSchema,
  type ExperimentConfig,
  type ExperimentConfigInput,
  type ExperimentUpdateInput,
  type Guardrail,
  type RampStep,
  type SurfaceConfig,
} from "@cascade/core";
import { z } from "zod";
import type { Database } from "./client.ts";
import type { Experiment, ExperimentStatus, ExperimentVariant, Prisma } from "./generated/prisma/client.ts";
import { publishRuleSet, surfaceConfigOf, type RuleSetActor } from "./ruleSets.ts";

export type ExperimentActor = RuleSetActor;

export type ExperimentIssue = { path: string; message: string };

export class ExperimentChangeRefused extends Error {
  constructor(
    readonly reason: "not_found" | "invalid" | "conflict",
    message: string,
    readonly issues: ExperimentIssue[] = [],
  ) {
    super(message);
    this.name = "ExperimentChangeRefused";
  }
}

export type ExperimentWithVariants = Experiment & { variants: ExperimentVariant[] };

/** The stored guardrails (validated on write; a row that no longer parses reads as none). */
export function guardrailsOf(experiment: Pick<Experiment, "guardrails">): Guardrail[] {
  const parsed = z.array(guardrailSchema).safeParse(experiment.guardrails);
  return parsed.success ? parsed.data : [];
}

export function rampUpOf(experiment: Pick<Experiment, "rampUp">): RampStep[] {
  const parsed = z.array(rampStepSchema).safeParse(experiment.rampUp);
  return parsed.success ? parsed.data : [];
}

const withVariants = { variants: { orderBy: { key: "asc" } } } as const;

function issuesOf(error: { issues: { path: PropertyKey[]; message: string }[] }): ExperimentIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join(".") || "body", message: issue.message }));
}

/** Validates and stores a draft experiment; refuses (with every issue) what cannot be served. */
export async function createExperiment(db: Database, input: ExperimentConfigInput, actor: ExperimentActor): Promise<ExperimentWithVariants> {
  const parsed = experimentConfigSchema.safeParse(input);
  if (!parsed.success) throw new ExperimentChangeRefused("invalid", "the experiment does not validate", issuesOf(parsed.error));
  const config = parsed.data;
  const issues = await worldIssues(db, config, null);
  if (await db.experiment.findUnique({ where: { key: config.key } })) issues.push({ path: "key", message: `an experiment "${config.key}" already exists` });
  if (issues.length > 0) throw new ExperimentChangeRefused("invalid", "the experiment cannot be created", issues);
  return db.$transaction(async (tx) => {
    const experiment = await tx.experiment.create({
      data: {
        key: config.key,
        name: config.name ?? config.key,
        hypothesis: config.hypothesis,
        surfaceId: config.surface,
        ...settingsData(config),
        variants: { create: sortedVariants(config).map(variantData) },
      },
      include: withVariants,
    });
    await audit(tx, actor, "experiment.create", experiment.id, null, summary(experiment));
    return experiment;
  });
}

/** The columns an experiment config sets (all but key, surface and variants). */
function settingsData(config: ExperimentConfig) {
  return {
    salt: config.seed,
    trafficFraction: config.coverage,
    rampUp: config.rampUp as Prisma.InputJsonValue,
    unit: config.unit,
    layerKey: config.layer?.key ?? null,
    layerStart: config.layer?.start ?? null,
    layerEnd: config.layer?.end ?? null,
    forced: config.forced as Prisma.InputJsonValue,
    primaryMetric: config.primaryMetric,
    guardrails: config.guardrails as Prisma.InputJsonValue,
  };
}

function sortedVariants(config: ExperimentConfig) {
  return [...config.variants].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function variantData(variant: ExperimentConfig["variants"][number]) {
  return { key: variant.key, name: variant.name ?? variant.key, weight: variant.weight, isControl: variant.isControl, overrides: variant.overrides as object };
}

/** The stored experiment as core's config (what an update is merged onto and re-validated as). */
export function experimentConfigOf(row: ExperimentWithVariants): ExperimentConfig {
  return {
    key: row.key,
    name: row.name,
    hypothesis: row.hypothesis,
    surface: row.surfaceId,
    unit: row.unit,
    seed: row.salt,
    coverage: row.trafficFraction,
    rampUp: rampUpOf(row),
    layer: layerOf(row),
    variants: row.variants.map((variant) => ({
      key: variant.key,
      name: variant.name,
      weight: variant.weight,
      isControl: variant.isControl,
      overrides: variant.overrides as ExperimentConfig["variants"][number]["overrides"],
    })),
    forced: (row.forced ?? {}) as Record<string, string>,
    primaryMetric: row.primaryMetric,
    guardrails: guardrailsOf(row),
  };
}

export function layerOf(row: Pick<Experiment, "layerKey" | "layerStart" | "layerEnd">): ExperimentConfig["layer"] {
  return row.layerKey !== null && row.layerStart !== null && row.layerEnd !== null ? { key: row.layerKey, start: row.layerStart, end: row.layerEnd } : null;
}

/**
 * What needs the world: the surface exists, every variant applies to what it serves now (and names
 * only what serving can hold), metrics are in the catalogue, and the layer slice is free among the
 * draft and running experiments (`self` excluded).
 */
async function worldIssues(db: Database, config: ExperimentConfig, self: string | null): Promise<ExperimentIssue[]> {
  const issues: ExperimentIssue[] = [];
  const surface = await db.surface.findUnique({ where: { id: config.surface } });
  if (!surface) issues.push({ path: "surface", message: `unknown surface "${config.surface}"` });
  else {
    // Only what a variant names is read: the rule set versions and model versions it pins.
    const pinnedVersions = [
      ...new Set(config.variants.flatMap((variant) => (variant.overrides.ruleSetVersion === undefined ? [] : [variant.overrides.ruleSetVersion]))),
    ];
    const pinnedModels = [...new Set(config.variants.flatMap((variant) => Object.values(variant.overrides.models ?? {})))];
    const ruleSets = pinnedVersions.length > 0 ? await db.ruleSet.findMany({ where: { surfaceId: config.surface, version: { in: pinnedVersions } } }) : [];
    const ruleSetConfigs = new Map<number, SurfaceConfig>();
    for (const row of ruleSets) {
      const parsed = surfaceConfigSchema.safeParse(row.config);
      if (parsed.success) ruleSetConfigs.set(row.version, parsed.data);
    }
    const modelVersions =
      pinnedModels.length > 0
        ? await db.modelVersion.findMany({ where: { id: { in: pinnedModels }, status: { not: "retired" } }, select: { id: true, kind: true } })
        : [];
    const references = checkExperimentReferences(config, { surfaceConfig: await surfaceConfigOf(db, config.surface), ruleSetConfigs, modelVersions });
    for (const issue of references) issues.push({ path: issue.path.join("."), message: issue.message });
  }
  const known = new Set<string>(EXPERIMENT_METRIC_IDS);
  if (!known.has(config.primaryMetric)) issues.push({ path: "primaryMetric", message: `unknown metric "${config.primaryMetric}"` });
  config.guardrails.forEach((guardrail, index) => {
    if (!known.has(guardrail.metric)) issues.push({ path: `guardrails.${index}.metric`, message: `unknown metric "${guardrail.metric}"` });
  });
  if (config.layer) {
    const others = await db.experiment.findMany({
      where: { layerKey: config.layer.key, status: { in: ["draft", "running"] }, ...(self ? { id: { not: self } } : {}) },
      select: { key: true, layerKey: true, layerStart: true, layerEnd: true },
    });
    const overlaps = layerOverlaps([...others.map((other) => ({ key: other.key, layer: layerOf(other) })), { key: config.key, layer: config.layer }]);
    for (const overlap of overlaps) if (overlap.path[0] === others.length) issues.push({ path: "layer", message: overlap.message });
  }
  return issues;
}

export async function listExperiments(db: Database, filter: { surface?: string; status?: ExperimentStatus } = {}): Promise<ExperimentWithVariants[]> {
  return db.experiment.findMany({
    where: { ...(filter.surface ? { surfaceId: filter.surface } : {}), ...(filter.status ? { status: filter.status } : {}) },
    include: withVariants,
    orderBy: { createdAt: "desc" },
  });
}

export async function getExperiment(db: Database, id: string): Promise<ExperimentWithVariants> {
  const experiment = await db.experiment.findUnique({ where: { id }, include: withVariants });
  if (!experiment) throw new ExperimentChangeRefused("not_found", `no experiment ${id}`);
  return experiment;
}

/** draft → running (refused while its layer slice overlaps a running experiment's). */
export async function startExperiment(db: Database, id: string, actor: ExperimentActor): Promise<ExperimentWithVariants> {
  const experiment = await getExperiment(db, id);
  const layer = layerOf(experiment);
  if (layer) {
    const running = await db.experiment.findMany({ where: { layerKey: layer.key, status: "running", id: { not: id } } });
    const overlaps = layerOverlaps([...running.map((other) => ({ key: other.key, layer: layerOf(other) })), { key: experiment.key, layer }]);
    const mine = overlaps.filter((overlap) => overlap.path[0] === running.length);
    if (mine.length > 0) throw new ExperimentChangeRefused("conflict", mine[0]!.message, [{ path: "layer", message: mine[0]!.message }]);
  }
  const now = new Date();
  return transition(db, id, actor, "experiment.start", ["draft"], { status: "running", startedAt: now, phaseStartedAt: now });
}

/**
 * Edits an experiment. A draft takes any change (re-validated whole). A running one takes changes
 * that keep every assigned unit where it is and every treatment as it was (name, hypothesis,
 * raising coverage, ramp-up, forced QA users, guardrails, primary metric); anything else is refused
 * with the reasons unless `newPhase`, which starts phase N+1. A stopped experiment is final.
 */
export async function updateExperiment(db: Database, id: string, input: ExperimentUpdateInput, actor: ExperimentActor): Promise<ExperimentWithVariants> {
  const parsedUpdate = experimentUpdateSchema.safeParse(input);
  if (!parsedUpdate.success) throw new ExperimentChangeRefused("invalid", "the change does not validate", issuesOf(parsedUpdate.error));
  const { newPhase, ...update } = parsedUpdate.data;
  const before = await getExperiment(db, id);
  if (before.status === "stopped") throw new ExperimentChangeRefused("conflict", `experiment ${before.key} is stopped; create a new one`);
  const current = experimentConfigOf(before);
  const merged = experimentConfigSchema.safeParse({ ...current, ...Object.fromEntries(Object.entries(update).filter(([, value]) => value !== undefined)) });
  if (!merged.success) throw new ExperimentChangeRefused("invalid", "the changed experiment does not validate", issuesOf(merged.error));
  const config = merged.data;
  const issues = await worldIssues(db, config, id);
  if (issues.length > 0) throw new ExperimentChangeRefused("invalid", "the changed experiment cannot be served", issues);

  const storedVariants = sortedVariants(current);
  const nextVariants = sortedVariants(config);
  const removed = storedVariants.filter((variant) => !nextVariants.some((next) => next.key === variant.key));
  let startsPhase = false;
  if (before.status === "running") {
    const biasing = biasingChanges({ ...assignmentOf(current), variants: storedVariants }, { ...assignmentOf(config), variants: nextVariants }).map(
      (change) => ({ path: change.field, message: change.message }),
    );
    nextVariants.forEach((variant, index) => {
      const was = storedVariants.find((stored) => stored.key === variant.key);
      if (was && JSON.stringify(was.overrides) !== JSON.stringify(variant.overrides))
        biasing.push({ path: `variants.${index}.overrides`, message: `changing variant "${variant.key}"'s config changes its treatment mid-experiment` });
    });
    if (removed.length > 0)
      return refuse(`variants ${removed.map((variant) => `"${variant.key}"`).join(", ")} served units and cannot be removed; stop them instead`);
    if (biasing.length > 0 && !newPhase)
      throw new ExperimentChangeRefused("conflict", "the change would bias the running experiment; send newPhase: true to start a new phase", biasing);
    startsPhase = biasing.length > 0 || newPhase;
  } else if (newPhase) return refuse("only a running experiment has phases");

  return db.$transaction(async (tx) => {
    const now = new Date();
    await tx.experiment.update({
      where: { id },
      data: {
        name: config.name ?? config.key,
        hypothesis: config.hypothesis,
        ...settingsData(config),
        ...(startsPhase ? { phase: before.phase + 1, phaseStartedAt: now } : {}),
      },
    });
    if (removed.length > 0) await tx.experimentVariant.deleteMany({ where: { experimentId: id, key: { in: removed.map((variant) => variant.key) } } });
    for (const variant of nextVariants) {
      await tx.experimentVariant.upsert({
        where: { experimentId_key: { experimentId: id, key: variant.key } },
        create: { experimentId: id, ...variantData(variant) },
        update: { ...variantData(variant), ...(startsPhase ? { stoppedAt: null, stopReason: null } : {}) },
      });
    }
    const after = await tx.experiment.findUniqueOrThrow({ where: { id }, include: withVariants });
    await audit(tx, actor, startsPhase ? "experiment.new_phase" : "experiment.update", id, summary(before), summary(after));
    return after;
  });
}

function refuse(message: string): never {
  throw new ExperimentChangeRefused("conflict", message, [{ path: "variants", message }]);
}

function assignmentOf(config: ExperimentConfig) {
  return { key: config.key, seed: config.seed, coverage: config.coverage, layer: config.layer, unit: config.unit };
}

/**
 * Stops one treatment of a running experiment: from then its units are served the control's config
 * and no new unit is exposed to it. The reason goes to the audit log (a guardrail names its metric
 * and numbers). When no treatment is left running, the experiment stops.
 */
export async function stopVariant(db: Database, id: string, variantKey: string, reason: string, actor: ExperimentActor): Promise<ExperimentWithVariants> {
  const stopped = await db.$transaction(async (tx) => {
    const before = await tx.experiment.findUnique({ where: { id }, include: withVariants });
    if (!before) throw new ExperimentChangeRefused("not_found", `no experiment ${id}`);
    if (before.status !== "running") throw new ExperimentChangeRefused("conflict", `experiment ${before.key} is ${before.status}, not running`);
    const variant = before.variants.find((candidate) => candidate.key === variantKey);
    if (!variant) throw new ExperimentChangeRefused("not_found", `experiment ${before.key} has no variant "${variantKey}"`);
    if (variant.id === controlOf(before).id) throw new ExperimentChangeRefused("conflict", "the control cannot be stopped; stop the experiment instead");
    if (variant.stoppedAt) throw new ExperimentChangeRefused("conflict", `variant "${variantKey}" is already stopped`);
    const { count } = await tx.experimentVariant.updateMany({
      where: { id: variant.id, stoppedAt: null },
      data: { stoppedAt: new Date(), stopReason: reason },
    });
    if (count === 0) throw new ExperimentChangeRefused("conflict", `variant "${variantKey}" changed meanwhile`);
    const after = await tx.experiment.findUniqueOrThrow({ where: { id }, include: withVariants });
    await audit(tx, actor, "experiment.variant_stop", id, summary(before), { ...summary(after), variant: variantKey, reason });
    return after;
  });
  const control = controlOf(stopped);
  const treatmentsLeft = stopped.variants.filter((variant) => variant.id !== control.id && !variant.stoppedAt);
  if (treatmentsLeft.length > 0) return stopped;
  return stopExperiment(db, id, actor);
}

/** The variant the others are compared with: the one marked isControl, else the first by key. */
export function controlOf<V extends Pick<ExperimentVariant, "isControl">>(experiment: { variants: V[] }): V {
  return experiment.variants.find((variant) => variant.isControl) ?? experiment.variants[0]!;
}

/** running → stopped. */
export async function stopExperiment(db: Database, id: string, actor: ExperimentActor): Promise<ExperimentWithVariants> {
  return transition(db, id, actor, "experiment.stop", ["running"], { status: "stopped", stoppedAt: new Date() });
}

/**
 * Ships `variantKey`: its overrides applied to its base (the pinned rule-set version, else the
 * surface's published config) are published as a new rule-set version (audited, engines notified),
 * and the experiment becomes `shipped` (stopping now if it was running). Ships once.
 */
export async function shipVariant(
  db: Database,
  id: string,
  variantKey: string,
  actor: ExperimentActor,
): Promise<{ experiment: ExperimentWithVariants; ruleSetVersion: number }> {
  const experiment = await getExperiment(db, id);
  if (experiment.status === "draft") throw new ExperimentChangeRefused("conflict", "a draft experiment has no results to ship; start it first");
  if (experiment.status === "shipped")
    throw new ExperimentChangeRefused("conflict", `experiment ${experiment.key} already shipped variant "${experiment.shippedVariant}"`);
  const variant = experiment.variants.find((candidate) => candidate.key === variantKey);
  if (!variant) throw new ExperimentChangeRefused("invalid", `no variant "${variantKey}"`, [{ path: "variant", message: `no variant "${variantKey}"` }]);
  const overrides = variantOverridesSchema.safeParse(variant.overrides);
  if (!overrides.success) throw new ExperimentChangeRefused("conflict", "the variant's stored overrides no longer validate", issuesOf(overrides.error));
  // Model versions are the registry's, shared by every surface: shipping a config cannot carry them.
  if (overrides.data.models)
    throw new ExperimentChangeRefused(
      "conflict",
      `variant "${variantKey}" pins model versions: promote them in the model registry (which changes every surface), then ship a variant without models`,
      [{ path: "variant", message: "pins model versions" }],
    );
  let base: SurfaceConfig = await surfaceConfigOf(db, experiment.surfaceId);
  if (overrides.data.ruleSetVersion !== undefined) {
    const pinned = await db.ruleSet.findUnique({ where: { surfaceId_version: { surfaceId: experiment.surfaceId, version: overrides.data.ruleSetVersion } } });
    const parsed = pinned ? surfaceConfigSchema.safeParse(pinned.config) : null;
    if (!parsed?.success) throw new ExperimentChangeRefused("conflict", `rule set version ${overrides.data.ruleSetVersion} is gone or no longer validates`);
    base = parsed.data;
  }
  const applied = safeApplyVariantOverrides(base, overrides.data);
  if (!applied.ok) {
    throw new ExperimentChangeRefused(
      "conflict",
      "the variant no longer applies to the surface's published config",
      applied.issues.map((issue) => ({ path: `overrides.${issue.path.join(".")}`, message: issue.message })),
    );
  }
  // The rule set's author is a console user row: an actor named by email (the admin API's
  // x-cascade-actor) is looked up; other actors publish without an author (the audit log names them).
  const author = actor.type === "console_user" && actor.id ? ((await db.consoleUser.findUnique({ where: { email: actor.id } }))?.id ?? null) : null;
  const published = await publishRuleSet(
    db,
    { surfaceId: experiment.surfaceId, config: applied.config, note: `ship ${experiment.key}/${variant.key}` },
    { type: actor.type, id: author },
  );
  // running or stopped → shipped (a running one stops now); the guard in the WHERE keeps a second ship out.
  const now = new Date();
  const { count } = await db.experiment.updateMany({
    where: { id, status: { in: ["running", "stopped"] } },
    data: { status: "shipped", shippedVariant: variant.key, ...(experiment.status === "running" ? { stoppedAt: now } : {}) },
  });
  if (count === 0)
    throw new ExperimentChangeRefused(
      "conflict",
      `experiment ${experiment.key} changed meanwhile (rule set version ${published.ruleSet.version} was published)`,
    );
  const stopped = await getExperiment(db, id);
  await audit(db, actor, "experiment.ship", experiment.id, summary(experiment), {
    ...summary(stopped),
    shipped: variant.key,
    ruleSetVersion: published.ruleSet.version,
  });
  return { experiment: stopped, ruleSetVersion: published.ruleSet.version };
}

async function transition(
  db: Database,
  id: string,
  actor: ExperimentActor,
  action: string,
  from: ExperimentStatus[],
  data: { status: ExperimentStatus; startedAt?: Date; stoppedAt?: Date; phaseStartedAt?: Date },
): Promise<ExperimentWithVariants> {
  return db.$transaction(async (tx) => {
    const before = await tx.experiment.findUnique({ where: { id }, include: withVariants });
    if (!before) throw new ExperimentChangeRefused("not_found", `no experiment ${id}`);
    if (!from.includes(before.status)) throw new ExperimentChangeRefused("conflict", `experiment ${before.key} is ${before.status}, not ${from.join(" or ")}`);
    // The status guard in the WHERE keeps two concurrent transitions from both succeeding.
    const { count } = await tx.experiment.updateMany({ where: { id, status: { in: from } }, data });
    if (count === 0) throw new ExperimentChangeRefused("conflict", `experiment ${before.key} changed meanwhile`);
    const after = await tx.experiment.findUniqueOrThrow({ where: { id }, include: withVariants });
    await audit(tx, actor, action, id, summary(before), summary(after));
    return after;
  });
}

function summary(experiment: Experiment & { variants?: ExperimentVariant[] }): Record<string, unknown> {
  return {
    key: experiment.key,
    surfaceId: experiment.surfaceId,
    status: experiment.status,
    phase: experiment.phase,
    trafficFraction: experiment.trafficFraction,
    rampUp: experiment.rampUp,
    guardrails: experiment.guardrails,
    ...(experiment.variants
      ? { variants: experiment.variants.map((variant) => ({ key: variant.key, weight: variant.weight, stopped: variant.stoppedAt !== null })) }
      : {}),
  };
}

type AuditWriter = Pick<Database, "auditLog">;

async function audit(db: AuditWriter, actor: ExperimentActor, action: string, entityId: string, before: object | null, after: object): Promise<void> {
  await db.auditLog.create({
    data: { actorType: actor.type, actorId: actor.id, action, entityType: "experiment", entityId, ...(before ? { before } : {}), after },
  });
}

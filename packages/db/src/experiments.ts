// A/B experiment lifecycle: create (draft) → start (running) → stop, or ship a variant (its config
// published to the surface as a new rule-set version, and the experiment stopped). One owner, like
// ruleSets.ts: the engine's admin API and (later) the console call these; every change is audited.
// Engines pick running experiments up within their refresh interval.
//
// Stored as the schema has columns: key, name, hypothesis, surface, salt (`seed`), trafficFraction
// (`coverage`), primaryMetric, variants (key, name, weight, isControl, overrides). Variants are
// stored and hashed in key order (rows have no order column), so a client assigning with core's
// `assignVariant` lists them sorted by key. Layers, forced variants, a unit other than the user id
// and guardrails have no columns yet and are refused rather than silently dropped.
import {
  experimentConfigSchema,
  guardrailSchema,
  rampStepSchema,
  safeApplyVariantOverrides,
  type ExperimentConfigInput,
  type Guardrail,
  type RampStep,
  type SurfaceConfig,
} from "@cascade/core";
import { z } from "zod";
import type { Database } from "./client.ts";
import type { Experiment, ExperimentStatus, ExperimentVariant } from "./generated/prisma/client.ts";
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
  const issues: ExperimentIssue[] = [];
  if (config.unit !== "userId") issues.push({ path: "unit", message: "only userId units are stored yet" });
  if (config.layer) issues.push({ path: "layer", message: "layers are not stored yet" });
  if (Object.keys(config.forced).length > 0) issues.push({ path: "forced", message: "forced variants are not stored yet" });
  if (config.guardrails.length > 0) issues.push({ path: "guardrails", message: "guardrails are not stored yet" });
  const surface = await db.surface.findUnique({ where: { id: config.surface } });
  if (!surface) issues.push({ path: "surface", message: `unknown surface "${config.surface}"` });
  else {
    // Every variant must apply to what the surface serves now, and be servable side by side.
    const base = await surfaceConfigOf(db, config.surface);
    config.variants.forEach((variant, index) => {
      if (variant.overrides.models) issues.push({ path: `variants.${index}.overrides.models`, message: "pinning model versions is not served yet" });
      if (variant.overrides.ruleSetVersion !== undefined)
        issues.push({ path: `variants.${index}.overrides.ruleSetVersion`, message: "pinning a rule-set version is not served yet" });
      const applied = safeApplyVariantOverrides(base, variant.overrides);
      if (!applied.ok) for (const issue of applied.issues) issues.push({ path: `variants.${index}.overrides.${issue.path.join(".")}`, message: issue.message });
    });
  }
  if (await db.experiment.findUnique({ where: { key: config.key } })) issues.push({ path: "key", message: `an experiment "${config.key}" already exists` });
  if (issues.length > 0) throw new ExperimentChangeRefused("invalid", "the experiment cannot be created", issues);
  const variants = [...config.variants].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return db.$transaction(async (tx) => {
    const experiment = await tx.experiment.create({
      data: {
        key: config.key,
        name: config.name ?? config.key,
        hypothesis: config.hypothesis,
        surfaceId: config.surface,
        salt: config.seed,
        trafficFraction: config.coverage,
        primaryMetric: config.primaryMetric,
        variants: {
          create: variants.map((variant) => ({
            key: variant.key,
            name: variant.name ?? variant.key,
            weight: variant.weight,
            isControl: variant.isControl,
            overrides: variant.overrides as object,
          })),
        },
      },
      include: withVariants,
    });
    await audit(tx, actor, "experiment.create", experiment.id, null, summary(experiment));
    return experiment;
  });
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

/** draft → running. */
export async function startExperiment(db: Database, id: string, actor: ExperimentActor): Promise<ExperimentWithVariants> {
  return transition(db, id, actor, "experiment.start", ["draft"], { status: "running", startedAt: new Date() });
}

/** running → stopped. */
export async function stopExperiment(db: Database, id: string, actor: ExperimentActor): Promise<ExperimentWithVariants> {
  return transition(db, id, actor, "experiment.stop", ["running"], { status: "stopped", stoppedAt: new Date() });
}

/**
 * Ships `variantKey`: its overrides applied to the surface's published config are published as a
 * new rule-set version (audited, engines notified), and the experiment stops if it was running.
 */
export async function shipVariant(
  db: Database,
  id: string,
  variantKey: string,
  actor: ExperimentActor,
): Promise<{ experiment: ExperimentWithVariants; ruleSetVersion: number }> {
  const experiment = await getExperiment(db, id);
  if (experiment.status === "draft") throw new ExperimentChangeRefused("conflict", "a draft experiment has no results to ship; start it first");
  const variant = experiment.variants.find((candidate) => candidate.key === variantKey);
  if (!variant) throw new ExperimentChangeRefused("invalid", `no variant "${variantKey}"`, [{ path: "variant", message: `no variant "${variantKey}"` }]);
  const base: SurfaceConfig = await surfaceConfigOf(db, experiment.surfaceId);
  const applied = safeApplyVariantOverrides(base, variant.overrides);
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
  const stopped = experiment.status === "running" ? await stopExperiment(db, id, actor) : experiment;
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
  data: { status: ExperimentStatus; startedAt?: Date; stoppedAt?: Date },
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

function summary(experiment: Experiment): Record<string, unknown> {
  return { key: experiment.key, surfaceId: experiment.surfaceId, status: experiment.status, trafficFraction: experiment.trafficFraction };
}

type AuditWriter = Pick<Database, "auditLog">;

async function audit(db: AuditWriter, actor: ExperimentActor, action: string, entityId: string, before: object | null, after: object): Promise<void> {
  await db.auditLog.create({
    data: { actorType: actor.type, actorId: actor.id, action, entityType: "experiment", entityId, ...(before ? { before } : {}), after },
  });
}

// Model versions for the console's Models page, read from the registry (packages/db modelRegistry)
// with their stored metrics flattened for side-by-side comparison, and the registry's promote and
// rollback state changes (which also notify every engine to hot-swap).
import {
  type Database,
  listModelVersions,
  type ModelRegistryActor,
  ModelKind,
  ModelRegistryError,
  type ModelSlot,
  ModelStatus,
  type ModelVersion,
  modelSlots,
  promoteModelVersion,
  rollbackModelSlot,
  slotOfKind,
} from "@cascade/db";
import { z } from "zod";
import { parseModelMetrics } from "../../lib/model-metrics.ts";

export const modelSlotSchema = z.enum(modelSlots as readonly ModelSlot[] as [ModelSlot, ...ModelSlot[]]);

const metricValuesSchema = z.record(z.string(), z.number());

export const modelVersionRowSchema = z.object({
  id: z.string(),
  kind: z.enum(ModelKind),
  slot: modelSlotSchema,
  version: z.number().int(),
  name: z.string(),
  status: z.enum(ModelStatus),
  artifactDigest: z.string(),
  indexDigest: z.string().nullable(),
  trainingWindowStart: z.date().nullable(),
  trainingWindowEnd: z.date().nullable(),
  features: z.array(z.string()),
  outputs: z.array(z.string()),
  notes: z.string(),
  createdAt: z.date(),
  promotedAt: z.date().nullable(),
  retiredAt: z.date().nullable(),
  /** Numeric leaves of the stored metrics JSON by path (see lib/model-metrics.ts). */
  metrics: metricValuesSchema,
  /** Baselines evaluated on the same split, stored with this version. */
  baselines: z.array(z.object({ name: z.string(), metrics: metricValuesSchema })),
  /** The scheduler's promotion gate verdict on this version (`cascade schedule`), if it judged it. */
  gate: z.object({ promoted: z.boolean(), reason: z.string() }).nullable(),
});
export type ModelVersionRow = z.infer<typeof modelVersionRowSchema>;

export const modelVersionListSchema = z.object({ rows: z.array(modelVersionRowSchema) });
export type ModelVersionList = z.infer<typeof modelVersionListSchema>;

/** metrics.gate as recordModelGateDecision stores it; anything else is no verdict. */
const storedGate = z.object({ gate: z.object({ promoted: z.boolean(), reason: z.string() }) });

export function toModelVersionRow(row: ModelVersion): ModelVersionRow {
  const { metrics, baselines } = parseModelMetrics(row.metrics);
  const gate = storedGate.safeParse(row.metrics);
  return {
    id: row.id,
    kind: row.kind,
    slot: slotOfKind(row.kind),
    version: row.version,
    name: row.name,
    status: row.status,
    artifactDigest: row.artifactDigest,
    indexDigest: row.indexDigest,
    trainingWindowStart: row.trainingWindowStart,
    trainingWindowEnd: row.trainingWindowEnd,
    features: row.features,
    outputs: row.outputs,
    notes: row.notes,
    createdAt: row.createdAt,
    promotedAt: row.promotedAt,
    retiredAt: row.retiredAt,
    metrics,
    baselines,
    gate: gate.success ? { promoted: gate.data.gate.promoted, reason: gate.data.gate.reason } : null,
  };
}

/** Every version, newest first (the registry's order). */
export async function listModelVersionRows(db: Database): Promise<ModelVersionList> {
  const rows = await listModelVersions(db);
  return { rows: rows.map(toModelVersionRow) };
}

export const modelChangeSchema = z.object({
  /** The version now active in the slot. */
  active: modelVersionRowSchema,
  /** The version it replaced, now retired (null when the slot was empty or nothing changed). */
  retired: modelVersionRowSchema.nullable(),
});
export type ModelChange = z.infer<typeof modelChangeSchema>;

/** A registry refusal the user can act on (unknown id, nothing to roll back to). */
export class ModelChangeRefused extends Error {
  constructor(
    readonly reason: "not_found" | "no_previous_version",
    message: string,
  ) {
    super(message);
    this.name = "ModelChangeRefused";
  }
}

function refusalOf(error: unknown): never {
  if (error instanceof ModelRegistryError) throw new ModelChangeRefused(error.code, error.message);
  throw error;
}

export async function promoteVersion(db: Database, id: string, actor: ModelRegistryActor): Promise<ModelChange> {
  const result = await promoteModelVersion(db, id, actor).catch(refusalOf);
  return { active: toModelVersionRow(result.promoted), retired: result.retired ? toModelVersionRow(result.retired) : null };
}

export async function rollbackSlot(db: Database, slot: ModelSlot, actor: ModelRegistryActor): Promise<ModelChange> {
  const result = await rollbackModelSlot(db, slot, actor).catch(refusalOf);
  return { active: toModelVersionRow(result.restored), retired: result.retired ? toModelVersionRow(result.retired) : null };
}

export const declarableFeatureListSchema = z.object({
  features: z.array(z.object({ name: z.string(), description: z.string(), source: z.enum(["registry", "serving"]) })),
  /** False when the engine could not be asked: only the registry table's names are listed. */
  fromEngine: z.boolean(),
});
export type DeclarableFeatureList = z.infer<typeof declarableFeatureListSchema>;

/**
 * Names an external ranker may declare as inputs: the feature registry (feature_definitions) plus
 * what the engine additionally supplies per candidate (its admin API lists both). Without the
 * engine, the registry table alone.
 */
export async function listDeclarableFeatures(
  db: Database,
  fromEngine: () => Promise<{ ok: true; data: { name: string; description: string }[] } | { ok: false }>,
): Promise<DeclarableFeatureList> {
  const [definitions, engine] = await Promise.all([
    db.featureDefinition.findMany({ select: { name: true, description: true }, orderBy: { name: "asc" } }),
    fromEngine(),
  ]);
  const registry = new Set(definitions.map((definition) => definition.name));
  const features: DeclarableFeatureList["features"] = definitions.map((definition) => ({ ...definition, source: "registry" }));
  if (engine.ok) {
    for (const feature of engine.data) {
      if (!registry.has(feature.name)) features.push({ ...feature, source: "serving" });
    }
  }
  return { features, fromEngine: engine.ok };
}

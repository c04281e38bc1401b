// Model registry: versions of trained/imported models in Postgres, and the promote/rollback state
// machine (candidate → active → retired). One version is active per serving SLOT, not per kind:
// the "ranker" slot holds either a trained ranker or an external ONNX ranker. Every state change
// writes an audit row and NOTIFYs `cascade_model_changed` in the same transaction, so engines that
// LISTEN hear about it only once it is committed.
import type { Database } from "./client.ts";
import type { ModelKind, ModelStatus, ModelVersion, Prisma } from "./generated/prisma/client.ts";

export const MODEL_CHANGED_CHANNEL = "cascade_model_changed";

export type ModelSlot = "retrieval" | "ranker" | "itemToItem";

export const modelSlots: readonly ModelSlot[] = ["retrieval", "ranker", "itemToItem"];

export const modelSlotKinds: Readonly<Record<ModelSlot, readonly ModelKind[]>> = {
  retrieval: ["two_tower"],
  ranker: ["ranker", "external_ranker"],
  itemToItem: ["item_item"],
};

export function slotOfKind(kind: ModelKind): ModelSlot {
  return kind === "two_tower" ? "retrieval" : kind === "item_item" ? "itemToItem" : "ranker";
}

/** Who changed the registry, for the audit log: "cli", "api_key" (id = key prefix), "console_user", "system". */
export type ModelRegistryActor = { type: string; id?: string | null };

/** Payload of the `cascade_model_changed` notification (JSON). */
export type ModelChangedNotice = { slot: ModelSlot; action: "promote" | "rollback"; activeId: string | null };

export type ModelRegistryErrorCode = "not_found" | "no_previous_version";

export class ModelRegistryError extends Error {
  constructor(
    readonly code: ModelRegistryErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "ModelRegistryError";
  }
}

export type ModelVersionFilter = {
  kind?: ModelKind | readonly ModelKind[];
  status?: ModelStatus | readonly ModelStatus[];
  slot?: ModelSlot;
  /** newest first; default 200 */
  limit?: number;
};

export type RegisterModelVersionInput = {
  /** optional explicit id (e.g. the uuid naming the artifact directory); cuid otherwise */
  id?: string;
  kind: ModelKind;
  name: string;
  artifactPath: string;
  artifactDigest: string;
  indexPath?: string | null;
  indexDigest?: string | null;
  buildDigest?: string | null;
  trainingWindowStart?: Date | null;
  trainingWindowEnd?: Date | null;
  features?: readonly string[];
  outputs?: readonly string[];
  config?: Prisma.InputJsonValue;
  metrics?: Prisma.InputJsonValue;
  notes?: string;
};

export type PromoteResult = { promoted: ModelVersion; retired: ModelVersion | null };
export type RollbackResult = { restored: ModelVersion; retired: ModelVersion | null };

type Transaction = Prisma.TransactionClient;

const asList = <T>(value: T | readonly T[] | undefined): T[] | undefined =>
  value === undefined ? undefined : Array.isArray(value) ? [...(value as readonly T[])] : [value as T];

export async function listModelVersions(db: Database, filter: ModelVersionFilter = {}): Promise<ModelVersion[]> {
  const kinds = asList(filter.kind);
  const slotKinds = filter.slot ? [...modelSlotKinds[filter.slot]] : undefined;
  const kindFilter = kinds && slotKinds ? kinds.filter((kind) => slotKinds.includes(kind)) : (kinds ?? slotKinds);
  const statuses = asList(filter.status);
  return db.modelVersion.findMany({
    where: {
      ...(kindFilter ? { kind: { in: kindFilter } } : {}),
      ...(statuses ? { status: { in: statuses } } : {}),
    },
    orderBy: [{ createdAt: "desc" }, { version: "desc" }],
    take: filter.limit ?? 200,
  });
}

export async function getModelVersion(db: Database, id: string): Promise<ModelVersion | null> {
  return db.modelVersion.findUnique({ where: { id } });
}

/** The active version of each slot (null when none). */
export async function getActiveModelVersions(db: Database): Promise<Record<ModelSlot, ModelVersion | null>> {
  const active = await db.modelVersion.findMany({ where: { status: "active" }, orderBy: { promotedAt: "desc" } });
  return {
    retrieval: active.find((row) => slotOfKind(row.kind) === "retrieval") ?? null,
    ranker: active.find((row) => slotOfKind(row.kind) === "ranker") ?? null,
    itemToItem: active.find((row) => slotOfKind(row.kind) === "itemToItem") ?? null,
  };
}

// Transaction-scoped advisory locks serialise concurrent registrations of one kind (version
// numbers) and concurrent promotions/rollbacks of one slot (one active per slot).
async function lockKey(tx: Transaction, key: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${key}))`;
}

async function notifyModelChanged(tx: Transaction, notice: ModelChangedNotice): Promise<void> {
  await tx.$executeRaw`SELECT pg_notify(${MODEL_CHANGED_CHANNEL}, ${JSON.stringify(notice)})`;
}

/** Registers a candidate; its version is 1 + the highest version of its kind. */
export async function registerModelVersion(db: Database, input: RegisterModelVersionInput): Promise<ModelVersion> {
  return db.$transaction(async (tx) => {
    await lockKey(tx, `cascade_model_version:${input.kind}`);
    const latest = await tx.modelVersion.aggregate({ where: { kind: input.kind }, _max: { version: true } });
    return tx.modelVersion.create({
      data: {
        ...(input.id ? { id: input.id } : {}),
        kind: input.kind,
        version: (latest._max.version ?? 0) + 1,
        name: input.name,
        status: "candidate",
        artifactPath: input.artifactPath,
        artifactDigest: input.artifactDigest,
        indexPath: input.indexPath ?? null,
        indexDigest: input.indexDigest ?? null,
        buildDigest: input.buildDigest ?? null,
        trainingWindowStart: input.trainingWindowStart ?? null,
        trainingWindowEnd: input.trainingWindowEnd ?? null,
        features: [...(input.features ?? [])],
        outputs: [...(input.outputs ?? [])],
        config: input.config ?? {},
        metrics: input.metrics ?? {},
        notes: input.notes ?? "",
      },
    });
  });
}

/** A promotion gate's verdict on a candidate (scheduled retraining): what was compared, and why it was or was not promoted. */
export type ModelGateDecision = {
  slot: ModelSlot;
  activeId: string | null;
  metric: string | null;
  candidate: number | null;
  active: number | null;
  margin: number;
  promoted: boolean;
  reason: string;
};

/**
 * Stores a gate decision with the candidate (under `metrics.gate`, so the console's comparison
 * shows it) and writes an audit row `model.gate`, in one transaction.
 */
export async function recordModelGateDecision(
  db: Database,
  id: string,
  decision: ModelGateDecision,
  actor: ModelRegistryActor = { type: "system" },
): Promise<ModelVersion> {
  return db.$transaction(async (tx) => {
    const target = await tx.modelVersion.findUnique({ where: { id } });
    if (!target) throw new ModelRegistryError("not_found", `model version ${id} does not exist`);
    const metrics = typeof target.metrics === "object" && target.metrics !== null && !Array.isArray(target.metrics) ? target.metrics : {};
    const updated = await tx.modelVersion.update({
      where: { id },
      data: {
        metrics: { ...metrics, gate: decision },
        notes: target.notes ? `${target.notes}\n${decision.reason}` : decision.reason,
      },
    });
    await tx.auditLog.create({
      data: {
        actorType: actor.type,
        actorId: actor.id ?? null,
        action: "model.gate",
        entityType: "model_version",
        entityId: id,
        before: { candidate: auditSummary(target) },
        after: decision,
      },
    });
    return updated;
  });
}

const auditSummary = (row: ModelVersion | null) => (row ? { id: row.id, kind: row.kind, version: row.version, name: row.name, status: row.status } : null);

/**
 * Makes `id` the active version of its slot; the previously active version of the slot becomes
 * retired. Promoting the already-active version changes nothing (and notifies nothing).
 */
export async function promoteModelVersion(db: Database, id: string, actor: ModelRegistryActor = { type: "system" }): Promise<PromoteResult> {
  return db.$transaction(async (tx) => {
    const target = await tx.modelVersion.findUnique({ where: { id } });
    if (!target) throw new ModelRegistryError("not_found", `model version ${id} does not exist`);
    const slot = slotOfKind(target.kind);
    await lockKey(tx, `cascade_model_slot:${slot}`);
    const current = await tx.modelVersion.findFirst({ where: { kind: { in: [...modelSlotKinds[slot]] }, status: "active" }, orderBy: { promotedAt: "desc" } });
    if (current?.id === target.id) return { promoted: current, retired: null };
    const now = new Date();
    // updateMany, not update: a slot should never hold two active versions, but retire all if it does.
    await tx.modelVersion.updateMany({ where: { kind: { in: [...modelSlotKinds[slot]] }, status: "active" }, data: { status: "retired", retiredAt: now } });
    const promoted = await tx.modelVersion.update({ where: { id }, data: { status: "active", promotedAt: now, retiredAt: null } });
    const retired = current ? await tx.modelVersion.findUnique({ where: { id: current.id } }) : null;
    await tx.auditLog.create({
      data: {
        actorType: actor.type,
        actorId: actor.id ?? null,
        action: "model.promote",
        entityType: "model_version",
        entityId: id,
        before: { slot, active: auditSummary(current), target: auditSummary(target) },
        after: { slot, active: auditSummary(promoted), retired: auditSummary(retired) },
      },
    });
    await notifyModelChanged(tx, { slot, action: "promote", activeId: promoted.id });
    return { promoted, retired };
  });
}

/**
 * Re-activates the most recently retired version of `slot` and retires the current active one.
 * Throws ModelRegistryError("no_previous_version") when the slot has no retired version.
 */
export async function rollbackModelSlot(db: Database, slot: ModelSlot, actor: ModelRegistryActor = { type: "system" }): Promise<RollbackResult> {
  return db.$transaction(async (tx) => {
    await lockKey(tx, `cascade_model_slot:${slot}`);
    const kinds = [...modelSlotKinds[slot]];
    const previous = await tx.modelVersion.findFirst({
      where: { kind: { in: kinds }, status: "retired" },
      orderBy: [{ retiredAt: { sort: "desc", nulls: "last" } }, { promotedAt: { sort: "desc", nulls: "last" } }],
    });
    if (!previous) throw new ModelRegistryError("no_previous_version", `the ${slot} slot has no retired version to roll back to`);
    const current = await tx.modelVersion.findFirst({ where: { kind: { in: kinds }, status: "active" }, orderBy: { promotedAt: "desc" } });
    const now = new Date();
    await tx.modelVersion.updateMany({ where: { kind: { in: kinds }, status: "active" }, data: { status: "retired", retiredAt: now } });
    const restored = await tx.modelVersion.update({ where: { id: previous.id }, data: { status: "active", promotedAt: now, retiredAt: null } });
    const retired = current ? await tx.modelVersion.findUnique({ where: { id: current.id } }) : null;
    await tx.auditLog.create({
      data: {
        actorType: actor.type,
        actorId: actor.id ?? null,
        action: "model.rollback",
        entityType: "model_version",
        entityId: restored.id,
        before: { slot, active: auditSummary(current), target: auditSummary(previous) },
        after: { slot, active: auditSummary(restored), retired: auditSummary(retired) },
      },
    });
    await notifyModelChanged(tx, { slot, action: "rollback", activeId: restored.id });
    return { restored, retired };
  });
}

// Surface rule sets: versions per surface (draft | published | archived), save draft, publish,
// roll back. Publishing archives the previous published version and NOTIFYs
// `cascade_rules_changed` (payload: the surface id) in the same transaction, so engines reload only
// what was committed. History is append-only: a roll back publishes a copy of an older version.
import { RULES_CHANGED_CHANNEL, defaultSurfaceConfig, surfaceConfigSchema, type SurfaceConfig } from "@cascade/core";
import type { Database } from "./client.ts";
import type { Prisma, RuleSet, RuleSetStatus } from "./generated/prisma/client.ts";
import { z } from "zod";

export type RuleSetActor = { type: string; id: string | null };

type Transaction = Parameters<Parameters<Database["$transaction"]>[0]>[0];

export class RuleSetChangeRefused extends Error {
  constructor(
    readonly reason: "not_found" | "invalid_config",
    message: string,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = "RuleSetChangeRefused";
  }
}

const ruleSetStatusSchema = z.enum(["draft", "published", "archived"]);

export const ruleSetVersionSchema = z.object({
  id: z.string(),
  surfaceId: z.string(),
  version: z.number().int(),
  status: ruleSetStatusSchema,
  note: z.string(),
  authorName: z.string().nullable(),
  createdAt: z.date(),
  publishedAt: z.date().nullable(),
});
export type RuleSetVersion = z.infer<typeof ruleSetVersionSchema>;

export const ruleSetWithConfigSchema = ruleSetVersionSchema.extend({
  /** The stored JSON as is (older rows may predate the current schema). */
  config: z.unknown(),
  /** Whether the stored JSON passes today's SurfaceConfig schema. */
  configValid: z.boolean(),
});
export type RuleSetWithConfig = z.infer<typeof ruleSetWithConfigSchema>;

export const surfaceRuleSetsSchema = z.object({
  surfaces: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      description: z.string(),
      publishedVersion: z.number().int().nullable(),
      hasDraft: z.boolean(),
      versions: z.array(ruleSetVersionSchema),
    }),
  ),
});
export type SurfaceRuleSets = z.infer<typeof surfaceRuleSetsSchema>;

export const ruleSetEditorStateSchema = z.object({
  surface: z.object({ id: z.string(), name: z.string(), description: z.string() }),
  published: ruleSetWithConfigSchema.nullable(),
  draft: ruleSetWithConfigSchema.nullable(),
  /** What the engine serves when nothing valid is published (DEFAULT_SURFACE_CONFIGS). */
  defaultConfig: z.unknown(),
});
export type RuleSetEditorState = z.infer<typeof ruleSetEditorStateSchema>;

export const ruleSetChangeSchema = z.object({ ruleSet: ruleSetVersionSchema, archived: ruleSetVersionSchema.nullable() });
export type RuleSetChange = z.infer<typeof ruleSetChangeSchema>;

type RuleSetRow = RuleSet & { author: { name: string } | null };

function versionOf(row: RuleSetRow): RuleSetVersion {
  return {
    id: row.id,
    surfaceId: row.surfaceId,
    version: row.version,
    status: row.status,
    note: row.note,
    authorName: row.author?.name ?? null,
    createdAt: row.createdAt,
    publishedAt: row.publishedAt,
  };
}

function withConfig(row: RuleSetRow): RuleSetWithConfig {
  return { ...versionOf(row), config: row.config, configValid: surfaceConfigSchema.safeParse(row.config).success };
}

const withAuthor = { author: { select: { name: true } } } as const;

/** Validates an editor's config with the same schema the engine uses; refuses with every issue. */
export function validateSurfaceConfig(config: unknown): SurfaceConfig {
  const parsed = surfaceConfigSchema.safeParse(config);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }));
  const first = issues[0];
  throw new RuleSetChangeRefused("invalid_config", first ? `config.${first.path}: ${first.message}` : "the config is invalid", issues);
}

export async function listSurfaceRuleSets(db: Database): Promise<SurfaceRuleSets> {
  const surfaces = await db.surface.findMany({
    orderBy: { id: "asc" },
    include: { ruleSets: { orderBy: { version: "desc" }, include: withAuthor } },
  });
  return {
    surfaces: surfaces.map((surface) => ({
      id: surface.id,
      name: surface.name,
      description: surface.description,
      publishedVersion: surface.ruleSets.find((row) => row.status === "published")?.version ?? null,
      hasDraft: surface.ruleSets.some((row) => row.status === "draft"),
      versions: surface.ruleSets.map(versionOf),
    })),
  };
}

export async function getRuleSetEditorState(db: Database, surfaceId: string): Promise<RuleSetEditorState> {
  const surface = await db.surface.findUnique({ where: { id: surfaceId } });
  if (!surface) throw new RuleSetChangeRefused("not_found", `surface "${surfaceId}" does not exist`);
  const [published, draft] = await Promise.all(
    (["published", "draft"] as const).map((status) =>
      db.ruleSet.findFirst({ where: { surfaceId, status }, orderBy: { version: "desc" }, include: withAuthor }),
    ),
  );
  return {
    surface: { id: surface.id, name: surface.name, description: surface.description },
    published: published ? withConfig(published) : null,
    draft: draft ? withConfig(draft) : null,
    defaultConfig: defaultSurfaceConfig(surfaceId),
  };
}

export async function getRuleSet(db: Database, id: string): Promise<RuleSetWithConfig> {
  const row = await db.ruleSet.findUnique({ where: { id }, include: withAuthor });
  if (!row) throw new RuleSetChangeRefused("not_found", `rule set ${id} does not exist`);
  return withConfig(row);
}

/** The draft config of a surface, validated (for dry runs in the feed debugger); null when there is none. */
export async function findDraftConfig(db: Database, surfaceId: string): Promise<SurfaceConfig | null> {
  const draft = await db.ruleSet.findFirst({ where: { surfaceId, status: "draft" }, orderBy: { version: "desc" } });
  return draft ? validateSurfaceConfig(draft.config) : null;
}

// One writer per surface at a time: version numbers and "one published version" stay consistent.
/** What a surface serves now: its published config if it validates, else the built-in default (as the engine does). */
export async function surfaceConfigOf(db: Database, surfaceId: string): Promise<SurfaceConfig> {
  const published = await db.ruleSet.findFirst({ where: { surfaceId, status: "published" }, orderBy: { version: "desc" } });
  const parsed = published ? surfaceConfigSchema.safeParse(published.config) : null;
  return parsed?.success ? parsed.data : defaultSurfaceConfig(surfaceId);
}

async function lockSurface(tx: Transaction, surfaceId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`cascade_rule_set:${surfaceId}`}))`;
}

async function requireSurface(tx: Transaction, surfaceId: string): Promise<void> {
  const surface = await tx.surface.findUnique({ where: { id: surfaceId }, select: { id: true } });
  if (!surface) throw new RuleSetChangeRefused("not_found", `surface "${surfaceId}" does not exist`);
}

async function highestVersion(tx: Transaction, surfaceId: string, except?: string): Promise<number> {
  const latest = await tx.ruleSet.aggregate({ where: { surfaceId, ...(except ? { id: { not: except } } : {}) }, _max: { version: true } });
  return latest._max.version ?? 0;
}

const toJson = (config: SurfaceConfig) => config as unknown as Prisma.InputJsonValue;
const auditSummary = (row: { id: string; version: number; status: RuleSetStatus } | null) =>
  row ? { id: row.id, version: row.version, status: row.status } : null;

/** Creates or replaces the surface's one draft (validated; drafts are work in progress, not history). */
export async function saveDraft(db: Database, input: { surfaceId: string; config: unknown; note: string }, actor: RuleSetActor): Promise<RuleSetVersion> {
  const config = validateSurfaceConfig(input.config);
  return db.$transaction(async (tx) => {
    await lockSurface(tx, input.surfaceId);
    await requireSurface(tx, input.surfaceId);
    const draft = await tx.ruleSet.findFirst({ where: { surfaceId: input.surfaceId, status: "draft" } });
    const row = draft
      ? await tx.ruleSet.update({ where: { id: draft.id }, data: { config: toJson(config), note: input.note, authorId: actor.id }, include: withAuthor })
      : await tx.ruleSet.create({
          data: {
            surfaceId: input.surfaceId,
            version: (await highestVersion(tx, input.surfaceId)) + 1,
            status: "draft",
            config: toJson(config),
            note: input.note,
            authorId: actor.id,
          },
          include: withAuthor,
        });
    return versionOf(row);
  });
}

export async function discardDraft(db: Database, surfaceId: string): Promise<{ discarded: number }> {
  const { count } = await db.ruleSet.deleteMany({ where: { surfaceId, status: "draft" } });
  return { discarded: count };
}

async function publishWithin(
  tx: Transaction,
  surfaceId: string,
  config: SurfaceConfig,
  note: string,
  actor: RuleSetActor,
  action: "rule_set.publish" | "rule_set.rollback",
  rolledBackFrom: { id: string; version: number } | null,
): Promise<RuleSetChange> {
  await lockSurface(tx, surfaceId);
  await requireSurface(tx, surfaceId);
  const now = new Date();
  const previous = await tx.ruleSet.findFirst({ where: { surfaceId, status: "published" }, orderBy: { version: "desc" } });
  // updateMany: a surface should never hold two published versions, but archive all if it does.
  await tx.ruleSet.updateMany({ where: { surfaceId, status: "published" }, data: { status: "archived" } });
  // Publishing from the editor consumes the draft (its row becomes the new version); a roll back
  // leaves the draft alone. A new version always gets the highest number, so history reads in order.
  const draft = action === "rule_set.publish" ? await tx.ruleSet.findFirst({ where: { surfaceId, status: "draft" } }) : null;
  const version = (await highestVersion(tx, surfaceId, draft?.id)) + 1;
  const data = { version, status: "published" as const, config: toJson(config), note, authorId: actor.id, publishedAt: now };
  const row = draft
    ? await tx.ruleSet.update({ where: { id: draft.id }, data, include: withAuthor })
    : await tx.ruleSet.create({ data: { surfaceId, ...data }, include: withAuthor });
  const archived = previous ? await tx.ruleSet.findUnique({ where: { id: previous.id }, include: withAuthor }) : null;
  await tx.auditLog.create({
    data: {
      actorType: actor.type,
      actorId: actor.id,
      action,
      entityType: "rule_set",
      entityId: row.id,
      before: { surfaceId, published: auditSummary(previous) },
      after: { surfaceId, published: auditSummary(row), archived: auditSummary(archived), note, ...(rolledBackFrom ? { rolledBackFrom } : {}) },
    },
  });
  await tx.$executeRaw`SELECT pg_notify(${RULES_CHANGED_CHANNEL}, ${surfaceId})`;
  return { ruleSet: versionOf(row), archived: archived ? versionOf(archived) : null };
}

/** Publishes `config` as the surface's new version; the previous published version is archived. */
export async function publishRuleSet(db: Database, input: { surfaceId: string; config: unknown; note: string }, actor: RuleSetActor): Promise<RuleSetChange> {
  const config = validateSurfaceConfig(input.config);
  return db.$transaction((tx) => publishWithin(tx, input.surfaceId, config, input.note, actor, "rule_set.publish", null));
}

/** Publishes a copy of an older version as a new version (history stays append-only). */
export async function rollbackToRuleSet(db: Database, input: { ruleSetId: string; note?: string }, actor: RuleSetActor): Promise<RuleSetChange> {
  const target = await db.ruleSet.findUnique({ where: { id: input.ruleSetId } });
  if (!target || target.status === "draft") throw new RuleSetChangeRefused("not_found", `rule set ${input.ruleSetId} is not a published or archived version`);
  const config = validateSurfaceConfig(target.config);
  const note = input.note?.trim() || `roll back to version ${target.version}`;
  return db.$transaction((tx) => publishWithin(tx, target.surfaceId, config, note, actor, "rule_set.rollback", { id: target.id, version: target.version }));
}

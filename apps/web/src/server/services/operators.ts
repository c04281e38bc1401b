// Operator controls: the engine's API keys, console users and their roles, and the audit log.
// Every change writes an audit_log row in the same transaction (API keys are named by their prefix
// there, as the CLI and `cascade start` do). API key rows fire a trigger that
// notifies the engines (cascade_api_key_changed), so a revocation reaches them within seconds.
import { generateApiKey, hashPasswordAsync } from "@cascade/core";
import { ConsoleRole, type Database, Prisma } from "@cascade/db";
import { z } from "zod";
import { isStorableText } from "../../lib/storable-text.ts";

const TEXT_MESSAGE = "Contains characters that cannot be stored (NUL or a lone surrogate).";

export const API_KEY_SCOPES = ["ingest", "recommend", "admin"] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export type Actor = { type: "console_user"; id: string };

/** Refusals a page shows as they are (bad input, last admin, unknown row). */
export class OperatorChangeRefused extends Error {
  constructor(
    readonly reason: "not_found" | "conflict" | "last_admin",
    message: string,
  ) {
    super(message);
  }
}

// ---- API keys ----------------------------------------------------------------------------------

export const createApiKeyInput = z.object({
  name: z.string().trim().min(1, "Name the key.").max(100).refine(isStorableText, TEXT_MESSAGE),
  scopes: z.array(z.enum(API_KEY_SCOPES)).min(1, "Pick at least one scope.").max(3),
});

export type ApiKeyRow = {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: Date;
  createdBy: string | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
};

export async function listApiKeys(db: Database): Promise<ApiKeyRow[]> {
  const rows = await db.apiKey.findMany({
    orderBy: [{ revokedAt: { sort: "desc", nulls: "first" } }, { createdAt: "desc" }],
    select: { id: true, name: true, prefix: true, scopes: true, createdAt: true, lastUsedAt: true, revokedAt: true, createdBy: { select: { email: true } } },
  });
  return rows.map(({ createdBy, ...row }) => ({ ...row, createdBy: createdBy?.email ?? null }));
}

/** Creates a key; the secret is in the result and nowhere else (the row holds its sha256). */
export async function createApiKey(db: Database, input: z.infer<typeof createApiKeyInput>, actor: Actor): Promise<{ row: ApiKeyRow; secret: string }> {
  const { key, prefix, hashedKey } = generateApiKey();
  // Canonical order (ingest, recommend, admin), whatever order they were ticked in.
  const scopes = API_KEY_SCOPES.filter((scope) => input.scopes.includes(scope));
  const row = await db.$transaction(async (tx) => {
    const created = await tx.apiKey.create({
      data: { name: input.name, prefix, hashedKey, scopes, createdById: actor.id },
      select: { id: true, name: true, prefix: true, scopes: true, createdAt: true, lastUsedAt: true, revokedAt: true, createdBy: { select: { email: true } } },
    });
    await tx.auditLog.create({
      data: {
        actorType: actor.type,
        actorId: actor.id,
        action: "api_key.create",
        entityType: "api_key",
        entityId: prefix,
        after: { name: created.name, prefix, scopes },
      },
    });
    return created;
  });
  const { createdBy, ...rest } = row;
  return { row: { ...rest, createdBy: createdBy?.email ?? null }, secret: key };
}

export async function revokeApiKey(db: Database, id: string, actor: Actor, now = new Date()): Promise<{ id: string; prefix: string; revokedAt: Date }> {
  return db.$transaction(async (tx) => {
    const key = await tx.apiKey.findUnique({ where: { id }, select: { id: true, name: true, prefix: true, revokedAt: true } });
    if (!key) throw new OperatorChangeRefused("not_found", "No such API key.");
    if (key.revokedAt) throw new OperatorChangeRefused("conflict", `The key ${key.prefix} was already revoked.`);
    const updated = await tx.apiKey.update({ where: { id }, data: { revokedAt: now }, select: { id: true, prefix: true, revokedAt: true } });
    await tx.auditLog.create({
      data: {
        actorType: actor.type,
        actorId: actor.id,
        action: "api_key.revoke",
        entityType: "api_key",
        entityId: key.prefix,
        before: { name: key.name, prefix: key.prefix, revokedAt: null },
        after: { revokedAt: now.toISOString() },
      },
    });
    return { id: updated.id, prefix: updated.prefix, revokedAt: updated.revokedAt! };
  });
}

// ---- Console users -----------------------------------------------------------------------------

export const createUserInput = z.object({
  email: z.email("Enter an email address.").trim().max(320).refine(isStorableText, TEXT_MESSAGE),
  name: z.string().trim().min(1, "Enter a name.").max(200).refine(isStorableText, TEXT_MESSAGE),
  role: z.enum(ConsoleRole),
  password: z.string().min(12, "The initial password needs at least 12 characters.").max(1024),
});

export const setRoleInput = z.object({ id: z.string().min(1).max(64).refine(isStorableText, TEXT_MESSAGE), role: z.enum(ConsoleRole) });

export type ConsoleUserRow = { id: string; email: string; name: string; role: ConsoleRole; createdAt: Date; lastLoginAt: Date | null; locked: boolean };

export async function listConsoleUsers(db: Database, now = new Date()): Promise<ConsoleUserRow[]> {
  const rows = await db.consoleUser.findMany({
    orderBy: { email: "asc" },
    select: { id: true, email: true, name: true, role: true, createdAt: true, lastLoginAt: true, lockedUntil: true },
  });
  return rows.map(({ lockedUntil, ...row }) => ({ ...row, locked: !!lockedUntil && lockedUntil > now }));
}

export async function createConsoleUser(db: Database, input: z.infer<typeof createUserInput>, actor: Actor): Promise<ConsoleUserRow> {
  const passwordHash = await hashPasswordAsync(input.password);
  try {
    return await db.$transaction(async (tx) => {
      const user = await tx.consoleUser.create({
        data: { email: input.email.toLowerCase(), name: input.name, role: input.role, passwordHash },
        select: { id: true, email: true, name: true, role: true, createdAt: true, lastLoginAt: true },
      });
      await tx.auditLog.create({
        data: {
          actorType: actor.type,
          actorId: actor.id,
          action: "console_user.create",
          entityType: "console_user",
          entityId: user.id,
          after: { email: user.email, role: user.role },
        },
      });
      return { ...user, locked: false };
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      throw new OperatorChangeRefused("conflict", `A console user with the email ${input.email} already exists.`);
    }
    throw error;
  }
}

/**
 * Changes a user's role. The last admin cannot lose the role (nobody could manage keys or users
 * any more); the check and the change run under a lock on the admins, so two admins demoting each
 * other at once cannot both succeed.
 */
export async function setConsoleUserRole(db: Database, input: z.infer<typeof setRoleInput>, actor: Actor): Promise<ConsoleUserRow> {
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM console_users WHERE role = 'admin' FOR UPDATE`;
    const user = await tx.consoleUser.findUnique({ where: { id: input.id }, select: { id: true, role: true } });
    if (!user) throw new OperatorChangeRefused("not_found", "No such console user.");
    if (user.role === "admin" && input.role !== "admin") {
      const admins = await tx.consoleUser.count({ where: { role: "admin" } });
      if (admins <= 1) throw new OperatorChangeRefused("last_admin", "This is the last admin: make someone else an admin first.");
    }
    const updated = await tx.consoleUser.update({
      where: { id: input.id },
      data: { role: input.role },
      select: { id: true, email: true, name: true, role: true, createdAt: true, lastLoginAt: true, lockedUntil: true },
    });
    if (user.role !== input.role) {
      await tx.auditLog.create({
        data: {
          actorType: actor.type,
          actorId: actor.id,
          action: "console_user.set_role",
          entityType: "console_user",
          entityId: user.id,
          before: { role: user.role },
          after: { role: input.role },
        },
      });
    }
    const { lockedUntil, ...row } = updated;
    return { ...row, locked: !!lockedUntil && lockedUntil > new Date() };
  });
}

// ---- Audit log ---------------------------------------------------------------------------------

export const AUDIT_PAGE_SIZE = 50;

export const revokeApiKeyInput = z.object({ id: z.string().min(1).max(64).refine(isStorableText, TEXT_MESSAGE) });

export const auditListInput = z.object({
  entityType: z.string().trim().max(64).refine(isStorableText, TEXT_MESSAGE).optional(),
  /** A console user's id or email, or "engine"/"system" actor types. */
  actor: z.string().trim().max(320).refine(isStorableText, TEXT_MESSAGE).optional(),
  action: z.string().trim().max(64).refine(isStorableText, TEXT_MESSAGE).optional(),
  // Bounded: PostgreSQL timestamps refuse years before 4713 BC and some drivers year 0; nothing is older than 1970 here.
  from: z.date().min(new Date("1970-01-01T00:00:00Z")).max(new Date("9999-12-31T00:00:00Z")).optional(),
  to: z.date().min(new Date("1970-01-01T00:00:00Z")).max(new Date("9999-12-31T00:00:00Z")).optional(),
  page: z.number().int().min(1).max(100_000).default(1),
});

export type AuditRow = {
  id: string;
  createdAt: Date;
  actorType: string;
  actorId: string | null;
  actorEmail: string | null;
  action: string;
  entityType: string;
  entityId: string;
  before: unknown;
  after: unknown;
};

export async function listAudit(
  db: Database,
  input: z.infer<typeof auditListInput>,
): Promise<{ rows: AuditRow[]; total: number; page: number; pageSize: number; entityTypes: string[]; actions: string[] }> {
  let actorIds: string[] | undefined;
  let actorType: string | undefined;
  if (input.actor) {
    if (input.actor.includes("@")) {
      const users = await db.consoleUser.findMany({ where: { email: { contains: input.actor, mode: "insensitive" } }, select: { id: true } });
      actorIds = users.map((user) => user.id);
    } else if (/^[a-z_]+$/.test(input.actor) && !/^c[a-z0-9]{20,}$/.test(input.actor)) {
      actorType = input.actor;
    } else {
      actorIds = [input.actor];
    }
  }
  const where: Prisma.AuditLogWhereInput = {
    ...(input.entityType ? { entityType: input.entityType } : {}),
    ...(input.action ? { action: input.action } : {}),
    ...(actorIds ? { actorId: { in: actorIds } } : {}),
    ...(actorType ? { actorType } : {}),
    ...(input.from || input.to ? { createdAt: { ...(input.from ? { gte: input.from } : {}), ...(input.to ? { lt: input.to } : {}) } } : {}),
  };
  const [rows, total, entityTypes, actions] = await Promise.all([
    db.auditLog.findMany({ where, orderBy: [{ createdAt: "desc" }, { id: "desc" }], skip: (input.page - 1) * AUDIT_PAGE_SIZE, take: AUDIT_PAGE_SIZE }),
    db.auditLog.count({ where }),
    db.auditLog.findMany({ distinct: ["entityType"], select: { entityType: true }, orderBy: { entityType: "asc" } }),
    db.auditLog.findMany({ distinct: ["action"], select: { action: true }, orderBy: { action: "asc" } }),
  ]);
  const ids = [...new Set(rows.map((row) => row.actorId).filter((id): id is string => !!id))];
  const emails = new Map(
    (await db.consoleUser.findMany({ where: { id: { in: ids } }, select: { id: true, email: true } })).map((user) => [user.id, user.email]),
  );
  return {
    rows: rows.map((row) => ({
      id: row.id.toString(),
      createdAt: row.createdAt,
      actorType: row.actorType,
      actorId: row.actorId,
      actorEmail: row.actorId ? (emails.get(row.actorId) ?? null) : null,
      action: row.action,
      entityType: row.entityType,
      entityId: row.entityId,
      before: row.before,
      after: row.after,
    })),
    total,
    page: input.page,
    pageSize: AUDIT_PAGE_SIZE,
    entityTypes: entityTypes.map((row) => row.entityType),
    actions: actions.map((row) => row.action),
  };
}

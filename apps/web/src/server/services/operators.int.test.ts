import { generateApiKey, verifyPasswordAsync } from "@cascade/core";
import { createPrismaClient, type Database } from "@cascade/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeyRouter, auditRouter, consoleUserRouter } from "../api/routers/operators.ts";
import { createCallerFactory, createTRPCRouter } from "../api/trpc.ts";
import { createApiKey, createConsoleUser, listApiKeys, listAudit, OperatorChangeRefused, revokeApiKey, setConsoleUserRole } from "./operators.ts";

const createCaller = createCallerFactory(createTRPCRouter({ apiKey: apiKeyRouter, consoleUser: consoleUserRouter, audit: auditRouter }));
const suffix = Math.random().toString(36).slice(2, 10);
let db: Database;
const ids: string[] = [];

async function user(role: "admin" | "viewer" | "engineer") {
  const row = await db.consoleUser.create({
    data: { email: `ops-${role}-${ids.length}-${suffix}@example.test`, name: role, passwordHash: "scrypt$unused", role },
  });
  ids.push(row.id);
  return row;
}

beforeAll(() => {
  db = createPrismaClient(process.env.TEST_DATABASE_URL!, { poolSize: 4 });
});

afterAll(async () => {
  await db.auditLog.deleteMany({ where: { actorId: { in: ids } } });
  await db.apiKey.deleteMany({ where: { createdById: { in: ids } } });
  await db.consoleUser.deleteMany({ where: { id: { in: ids } } });
  await db.$disconnect();
});

describe("operator services", () => {
  it("creates a key whose secret is returned once and stored only as a hash, lists and revokes it, auditing both", async () => {
    const admin = await user("admin");
    const actor = { type: "console_user" as const, id: admin.id };
    const { row, secret } = await createApiKey(db, { name: `ci ${suffix}`, scopes: ["recommend", "ingest", "recommend"] }, actor);
    expect(secret).toMatch(new RegExp(`^csk_${row.prefix}_[a-f0-9]{32}$`));
    expect(row.scopes).toEqual(["ingest", "recommend"]);
    const listed = (await listApiKeys(db)).find((key) => key.id === row.id)!;
    expect(listed).toMatchObject({ name: `ci ${suffix}`, createdBy: admin.email, revokedAt: null });
    expect(JSON.stringify(listed)).not.toContain(secret.split("_")[2]);

    const revoked = await revokeApiKey(db, row.id, actor);
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    await expect(revokeApiKey(db, row.id, actor)).rejects.toBeInstanceOf(OperatorChangeRefused);
    const audit = await listAudit(db, { entityType: "api_key", actor: admin.email, page: 1 });
    expect(audit.rows.filter((entry) => entry.entityId === row.prefix).map((entry) => entry.action)).toEqual(["api_key.revoke", "api_key.create"]);
    expect(JSON.stringify(audit.rows)).not.toContain(secret.split("_")[2]);
    expect(
      (await listAudit(db, { entityType: "api_key", action: "api_key.create", actor: admin.id, page: 1 })).rows.every(
        (entry) => entry.action === "api_key.create",
      ),
    ).toBe(true);
    expect((await listAudit(db, { entityType: "api_key", actor: admin.id, from: new Date(Date.now() + 3_600_000), page: 1 })).total).toBe(0);
  });

  it("creates users with a hashed initial password, refuses duplicates, and never demotes the last admin, even under concurrent demotions", async () => {
    const first = await user("admin");
    const actor = { type: "console_user" as const, id: first.id };
    const created = await createConsoleUser(
      db,
      { email: `Ops-New-${suffix}@Example.test`, name: "New", role: "viewer", password: "a long initial password" },
      actor,
    );
    ids.push(created.id);
    const stored = await db.consoleUser.findUniqueOrThrow({ where: { id: created.id } });
    expect(stored.email).toBe(`ops-new-${suffix}@example.test`);
    expect(await verifyPasswordAsync("a long initial password", stored.passwordHash)).toBe(true);
    await expect(createConsoleUser(db, { email: stored.email, name: "Again", role: "viewer", password: "a long initial password" }, actor)).rejects.toThrow(
      /already exists/,
    );

    // Make every other admin in this database a non-admin for the duration, so ours are the only two.
    const others = await db.consoleUser.findMany({ where: { role: "admin", id: { not: first.id } }, select: { id: true } });
    await db.consoleUser.updateMany({ where: { id: { in: others.map((row) => row.id) } }, data: { role: "engineer" } });
    try {
      const second = await user("admin");
      const results = await Promise.allSettled([
        setConsoleUserRole(db, { id: first.id, role: "viewer" }, actor),
        setConsoleUserRole(db, { id: second.id, role: "viewer" }, actor),
      ]);
      expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
      expect(await db.consoleUser.count({ where: { role: "admin" } })).toBe(1);
      const remaining = (await db.consoleUser.findFirstOrThrow({ where: { role: "admin" } })).id;
      await expect(setConsoleUserRole(db, { id: remaining, role: "engineer" }, actor)).rejects.toThrow(/last admin/);
      await db.consoleUser.updateMany({ where: { id: { in: [first.id, second.id] } }, data: { role: "admin" } });
    } finally {
      await db.consoleUser.updateMany({ where: { id: { in: others.map((row) => row.id) } }, data: { role: "admin" } });
    }
  });

  it("refuses every operator procedure to non-admins on the server (the audit log to viewers)", async () => {
    const viewer = await user("viewer");
    const engineer = await user("engineer");
    const asViewer = createCaller({ db, user: { id: viewer.id, email: viewer.email, name: viewer.name, role: "viewer" } });
    const asEngineer = createCaller({ db, user: { id: engineer.id, email: engineer.email, name: engineer.name, role: "engineer" } });
    for (const caller of [asViewer, asEngineer]) {
      await expect(caller.apiKey.list()).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(caller.apiKey.create({ name: "x", scopes: ["admin"] })).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(caller.apiKey.revoke({ id: "x" })).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(caller.consoleUser.list()).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(caller.consoleUser.create({ email: "a@b.c", name: "a", role: "admin", password: "a long initial password" })).rejects.toMatchObject({
        code: "FORBIDDEN",
      });
      await expect(caller.consoleUser.setRole({ id: viewer.id, role: "admin" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
    await expect(asViewer.audit.list({ page: 1 })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect((await asEngineer.audit.list({ page: 1 })).page).toBe(1);
    expect((await db.consoleUser.findUniqueOrThrow({ where: { id: viewer.id } })).role).toBe("viewer");
    expect(generateApiKey().key).toMatch(/^csk_/);
  });
});

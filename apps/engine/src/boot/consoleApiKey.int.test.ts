import { createPrismaClient, type Database } from "@cascade/db";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKeyAuthenticator } from "../server/auth.ts";
import { CONSOLE_API_KEY_NAME, provisionConsoleApiKey } from "./consoleApiKey.ts";

let db: Database;
beforeAll(async () => {
  db = createPrismaClient(process.env.TEST_DATABASE_URL!, { poolSize: 2 });
  await db.apiKey.deleteMany({ where: { name: CONSOLE_API_KEY_NAME } });
});
afterAll(async () => {
  await db.apiKey.deleteMany({ where: { name: CONSOLE_API_KEY_NAME } });
  await db.$disconnect();
});

describe("console API key", () => {
  it("gives the console an admin key and revokes the previous start's key", async () => {
    const untouched = await db.apiKey.create({ data: { name: "console", prefix: "consoleuser1", hashedKey: "x".repeat(64), scopes: ["admin"] } });
    const first = await provisionConsoleApiKey(db);
    const second = await provisionConsoleApiKey(db);
    // a fresh authenticator per check: no cache between the two
    const auth = () => new ApiKeyAuthenticator(db, pino({ level: "silent" }));
    const principal = await auth().authenticate(`Bearer ${second.key}`);
    expect([...principal.scopes]).toEqual(["admin"]);
    await expect(auth().authenticate(`Bearer ${first.key}`)).rejects.toThrow(/revoked/);
    // keys people created, even one called "console", are left alone
    expect((await db.apiKey.findUnique({ where: { id: untouched.id } }))?.revokedAt).toBeNull();
    await db.apiKey.delete({ where: { id: untouched.id } });
    const audit = await db.auditLog.findMany({ where: { entityId: { in: [first.prefix, second.prefix] } }, orderBy: { id: "asc" } });
    expect(audit.map((row) => `${row.action} ${row.entityId}`)).toEqual([
      `api_key.create ${first.prefix}`,
      `api_key.revoke ${first.prefix}`,
      `api_key.create ${second.prefix}`,
    ]);
  });
});

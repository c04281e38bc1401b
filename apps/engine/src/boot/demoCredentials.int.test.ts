import { DEMO_API_KEY, DEMO_CONSOLE_EMAIL, DEMO_CONSOLE_PASSWORD, hashApiKey, hashPassword, parseApiKeyPrefix } from "@cascade/core";
import { createPrismaClient, type Database } from "@cascade/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findDemoCredentials } from "./demoCredentials.ts";

const prefix = parseApiKeyPrefix(DEMO_API_KEY)!;
let db: Database;

async function removeDemoCredentials(): Promise<void> {
  await db.apiKey.deleteMany({ where: { prefix } });
  await db.consoleUser.deleteMany({ where: { email: DEMO_CONSOLE_EMAIL } });
}

beforeAll(async () => {
  db = createPrismaClient(process.env.TEST_DATABASE_URL!, { poolSize: 2 });
  await removeDemoCredentials();
});
afterAll(async () => {
  await removeDemoCredentials();
  await db.$disconnect();
});

describe("demo credentials for the start banner", () => {
  it("finds none in a database that never loaded the demo world", async () => {
    expect(await findDemoCredentials(db)).toEqual({ apiKey: null, consoleLogin: null });
  });

  it("finds the demo key and login when they work, and drops each once revoked or changed", async () => {
    await db.apiKey.create({ data: { name: "demo", prefix, hashedKey: hashApiKey(DEMO_API_KEY), scopes: ["admin"] } });
    await db.consoleUser.create({ data: { email: DEMO_CONSOLE_EMAIL, name: "Demo", passwordHash: hashPassword(DEMO_CONSOLE_PASSWORD), role: "admin" } });
    expect(await findDemoCredentials(db)).toEqual({ apiKey: DEMO_API_KEY, consoleLogin: { email: DEMO_CONSOLE_EMAIL, password: DEMO_CONSOLE_PASSWORD } });

    await db.apiKey.update({ where: { prefix }, data: { revokedAt: new Date() } });
    await db.consoleUser.update({ where: { email: DEMO_CONSOLE_EMAIL }, data: { passwordHash: hashPassword("changed by the operator") } });
    expect(await findDemoCredentials(db)).toEqual({ apiKey: null, consoleLogin: null });
  });
});

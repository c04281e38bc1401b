// Sign-in must never derive a password hash on the event loop: synchronous scrypt there made 20
// concurrent logins stall every other console request for ~1.5 s. node:crypto's scryptSync is
// replaced by one that throws, so any synchronous derivation on the sign-in path fails the test.
import type * as crypto from "node:crypto";
import { hashPasswordAsync } from "@cascade/core";
import { createPrismaClient, type Database } from "@cascade/db";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { LoginThrottle } from "./login-throttle.ts";
import { signIn } from "./session.ts";

vi.mock("node:crypto", async (importOriginal) => {
  const original = await importOriginal<typeof crypto>();
  return {
    ...original,
    scryptSync: () => {
      throw new Error("synchronous scrypt on the sign-in path");
    },
  };
});

const suffix = Math.random().toString(36).slice(2, 10);
const email = `web-hashing-${suffix}@example.test`;
const password = "correct horse battery staple";
let db: Database;
let userId: string;

beforeAll(async () => {
  db = createPrismaClient(process.env.TEST_DATABASE_URL!, { poolSize: 2 });
  userId = (await db.consoleUser.create({ data: { email, name: "Hana Hashing", passwordHash: await hashPasswordAsync(password), role: "viewer" } })).id;
});

afterAll(async () => {
  await db.consoleUser.delete({ where: { id: userId } });
  await db.$disconnect();
});

describe("console sign-in hashing", () => {
  it("verifies right, wrong and unknown-account passwords without synchronous scrypt, 20 at a time", async () => {
    const throttle = new LoginThrottle();
    const attempts = await Promise.all([
      ...Array.from({ length: 3 }, (_, i) => signIn(db, { email, password: `wrong-${i}` }, { clientIp: `10.0.${i}.1`, throttle })),
      ...Array.from({ length: 16 }, (_, i) => signIn(db, { email, password }, { clientIp: `10.1.${i}.1`, throttle })),
      signIn(db, { email: `nobody-${suffix}@example.test`, password }, { clientIp: "10.2.0.1", throttle }),
    ]);
    expect(attempts.map((result) => (result.ok ? "ok" : result.reason))).toEqual([
      ...Array<string>(3).fill("invalid_credentials"),
      ...Array<string>(16).fill("ok"),
      "invalid_credentials",
    ]);
  });
});

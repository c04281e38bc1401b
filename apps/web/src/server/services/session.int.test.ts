import { hashPassword, sessionIdFromToken } from "@cascade/core";
import { createPrismaClient, type Database } from "@cascade/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SESSION_TTL_MS } from "../auth/session-cookie.ts";
import { findSessionUser, signIn, signOut } from "./session.ts";

const suffix = Math.random().toString(36).slice(2, 10);
const email = `web-session-${suffix}@example.test`;
const password = "correct horse battery staple";
let db: Database;
let userId: string;

beforeAll(async () => {
  db = createPrismaClient(process.env.TEST_DATABASE_URL!, { poolSize: 2 });
  const user = await db.consoleUser.create({
    data: { email, name: "Sam Session", passwordHash: hashPassword(password), role: "product_manager" },
  });
  userId = user.id;
});

afterAll(async () => {
  await db.consoleUser.delete({ where: { id: userId } });
  await db.$disconnect();
});

describe("console sign-in", () => {
  it("refuses a wrong password and an unknown email alike, without opening a session", async () => {
    expect(await signIn(db, { email, password: "wrong" })).toEqual({ ok: false, reason: "invalid_credentials" });
    expect(await signIn(db, { email: `nobody-${suffix}@example.test`, password })).toEqual({
      ok: false,
      reason: "invalid_credentials",
    });
    expect(await db.consoleSession.count({ where: { userId } })).toBe(0);
  });

  it("opens a session stored under the token's sha256 and records the login", async () => {
    const now = new Date("2030-01-01T12:00:00Z");
    const result = await signIn(db, { email: email.toUpperCase(), password }, now);
    if (!result.ok) throw new Error("sign-in should succeed");

    expect(result.user).toEqual({ id: userId, email, name: "Sam Session", role: "product_manager" });
    expect(result.expiresAt.getTime()).toBe(now.getTime() + SESSION_TTL_MS);
    const session = await db.consoleSession.findUniqueOrThrow({ where: { id: sessionIdFromToken(result.token) } });
    expect(session.userId).toBe(userId);
    expect(await db.consoleSession.count({ where: { id: result.token } })).toBe(0); // never the raw token
    const user = await db.consoleUser.findUniqueOrThrow({ where: { id: userId } });
    expect(user.lastLoginAt).toEqual(now);

    expect(await findSessionUser(db, result.token, now)).toEqual(result.user);
    expect(await findSessionUser(db, result.token, result.expiresAt)).toBeNull(); // expired
    expect(await findSessionUser(db, "not-a-token", now)).toBeNull();

    await signOut(db, result.token);
    expect(await findSessionUser(db, result.token, now)).toBeNull();
  });

  it("clears the user's expired sessions at the next sign-in", async () => {
    await db.consoleSession.create({ data: { id: `expired-${suffix}`, userId, expiresAt: new Date("2000-01-01") } });
    const result = await signIn(db, { email, password });
    expect(result.ok).toBe(true);
    expect(await db.consoleSession.count({ where: { id: `expired-${suffix}` } })).toBe(0);
  });
});

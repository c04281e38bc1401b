import { hashPassword, sessionIdFromToken } from "@cascade/core";
import { createPrismaClient, type Database } from "@cascade/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SESSION_TTL_MS } from "../auth/session-cookie.ts";
import { IP_LIMIT, LoginThrottle, lockoutMs } from "./login-throttle.ts";
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

describe("console sign-in brakes", () => {
  const lockedEmail = `web-lockout-${suffix}@example.test`;
  let lockedId: string;
  beforeAll(async () => {
    lockedId = (await db.consoleUser.create({ data: { email: lockedEmail, name: "Lee Lockout", passwordHash: hashPassword(password), role: "viewer" } })).id;
  });
  afterAll(async () => {
    await db.consoleUser.delete({ where: { id: lockedId } });
  });

  it("locks an account after 5 consecutive failures, refusing even the right password, for a doubling period capped at 15 min", async () => {
    const throttle = new LoginThrottle();
    const t0 = new Date("2030-02-01T00:00:00Z").getTime();
    const at = (ms: number) => ({ now: new Date(t0 + ms), clientIp: `10.0.0.${Math.floor(ms / 1000) % 250}`, throttle });
    for (let i = 0; i < 4; i += 1)
      expect(await signIn(db, { email: lockedEmail, password: "wrong" }, at(i))).toEqual({ ok: false, reason: "invalid_credentials" });
    // The fifth failure locks for 30 s.
    expect((await signIn(db, { email: lockedEmail, password: "wrong" }, at(10))).ok).toBe(false);
    expect(await signIn(db, { email: lockedEmail, password }, at(20))).toEqual({ ok: false, reason: "throttled", retryAfterSeconds: 30 });
    expect(await signIn(db, { email: lockedEmail, password }, at(29_500))).toMatchObject({ reason: "throttled", retryAfterSeconds: 1 });
    expect(await db.consoleSession.count({ where: { userId: lockedId } })).toBe(0);
    // After the lock, one more failure locks for 60 s, then 120 s …
    expect(await signIn(db, { email: lockedEmail, password: "wrong" }, at(31_000))).toEqual({ ok: false, reason: "invalid_credentials" });
    expect(await signIn(db, { email: lockedEmail, password }, at(31_001))).toEqual({ ok: false, reason: "throttled", retryAfterSeconds: 60 });
    expect(lockoutMs(5)).toBe(30_000);
    expect(lockoutMs(7)).toBe(120_000);
    expect(lockoutMs(50)).toBe(15 * 60_000);
    // Once the lock has passed, the right password opens a session and resets the count.
    const ok = await signIn(db, { email: lockedEmail, password }, at(92_000));
    expect(ok.ok).toBe(true);
    const row = await db.consoleUser.findUniqueOrThrow({ where: { id: lockedId } });
    expect(row).toMatchObject({ failedLoginCount: 0, lockedUntil: null });
    expect(await signIn(db, { email: lockedEmail, password: "wrong" }, at(93_000))).toEqual({ ok: false, reason: "invalid_credentials" });
    expect((await db.consoleUser.findUniqueOrThrow({ where: { id: lockedId } })).lockedUntil).toBeNull();
  });

  it("counts concurrent failures: 80 parallel wrong passwords leave the account locked against the right one", async () => {
    const throttle = new LoginThrottle();
    await db.consoleUser.update({ where: { id: lockedId }, data: { failedLoginCount: 0, lockedUntil: null } });
    const now = new Date();
    await Promise.all(
      Array.from({ length: 80 }, (_, i) => signIn(db, { email: lockedEmail, password: `wrong-${i}` }, { now, clientIp: `10.1.${i}.1`, throttle })),
    );
    const result = await signIn(db, { email: lockedEmail, password }, { now, clientIp: "10.2.0.1", throttle });
    expect(result).toMatchObject({ ok: false, reason: "throttled" });
    await db.consoleUser.update({ where: { id: lockedId }, data: { failedLoginCount: 0, lockedUntil: null } });
  });

  it("locks unknown emails on the same schedule, so the lockout message does not reveal which accounts exist", async () => {
    const throttle = new LoginThrottle();
    const now = new Date("2030-03-01T00:00:00Z");
    const unknown = `nobody-${suffix}@example.test`;
    for (let i = 0; i < 5; i += 1)
      expect(await signIn(db, { email: unknown, password: "x" }, { now, clientIp: `10.3.${i}.1`, throttle })).toMatchObject({ reason: "invalid_credentials" });
    expect(await signIn(db, { email: unknown.toUpperCase(), password: "x" }, { now, clientIp: "10.3.9.1", throttle })).toEqual({
      ok: false,
      reason: "throttled",
      retryAfterSeconds: 30,
    });
  });

  it("limits failures per client IP across emails, then refuses that IP even for a right password until its window ends", async () => {
    const throttle = new LoginThrottle();
    const now = new Date("2030-04-01T00:00:00Z");
    for (let i = 0; i < IP_LIMIT.failures; i += 1) {
      await signIn(db, { email: `spray-${i}-${suffix}@example.test`, password: "x" }, { now, clientIp: "203.0.113.7", throttle });
    }
    expect(await signIn(db, { email, password }, { now, clientIp: "203.0.113.7", throttle })).toEqual({
      ok: false,
      reason: "throttled",
      retryAfterSeconds: IP_LIMIT.windowMs / 1000,
    });
    // Another client is not affected, and the IP may try again once the window has passed.
    expect((await signIn(db, { email, password }, { now, clientIp: "198.51.100.1", throttle })).ok).toBe(true);
    expect((await signIn(db, { email, password }, { now: new Date(now.getTime() + IP_LIMIT.windowMs), clientIp: "203.0.113.7", throttle })).ok).toBe(true);
  });
});

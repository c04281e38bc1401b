// Console sign-in: checks credentials against console_users, opens and closes rows in
// console_sessions, and resolves a cookie token back to its user. Knows nothing about HTTP.
import { generateSessionToken, hashPasswordAsync, sessionIdFromToken, verifyPasswordAsync } from "@cascade/core";
import { ConsoleRole, type Database } from "@cascade/db";
import { z } from "zod";
import { SESSION_TTL_MS } from "../auth/session-cookie.ts";
import { type LoginThrottle, lockoutMs, loginThrottle } from "./login-throttle.ts";
import { isStorableText } from "../../lib/storable-text.ts";

export const sessionUserSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(ConsoleRole),
});
export type SessionUser = z.infer<typeof sessionUserSchema>;

export const credentialsSchema = z.object({
  email: z
    .string()
    .trim()
    .min(1, "Enter your email address.")
    .max(320)
    // PostgreSQL text cannot hold NUL nor a lone surrogate: such an email cannot exist, so say so before querying.
    .refine(isStorableText, "Enter your email address."),
  password: z.string().min(1, "Enter your password.").max(1024),
});
export type Credentials = z.infer<typeof credentialsSchema>;

export type SignInResult =
  | { ok: true; token: string; expiresAt: Date; user: SessionUser }
  | { ok: false; reason: "invalid_credentials" }
  /** Too many failures for this account or from this client: refused, even with the right password, for retryAfterSeconds. */
  | { ok: false; reason: "throttled"; retryAfterSeconds: number };

export type SignInOptions = {
  now?: Date;
  /** The client's IP as far as the console can tell ("unknown" when it cannot). */
  clientIp?: string;
  throttle?: LoginThrottle;
};

// Checked against when the email is unknown, so that a wrong email costs the same scrypt time
// as a wrong password and response times do not reveal which accounts exist.
let decoyPasswordHash: Promise<string> | undefined;

function throttled(ms: number): SignInResult {
  return { ok: false, reason: "throttled", retryAfterSeconds: Math.max(1, Math.ceil(ms / 1000)) };
}

/**
 * Checks credentials and opens a session. Password hashing runs on libuv's thread pool, so a burst
 * of sign-ins does not stall the console's other requests. Brakes, in order: the client IP's
 * failure budget (in memory), the account's lockout (in the database: 5 consecutive failures lock
 * it for 30 s, doubling per further failure up to 15 min; a success resets it), and for unknown
 * emails the same schedule in memory, so "too many attempts" does not reveal which accounts exist.
 */
export async function signIn(db: Database, credentials: Credentials, options: SignInOptions | Date = {}): Promise<SignInResult> {
  const { now = new Date(), clientIp = "unknown", throttle = loginThrottle } = options instanceof Date ? { now: options } : options;
  const at = now.getTime();
  const email = credentials.email.trim();

  const ipWait = throttle.ipBlockedFor(clientIp, at);
  if (ipWait > 0) return throttled(ipWait);

  const user = await db.consoleUser.findFirst({
    where: { email: { equals: email, mode: "insensitive" } },
    select: { id: true, email: true, name: true, role: true, passwordHash: true, lockedUntil: true },
  });
  if (!user) {
    const emailKey = email.toLowerCase();
    const lockWait = throttle.unknownEmailLockedFor(emailKey, at);
    if (lockWait > 0) return throttled(lockWait);
    decoyPasswordHash ??= hashPasswordAsync("decoy-password-for-unknown-accounts");
    await verifyPasswordAsync(credentials.password, await decoyPasswordHash);
    throttle.recordIpFailure(clientIp, at);
    throttle.recordUnknownEmailFailure(emailKey, at);
    return { ok: false, reason: "invalid_credentials" };
  }
  if (user.lockedUntil && user.lockedUntil.getTime() > at) return throttled(user.lockedUntil.getTime() - at);

  if (!(await verifyPasswordAsync(credentials.password, user.passwordHash))) {
    throttle.recordIpFailure(clientIp, at);
    // The increment is atomic, so concurrent failures all count.
    const { failedLoginCount } = await db.consoleUser.update({
      where: { id: user.id },
      data: { failedLoginCount: { increment: 1 } },
      select: { failedLoginCount: true },
    });
    const lock = lockoutMs(failedLoginCount);
    if (lock > 0) await db.consoleUser.update({ where: { id: user.id }, data: { lockedUntil: new Date(at + lock) } });
    return { ok: false, reason: "invalid_credentials" };
  }

  const { token, id } = generateSessionToken();
  const expiresAt = new Date(at + SESSION_TTL_MS);
  await db.$transaction([
    db.consoleSession.create({ data: { id, userId: user.id, expiresAt } }),
    db.consoleUser.update({ where: { id: user.id }, data: { lastLoginAt: now, failedLoginCount: 0, lockedUntil: null } }),
    // Housekeeping: this user's expired sessions are dead rows; drop them while we are here.
    db.consoleSession.deleteMany({ where: { userId: user.id, expiresAt: { lte: now } } }),
  ]);
  return { ok: true, token, expiresAt, user: { id: user.id, email: user.email, name: user.name, role: user.role } };
}

/** The user behind a session token, or null when the token is unknown or its session expired. */
export async function findSessionUser(db: Database, token: string, now = new Date()): Promise<SessionUser | null> {
  const session = await db.consoleSession.findUnique({
    where: { id: sessionIdFromToken(token) },
    select: { expiresAt: true, user: { select: { id: true, email: true, name: true, role: true } } },
  });
  if (!session || session.expiresAt <= now) return null;
  return session.user;
}

export async function signOut(db: Database, token: string): Promise<void> {
  await db.consoleSession.deleteMany({ where: { id: sessionIdFromToken(token) } });
}

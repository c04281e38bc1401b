// Console sign-in: checks credentials against console_users, opens and closes rows in
// console_sessions, and resolves a cookie token back to its user. Knows nothing about HTTP.
import { generateSessionToken, hashPassword, sessionIdFromToken, verifyPassword } from "@cascade/core";
import { ConsoleRole, type Database } from "@cascade/db";
import { z } from "zod";
import { SESSION_TTL_MS } from "../auth/session-cookie.ts";

export const sessionUserSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(ConsoleRole),
});
export type SessionUser = z.infer<typeof sessionUserSchema>;

export const credentialsSchema = z.object({
  email: z.string().trim().min(1, "Enter your email address.").max(320),
  password: z.string().min(1, "Enter your password.").max(1024),
});
export type Credentials = z.infer<typeof credentialsSchema>;

export type SignInResult = { ok: true; token: string; expiresAt: Date; user: SessionUser } | { ok: false; reason: "invalid_credentials" };

// Checked against when the email is unknown, so that a wrong email costs the same scrypt time
// as a wrong password and response times do not reveal which accounts exist.
let decoyPasswordHash: string | undefined;

export async function signIn(db: Database, credentials: Credentials, now = new Date()): Promise<SignInResult> {
  const user = await db.consoleUser.findFirst({
    where: { email: { equals: credentials.email.trim(), mode: "insensitive" } },
    select: { id: true, email: true, name: true, role: true, passwordHash: true },
  });
  if (!user) {
    decoyPasswordHash ??= hashPassword("decoy-password-for-unknown-accounts");
    verifyPassword(credentials.password, decoyPasswordHash);
    return { ok: false, reason: "invalid_credentials" };
  }
  if (!verifyPassword(credentials.password, user.passwordHash)) {
    return { ok: false, reason: "invalid_credentials" };
  }

  const { token, id } = generateSessionToken();
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  await db.$transaction([
    db.consoleSession.create({ data: { id, userId: user.id, expiresAt } }),
    db.consoleUser.update({ where: { id: user.id }, data: { lastLoginAt: now } }),
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

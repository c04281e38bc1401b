// The console session cookie: an opaque random token. The database stores only its sha256
// (console_sessions.id), so a leaked database does not leak usable sessions.
export const SESSION_COOKIE_NAME = "cascade_session";

/** Absolute session lifetime; users sign in again after this, whatever their activity. */
export const SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export type SessionCookieOptions = {
  httpOnly: true;
  sameSite: "lax";
  secure: boolean;
  path: "/";
  expires: Date;
};

/**
 * httpOnly keeps the token away from scripts; SameSite=Lax keeps it off cross-site POSTs (the
 * CSRF guard for tRPC mutations). `secure` follows the request's scheme so the console still
 * works over plain http on a laptop.
 */
export function sessionCookieOptions(expires: Date, secure: boolean): SessionCookieOptions {
  return { httpOnly: true, sameSite: "lax", secure, path: "/", expires };
}

// The signed-in user for server components, layouts and server actions. This is the real
// authentication check (the proxy only looks for the cookie): every console page goes through it.
import "server-only";
import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { getDb } from "../db.ts";
import { findSessionUser, type SessionUser } from "../services/session.ts";
import { loginPath } from "./login-path.ts";
import { REQUEST_PATH_HEADER } from "./request-path-header.ts";
import { SESSION_COOKIE_NAME } from "./session-cookie.ts";

/** Memoised per request, so the layout and the page share one database lookup. */
export const getCurrentUser = cache(async (): Promise<SessionUser | null> => {
  const token = (await cookies()).get(SESSION_COOKIE_NAME)?.value;
  return token ? findSessionUser(getDb(), token) : null;
});

/** The signed-in user; anyone else is sent to /login and brought back here afterwards. */
export async function requireCurrentUser(): Promise<SessionUser> {
  const user = await getCurrentUser();
  if (!user) {
    const path = (await headers()).get(REQUEST_PATH_HEADER);
    redirect(loginPath(path));
  }
  return user;
}

"use server";
// Sign-in as a server action: the form posts even before the page has hydrated, and the cookie
// is set on the same response that redirects into the console.
import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { safeReturnPath } from "@/server/auth/login-path.ts";
import { SESSION_COOKIE_NAME, sessionCookieOptions } from "@/server/auth/session-cookie.ts";
import { getDb } from "@/server/db.ts";
import { credentialsSchema, type SignInResult, signIn } from "@/server/services/session.ts";

export type SignInState = {
  /** Shown above the form; null before the first attempt. */
  error: string | null;
  /** Echoed back so a failed attempt does not clear the email field. */
  email: string;
};

export async function signInAction(_previous: SignInState, form: FormData): Promise<SignInState> {
  const email = String(form.get("email") ?? "");
  const parsed = credentialsSchema.safeParse({ email, password: form.get("password") ?? "" });
  if (!parsed.success) {
    return { error: parsed.error.issues[0]?.message ?? "Enter your email and password.", email };
  }

  const requestHeaders = await headers();
  let result: SignInResult;
  try {
    result = await signIn(getDb(), parsed.data, { clientIp: clientIp(requestHeaders) });
  } catch (error) {
    console.error("sign-in failed:", error);
    return { error: "The console cannot reach its database right now. Try again in a moment.", email };
  }
  if (!result.ok && result.reason === "throttled") {
    return { error: `Too many sign-in attempts. Try again in ${result.retryAfterSeconds} s.`, email };
  }
  if (!result.ok) {
    // One message for unknown email and wrong password: which one it was is not ours to reveal.
    return { error: "Incorrect email or password.", email };
  }

  const secure = requestHeaders.get("x-forwarded-proto") === "https";
  (await cookies()).set(SESSION_COOKIE_NAME, result.token, sessionCookieOptions(result.expiresAt, secure));
  redirect(safeReturnPath(String(form.get("next") ?? "")));
}

/**
 * The client's IP for the per-IP sign-in budget: the first X-Forwarded-For entry (Next's server
 * fills the header with the socket's address when no proxy set it). A client talking to the
 * console directly can forge it, so the per-IP budget is only as good as the proxy in front;
 * the per-account lockout does not depend on it.
 */
function clientIp(requestHeaders: Headers): string {
  return requestHeaders.get("x-forwarded-for")?.split(",")[0]?.trim() || requestHeaders.get("x-real-ip")?.trim() || "unknown";
}

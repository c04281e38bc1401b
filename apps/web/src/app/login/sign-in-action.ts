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

  let result: SignInResult;
  try {
    result = await signIn(getDb(), parsed.data);
  } catch (error) {
    console.error("sign-in failed:", error);
    return { error: "The console cannot reach its database right now. Try again in a moment.", email };
  }
  if (!result.ok) {
    // One message for unknown email and wrong password: which one it was is not ours to reveal.
    return { error: "Incorrect email or password.", email };
  }

  const secure = (await headers()).get("x-forwarded-proto") === "https";
  (await cookies()).set(SESSION_COOKIE_NAME, result.token, sessionCookieOptions(result.expiresAt, secure));
  redirect(safeReturnPath(String(form.get("next") ?? "")));
}

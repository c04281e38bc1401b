"use server";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { SESSION_COOKIE_NAME } from "@/server/auth/session-cookie.ts";
import { getDb } from "@/server/db.ts";
import { signOut } from "@/server/services/session.ts";

/** Ends the session in the database (not only the cookie), so the token is dead everywhere. */
export async function signOutAction(): Promise<void> {
  const cookieStore = await cookies();
  const token = cookieStore.get(SESSION_COOKIE_NAME)?.value;
  if (token) await signOut(getDb(), token);
  cookieStore.delete(SESSION_COOKIE_NAME);
  redirect("/login");
}

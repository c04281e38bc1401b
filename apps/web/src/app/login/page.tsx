import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { BrandMark } from "@/components/brand-mark.tsx";
import { getCurrentUser } from "@/server/auth/current-user.ts";
import { safeReturnPath } from "@/server/auth/login-path.ts";
import { LoginForm } from "./login-form.tsx";
import styles from "./login.module.css";

export const metadata: Metadata = { title: "Sign in" };

type LoginPageProps = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function LoginPage({ searchParams }: LoginPageProps) {
  const { next } = await searchParams;
  const returnTo = safeReturnPath(typeof next === "string" ? next : undefined);
  // Already signed in (valid session, not just a cookie): nothing to do here.
  if (await getCurrentUser()) redirect(returnTo);

  return (
    <main className={styles.page}>
      <div className={styles.panel}>
        <div className={styles.brand}>
          <BrandMark size={36} />
          <span className={styles.brandName}>Cascade</span>
        </div>
        <h1 className={styles.title}>Sign in to the console</h1>
        <p className={styles.subtitle}>Configure, test and debug your recommendations.</p>
        <LoginForm returnTo={returnTo} />
      </div>
    </main>
  );
}

"use client";
import { Button } from "@cascade/ui";
import { useActionState } from "react";
import { type SignInState, signInAction } from "./sign-in-action.ts";
import styles from "./login.module.css";

const initialState: SignInState = { error: null, email: "" };

export function LoginForm({ returnTo }: { returnTo: string }) {
  const [state, formAction, pending] = useActionState(signInAction, initialState);
  return (
    <form action={formAction} className={styles.form} aria-describedby={state.error ? "login-error" : undefined}>
      {state.error ? (
        <p id="login-error" className={styles.error} role="alert">
          {state.error}
        </p>
      ) : null}
      <input type="hidden" name="next" value={returnTo} />
      <label className={styles.field}>
        <span className={styles.label}>Email</span>
        <input
          className={styles.input}
          type="email"
          name="email"
          autoComplete="username"
          required
          // React resets the form after each submission; this brings the email back.
          defaultValue={state.email}
          autoFocus
        />
      </label>
      <label className={styles.field}>
        <span className={styles.label}>Password</span>
        <input className={styles.input} type="password" name="password" autoComplete="current-password" required />
      </label>
      <Button type="submit" variant="primary" disabled={pending} className={styles.submit}>
        {pending ? "Signing in…" : "Sign in"}
      </Button>
    </form>
  );
}

import { ROLE_LABELS } from "@/lib/role-labels.ts";
import type { SessionUser } from "@/server/services/session.ts";
import { signOutAction } from "./sign-out-action.ts";
import styles from "./console-shell.module.css";

function initials(name: string): string {
  const letters = name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((word) => word[0]?.toUpperCase() ?? "");
  return letters.join("") || "?";
}

/** Who is signed in, with which role, and the way out. */
export function UserCard({ user }: { user: SessionUser }) {
  return (
    <div className={styles.user} data-testid="current-user">
      <span className={styles.avatar} aria-hidden="true">
        {initials(user.name)}
      </span>
      <div className={styles.userText}>
        <span className={styles.userName} title={user.email}>
          {user.name}
        </span>
        <span className={styles.userRole} data-testid="current-user-role">
          {ROLE_LABELS[user.role]}
        </span>
      </div>
      <form action={signOutAction}>
        <button type="submit" className={styles.signOut} aria-label="Sign out" title="Sign out">
          <svg width="16" height="16" viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="1.7" aria-hidden="true">
            <path d="M8 4H5a1 1 0 0 0-1 1v10a1 1 0 0 0 1 1h3M12 6l4 4-4 4M16 10H8" strokeLinecap="round" strokeLinejoin="round" />
          </svg>
        </button>
      </form>
    </div>
  );
}

import Link from "next/link";
import type { ReactNode } from "react";
import { BrandMark } from "@/components/brand-mark.tsx";
import type { SessionUser } from "@/server/services/session.ts";
import { SidebarNav } from "./sidebar-nav.tsx";
import { UserCard } from "./user-card.tsx";
import styles from "./console-shell.module.css";

/** Sidebar (brand, sections, signed-in user) around the page content. */
export function ConsoleShell({ user, children }: { user: SessionUser; children: ReactNode }) {
  return (
    <div className={styles.shell}>
      <aside className={styles.sidebar}>
        <Link href="/" className={styles.brand}>
          <BrandMark />
          <span>
            Cascade
            <span className={styles.brandSub}>Recommendation console</span>
          </span>
        </Link>
        <SidebarNav />
        <UserCard user={user} />
      </aside>
      <main className={styles.main}>
        <div className={styles.content}>{children}</div>
      </main>
    </div>
  );
}

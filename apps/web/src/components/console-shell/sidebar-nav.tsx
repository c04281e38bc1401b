"use client";
// Client component only for usePathname(): the active entry follows client-side navigation.
import Link from "next/link";
import { usePathname } from "next/navigation";
import { NavIcon } from "./nav-icon.tsx";
import { isActiveSection, NAV_SECTIONS } from "./nav-sections.ts";
import styles from "./console-shell.module.css";

export function SidebarNav() {
  const pathname = usePathname();
  return (
    <nav aria-label="Console sections" className={styles.nav}>
      <ul className={styles.navList}>
        {NAV_SECTIONS.map((section) => (
          <li key={section.label}>
            {section.status === "ready" ? (
              <Link href={section.href} className={styles.navLink} aria-current={isActiveSection(section.href, pathname) ? "page" : undefined}>
                <NavIcon name={section.icon} />
                {section.label}
              </Link>
            ) : (
              <span className={`${styles.navLink} ${styles.navSoon}`} aria-disabled="true">
                <NavIcon name={section.icon} />
                {section.label}
                <span className={styles.soonPill}>
                  Soon<span className="cx-visually-hidden"> (coming soon)</span>
                </span>
              </span>
            )}
          </li>
        ))}
      </ul>
    </nav>
  );
}

// The console's sections in sidebar order. Sections whose pages do not exist yet are listed as
// "coming soon" so people see where the console is going, without links to empty pages.
export type NavIcon = "overview" | "items" | "debugger" | "rules" | "experiments" | "models" | "features" | "events" | "keys" | "users" | "audit";

export type NavSection = { label: string; icon: NavIcon; status: "ready"; href: string } | { label: string; icon: NavIcon; status: "soon" };

export const NAV_SECTIONS: readonly NavSection[] = [
  { label: "Overview", icon: "overview", status: "ready", href: "/" },
  { label: "Items", icon: "items", status: "ready", href: "/items" },
  { label: "Feed debugger", icon: "debugger", status: "ready", href: "/feed" },
  { label: "Rules", icon: "rules", status: "ready", href: "/rules" },
  { label: "Experiments", icon: "experiments", status: "ready", href: "/experiments" },
  { label: "Models", icon: "models", status: "ready", href: "/models" },
  { label: "Features", icon: "features", status: "ready", href: "/features" },
  { label: "Events", icon: "events", status: "ready", href: "/events" },
  { label: "API keys", icon: "keys", status: "ready", href: "/api-keys" },
  { label: "Users", icon: "users", status: "ready", href: "/users" },
  { label: "Audit", icon: "audit", status: "ready", href: "/audit" },
];

/** Whether a section is the one being shown ("/" only matches itself, others match sub-paths). */
export function isActiveSection(href: string, pathname: string): boolean {
  return href === "/" ? pathname === "/" : pathname === href || pathname.startsWith(`${href}/`);
}

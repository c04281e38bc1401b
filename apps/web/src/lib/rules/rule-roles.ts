import type { ConsoleRole } from "@cascade/db";

/**
 * Who may save drafts, publish and roll back surface rule sets: product managers own rules,
 * engineers and admins own production. Data scientists and viewers read them.
 */
export const RULE_EDITOR_ROLES: readonly ConsoleRole[] = ["admin", "engineer", "product_manager"];

/**
 * Who may open a user's feed in the debugger: it shows that user's history, so viewers may not.
 */
export const FEED_DEBUGGER_ROLES: readonly ConsoleRole[] = ["admin", "engineer", "product_manager", "data_scientist"];

export function canEditRules(role: ConsoleRole): boolean {
  return RULE_EDITOR_ROLES.includes(role);
}

export function canDebugFeeds(role: ConsoleRole): boolean {
  return FEED_DEBUGGER_ROLES.includes(role);
}

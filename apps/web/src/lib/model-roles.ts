import type { ConsoleRole } from "@cascade/db";

/**
 * Who may change what the engine serves (promote, roll back) and register external rankers:
 * data scientists own models, engineers and admins own production. Product managers and viewers
 * read the page only.
 */
export const MODEL_EDITOR_ROLES: readonly ConsoleRole[] = ["admin", "engineer", "data_scientist"];

export function canEditModels(role: ConsoleRole): boolean {
  return MODEL_EDITOR_ROLES.includes(role);
}

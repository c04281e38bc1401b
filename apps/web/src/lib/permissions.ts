// Who may do what in the console: one role × action table, read by the tRPC procedures (which
// refuse with FORBIDDEN) and by pages (which hide or disable the controls and say why). Roles are
// not a ladder (a data scientist is not "more" than a product manager), so each action lists its
// roles. Reading is open to every signed-in role unless an action below says otherwise.
import type { ConsoleRole } from "@cascade/db";
import { ROLE_LABELS } from "./role-labels.ts";

const RULE_EDITORS = ["admin", "engineer", "product_manager"] as const satisfies readonly ConsoleRole[];
const MODEL_EDITORS = ["admin", "engineer", "data_scientist"] as const satisfies readonly ConsoleRole[];
const EXPERIMENTERS = ["admin", "data_scientist"] as const satisfies readonly ConsoleRole[];

/**
 * - Rule sets: product managers own rules, engineers and admins own production; data scientists
 *   and viewers read them.
 * - Models: data scientists own models, engineers and admins own production; product managers and
 *   viewers read the page only.
 * - Feed debugger: it shows a user's history, so viewers may not open it.
 * - Experiments: data scientists design and run them (create, edit, start, stop, stop a variant,
 *   ship the winner) and admins may too. Everyone else reads the list and the results: shipping
 *   publishes a rule-set version, but it is the end of a data scientist's test, so product
 *   managers and engineers (who own rules and production) see it happen rather than trigger it.
 */
export const PERMISSIONS = {
  "ruleSet.edit": RULE_EDITORS,
  "model.promote": MODEL_EDITORS,
  "model.rollback": MODEL_EDITORS,
  "model.register": MODEL_EDITORS,
  "feed.preview": ["admin", "engineer", "product_manager", "data_scientist"],
  /** Create a draft, edit a draft or a running experiment (including starting a new phase). */
  "experiment.edit": EXPERIMENTERS,
  /** Start, stop, stop one variant, ship a variant. */
  "experiment.run": EXPERIMENTERS,
  /** Create, list and revoke the engine's API keys (keys carry production power, admins only). */
  "apiKey.manage": ["admin"],
  /** Create console users, change roles (never demoting the last admin). */
  "user.manage": ["admin"],
  /** Read the audit log (it names people and shows before/after of every change). */
  "audit.read": ["admin", "engineer"],
} as const satisfies Record<string, readonly ConsoleRole[]>;

export type ConsoleAction = keyof typeof PERMISSIONS;

export function rolesFor(action: ConsoleAction): readonly ConsoleRole[] {
  return PERMISSIONS[action];
}

export function can(role: ConsoleRole, action: ConsoleAction): boolean {
  return rolesFor(action).includes(role);
}

/** Every action a role may take, for pages that pass a set of flags down. */
export function permissionsOf(role: ConsoleRole): Record<ConsoleAction, boolean> {
  return Object.fromEntries(Object.keys(PERMISSIONS).map((action) => [action, can(role, action as ConsoleAction)])) as Record<ConsoleAction, boolean>;
}

/** "the admin, engineer or data scientist role", for messages that say who may do something. */
export function rolesSentence(action: ConsoleAction): string {
  const labels = rolesFor(action).map((role) => ROLE_LABELS[role].toLowerCase());
  const list = labels.length > 1 ? `${labels.slice(0, -1).join(", ")} or ${labels.at(-1)}` : (labels[0] ?? "no");
  return `the ${list} role`;
}

// What a component's failure does, by component id: one table that the surface's declaration
// (surfacePipeline.ts) applies to every filter and rule it declares. Safety components fail closed:
// a published rule must hold, so what could not be checked is not served (a filter that throws
// removes every candidate; the diversity caps, applied jointly, empty the list). Everything else
// fails open: a filter or rule that throws is skipped, a scorer that fails leaves its declared
// defaults (scorers have no closed mode). A new safety filter is added here, or it fails open.
export type FailurePolicy = "open" | "closed";

const CLOSED_FILTERS: ReadonlySet<string> = new Set(["excluded", "knownItems", "userExclusions", "consumed", "blocked", "availability"]);

/** Filters: the safety ones and every configured expression (`expression:<id>`, a published rule) fail closed. */
export function filterFailurePolicy(id: string): FailurePolicy {
  return CLOSED_FILTERS.has(id) || id.startsWith("expression:") ? "closed" : "open";
}

/** Rules: only the diversity caps (a published constraint) fail closed. */
export function ruleFailurePolicy(id: string, diversityCapsId: string | null): FailurePolicy {
  return id === diversityCapsId ? "closed" : "open";
}

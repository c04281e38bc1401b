// What a request's serving assembly collects besides the funnel's trace: the tallies the metrics
// side effect records after the response (declared defaults used per feature), and why the page is
// degraded or served differently from its config (a model that failed to load, none trained yet).
import type { DegradedCause } from "@cascade/core";

export type RequestScope = {
  /** feature name → how many candidate values fell back to the declared default. */
  defaultsUsed: Map<string, number>;
  /** Why the page is degraded besides component failures (an active model that failed to load, …); add with degrade(). */
  degradedBecause: string[];
  /** The same, with the component each is about (for the response's `degradedCauses`). */
  degradedCauses: DegradedCause[];
  /** How this request was served differently from the config, without being degraded (no model trained yet, …). */
  notes: string[];
};

export function createRequestScope(): RequestScope {
  return { defaultsUsed: new Map(), degradedBecause: [], degradedCauses: [], notes: [] };
}

export function countDefault(scope: RequestScope, feature: string, count = 1): void {
  scope.defaultsUsed.set(feature, (scope.defaultsUsed.get(feature) ?? 0) + count);
}

/** Records that the page is degraded because of `component`. */
export function degrade(scope: RequestScope, component: string, reason: string): void {
  scope.degradedBecause.push(reason);
  scope.degradedCauses.push({ component, reason });
}

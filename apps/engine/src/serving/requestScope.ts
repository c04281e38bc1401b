// What a request's serving assembly notes besides the funnel's trace: why the page is degraded or
// served differently from its config (a model that failed to load, none trained yet). Components
// never see it: what they learn travels in the query, what they count in the trace (`counts`).
import type { DegradedCause } from "@cascade/core";

export type RequestScope = {
  /** Why the page is degraded besides component failures (an active model that failed to load, …); add with degrade(). */
  degradedBecause: string[];
  /** The same, with the component each is about (for the response's `degradedCauses`). */
  degradedCauses: DegradedCause[];
  /** How this request was served differently from the config, without being degraded (no model trained yet, …). */
  notes: string[];
};

export function createRequestScope(): RequestScope {
  return { degradedBecause: [], degradedCauses: [], notes: [] };
}

/** Records that the page is degraded because of `component`. */
export function degrade(scope: RequestScope, component: string, reason: string): void {
  scope.degradedBecause.push(reason);
  scope.degradedCauses.push({ component, reason });
}

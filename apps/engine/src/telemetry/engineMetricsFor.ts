// The metrics an app records into: `deps.metrics` when the caller passed one (to share it with
// code outside the app, e.g. the event consumers), else one created on first use for this deps
// object. The app's /metrics route and the funnel both resolve it here, so they always agree.
import type { EngineDeps } from "../engineDeps.ts";
import { createEngineMetrics, type EngineMetrics } from "./engineMetrics.ts";

const created = new WeakMap<Pick<EngineDeps, "metrics">, EngineMetrics>();

export function engineMetricsFor(deps: Pick<EngineDeps, "metrics">): EngineMetrics {
  if (deps.metrics) return deps.metrics;
  let metrics = created.get(deps);
  if (!metrics) {
    metrics = createEngineMetrics();
    created.set(deps, metrics);
  }
  return metrics;
}

// Whether the engine serves what the registry says is active, per slot. Promotion is a database
// change that engines pick up asynchronously (notification, then artifact load), so for a moment
// (or for good, when the artifact is refused) the two differ; the Models page shows which.

export type ServedModelRef = { id: string; version: number | null; name: string | null; loadedAt: Date | null };
export type ActiveModelRef = { id: string; version: number; name: string };

export type SlotServingState =
  /** The engine could not be asked. */
  | { state: "unreachable" }
  /** The engine answered but does not report loaded models (an older engine). */
  | { state: "unknown" }
  /** Nothing active, nothing served. */
  | { state: "empty" }
  /** The engine serves the active version. */
  | { state: "in_sync"; served: ServedModelRef }
  /** The registry's active version is not (yet) what the engine serves. */
  | { state: "pending"; active: ActiveModelRef; served: ServedModelRef | null }
  /** The engine serves a version although none is active (retired without a successor). */
  | { state: "stale"; served: ServedModelRef };

export function slotServingState(
  active: ActiveModelRef | null,
  engine: { reachable: false } | { reachable: true; reportsModels: boolean; served: ServedModelRef | null },
): SlotServingState {
  if (!engine.reachable) return { state: "unreachable" };
  if (!engine.reportsModels) return { state: "unknown" };
  const served = engine.served;
  if (active && served?.id === active.id) return { state: "in_sync", served };
  if (active) return { state: "pending", active, served };
  return served ? { state: "stale", served } : { state: "empty" };
}

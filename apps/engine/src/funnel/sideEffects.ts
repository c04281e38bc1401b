// Side effects (impression log, trace sample, metrics) start after the result is built and are
// never awaited: they run on a later microtask, and neither a throw nor a rejection reaches the
// request.
import type { SideEffect } from "./components.ts";
import type { FunnelQuery } from "./query.ts";
import type { FunnelResult } from "./trace.ts";

export function fireSideEffects(
  sideEffects: readonly SideEffect[],
  query: FunnelQuery,
  result: FunnelResult,
  onError?: (sideEffectId: string, error: unknown) => void,
): void {
  for (const sideEffect of sideEffects) {
    void Promise.resolve()
      .then(() => sideEffect.run(query, result))
      .catch((error: unknown) => {
        try {
          onError?.(sideEffect.id, error);
        } catch {
          // An error reporter that throws must not turn into an unhandled rejection either.
        }
      });
  }
}

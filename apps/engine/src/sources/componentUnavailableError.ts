// A component that cannot run because something it needs is absent (no active model, no table
// built yet). Thrown so the trace shows the reason; metrics count it as "unavailable", not "error".
export class ComponentUnavailableError extends Error {
  override readonly name = "ComponentUnavailableError";
  constructor(reason: string) {
    super(`${UNAVAILABLE_PREFIX}${reason}`);
  }
}

/** Messages start with this, so a trace (which keeps only the message) still tells the kinds apart. */
export const UNAVAILABLE_PREFIX = "unavailable: ";

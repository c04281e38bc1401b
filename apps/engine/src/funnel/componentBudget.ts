// Runs one component under its own time budget. On expiry the component's AbortSignal fires and
// the runner moves on at once: a late result is dropped, never awaited, and a late failure is
// swallowed. Components that declare `abortable` get an AbortSignal so they can stop their own work
// too; the others get UNDECLARED_SIGNAL (below).
export type BudgetOutcome<T> = { status: "ok"; value: T; ms: number } | { status: "timeout"; ms: number } | { status: "error"; error: unknown; ms: number };

/**
 * The signal a component gets when it did not declare `abortable`. None of the built-in components
 * reads its signal, and an AbortController per component call (Node builds its signal, an
 * EventTarget, on first read) was ~2% of the request thread at 1M items and 200/s, for 14 calls
 * per request. Reading any property of this one throws, so a component that starts using its
 * signal without declaring it fails loudly (failed open, traced) instead of silently never aborting.
 */
export const UNDECLARED_SIGNAL: AbortSignal = new Proxy(
  {},
  {
    get(_target, property) {
      // Symbols (inspection, toStringTag) answer nothing: printing the signal is not using it.
      if (typeof property === "symbol") return undefined;
      throw new Error(`a component read its AbortSignal (.${property}) without declaring \`abortable: true\``);
    },
  },
) as AbortSignal;

/** `abortable` false: `work` gets UNDECLARED_SIGNAL and nothing is aborted when the budget passes (the late result is still dropped). */
export function runWithinBudget<T>(budgetMs: number, work: (signal: AbortSignal) => Promise<T>, abortable = true): Promise<BudgetOutcome<T>> {
  const startedAt = performance.now();
  const controller = abortable ? new AbortController() : null;
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: BudgetOutcome<T>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const timer = setTimeout(() => {
      controller?.abort(new Error(`budget of ${budgetMs} ms exceeded`));
      settle({ status: "timeout", ms: performance.now() - startedAt });
    }, budgetMs);
    let running: Promise<T>;
    try {
      running = work(controller ? controller.signal : UNDECLARED_SIGNAL);
    } catch (error) {
      settle({ status: "error", error, ms: performance.now() - startedAt });
      return;
    }
    running.then(
      (value) => settle({ status: "ok", value, ms: performance.now() - startedAt }),
      (error: unknown) => settle({ status: "error", error, ms: performance.now() - startedAt }),
    );
  });
}

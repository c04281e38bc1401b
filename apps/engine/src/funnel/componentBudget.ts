// Runs one component under its own time budget. On expiry the component's AbortSignal fires and
// the runner moves on at once: a late result is dropped, never awaited, and a late failure is
// swallowed. Components get an AbortSignal so they can stop their own work too.
export type BudgetOutcome<T> = { status: "ok"; value: T; ms: number } | { status: "timeout"; ms: number } | { status: "error"; error: unknown; ms: number };

export function runWithinBudget<T>(budgetMs: number, work: (signal: AbortSignal) => Promise<T>): Promise<BudgetOutcome<T>> {
  const startedAt = performance.now();
  const controller = new AbortController();
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: BudgetOutcome<T>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const timer = setTimeout(() => {
      controller.abort(new Error(`budget of ${budgetMs} ms exceeded`));
      settle({ status: "timeout", ms: performance.now() - startedAt });
    }, budgetMs);
    let running: Promise<T>;
    try {
      running = work(controller.signal);
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

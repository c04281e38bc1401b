// Runs one component under its own time budget. On expiry the component's AbortSignal fires and
// the runner moves on at once: a late result is dropped, never awaited, and a late failure is
// swallowed. Components get an AbortSignal so they can stop their own work too.
import { getEventListeners } from "node:events";

export type BudgetOutcome<T> = { status: "ok"; value: T; ms: number } | { status: "timeout"; ms: number } | { status: "error"; error: unknown; ms: number };

/**
 * Controllers lent out again: a component that settled within its budget leaves its signal
 * unaborted, and one it left no abort listener on is as good as new for the next component.
 * Making an AbortSignal costs ~3.5 µs of CPU in Node 20 (an EventTarget given a new prototype), a
 * dozen per request (5 % of the funnel's CPU on the demo surfaces, bench/funnelCpu.ts). A signal
 * that fired (a timeout) is never lent again. The one thing a component must not do is keep
 * checking its signal after its promise settled (its work is over then): the next borrower's
 * timeout would abort it.
 */
const idleControllers: AbortController[] = [];
const MAX_IDLE_CONTROLLERS = 256;

function borrowController(): AbortController {
  return idleControllers.pop() ?? new AbortController();
}

function giveBack(controller: AbortController): void {
  const signal = controller.signal;
  if (!signal.aborted && idleControllers.length < MAX_IDLE_CONTROLLERS && getEventListeners(signal, "abort").length === 0) idleControllers.push(controller);
}

export function runWithinBudget<T>(budgetMs: number, work: (signal: AbortSignal) => Promise<T>): Promise<BudgetOutcome<T>> {
  const startedAt = performance.now();
  const controller = borrowController();
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: BudgetOutcome<T>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Settled in time (the timer's own outcome aborts first): the signal never fired.
      giveBack(controller);
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

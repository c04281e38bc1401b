import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { runWithinBudget } from "./componentBudget.ts";

describe("runWithinBudget", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("resolves as timeout when the budget passes, aborts the signal, and ignores the late result", async () => {
    let seenSignal: AbortSignal | undefined;
    let finish: (value: string) => void = () => undefined;
    const outcome = runWithinBudget(20, (signal) => {
      seenSignal = signal;
      return new Promise<string>((resolve) => (finish = resolve));
    });
    await vi.advanceTimersByTimeAsync(20);
    expect((await outcome).status).toBe("timeout");
    expect(seenSignal!.aborted).toBe(true);
    finish("late");
    expect((await outcome).status).toBe("timeout");
  });

  it("returns the value when in time, and an error for a rejection or a synchronous throw", async () => {
    const ok = await runWithinBudget(20, async () => 7);
    expect(ok).toMatchObject({ status: "ok", value: 7 });
    expect(await runWithinBudget(20, () => Promise.reject(new Error("down")))).toMatchObject({ status: "error" });
    expect(
      await runWithinBudget(20, () => {
        throw new Error("sync");
      }),
    ).toMatchObject({ status: "error" });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("lends a signal again after its component settled in time with no abort listener left on it", async () => {
    let first: AbortSignal | undefined;
    let second: AbortSignal | undefined;
    await runWithinBudget(20, async (signal) => (first = signal));
    await runWithinBudget(20, async (signal) => (second = signal));
    expect(second).toBe(first);
    expect(second!.aborted).toBe(false);
    // A rejection and a synchronous throw also settle in time.
    await runWithinBudget(20, () => Promise.reject(new Error("down")));
    let third: AbortSignal | undefined;
    await runWithinBudget(20, async (signal) => (third = signal));
    expect(third).toBe(first);
  });

  it("never lends again a signal that fired or that still has an abort listener", async () => {
    const signalOf = async () => {
      let lent: AbortSignal | undefined;
      await runWithinBudget(20, async (signal) => (lent = signal));
      return lent!;
    };
    let timedOut: AbortSignal | undefined;
    const late = runWithinBudget(20, (signal) => {
      timedOut = signal;
      return new Promise<never>(() => undefined);
    });
    await vi.advanceTimersByTimeAsync(20);
    expect((await late).status).toBe("timeout");
    const afterTimeout = await signalOf();
    expect(afterTimeout).not.toBe(timedOut);
    expect(afterTimeout.aborted).toBe(false);

    let listened: AbortSignal | undefined;
    await runWithinBudget(20, async (signal) => {
      listened = signal;
      signal.addEventListener("abort", () => undefined);
    });
    expect(await signalOf()).not.toBe(listened);
  });
});

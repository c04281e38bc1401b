import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { runWithinBudget, UNDECLARED_SIGNAL } from "./componentBudget.ts";

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

  it("gives work that is not abortable the undeclared signal, which throws when read, and still times it out", async () => {
    let seenSignal: AbortSignal | undefined;
    const outcome = runWithinBudget(
      20,
      (signal) => {
        seenSignal = signal;
        return new Promise<string>(() => undefined);
      },
      false,
    );
    await vi.advanceTimersByTimeAsync(20);
    expect((await outcome).status).toBe("timeout");
    expect(seenSignal).toBe(UNDECLARED_SIGNAL);
    expect(() => seenSignal!.aborted).toThrow("without declaring `abortable: true`");
    expect(() => seenSignal!.addEventListener("abort", () => undefined)).toThrow(/addEventListener/);
    // A component reading it fails, and the runner reports the failure.
    const reads = await runWithinBudget(20, async (signal) => signal.aborted, false);
    expect(reads).toMatchObject({ status: "error" });
    expect(String((reads as { error: unknown }).error)).toContain("abortable");
  });
});

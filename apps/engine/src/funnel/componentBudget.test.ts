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
});

import { describe, expect, it, vi } from "vitest";
import { PeriodicSnapshot } from "./periodicSnapshot.ts";

function snapshotOf<T>(load: (signal: AbortSignal) => Promise<T>) {
  const warn = vi.fn();
  return { warn, snapshot: new PeriodicSnapshot<T>({ name: "test list", refreshIntervalMs: 0, logger: { warn }, load }) };
}

describe("PeriodicSnapshot", () => {
  it("keeps the previous value when a refresh fails, marks itself stale and says so, until a refresh succeeds", async () => {
    const outcomes = [async () => 1, async () => Promise.reject(new Error("database down")), async () => 3];
    const { snapshot, warn } = snapshotOf(() => outcomes.shift()!());
    await snapshot.refresh();
    expect([snapshot.current, snapshot.stale]).toEqual([1, false]);
    await snapshot.refresh();
    expect([snapshot.current, snapshot.stale]).toEqual([1, true]);
    expect(warn).toHaveBeenCalledTimes(1);
    await snapshot.refresh();
    expect([snapshot.current, snapshot.stale]).toEqual([3, false]);
  });

  it("joins a refresh in flight instead of loading twice", async () => {
    let loads = 0;
    const { snapshot } = snapshotOf(async () => ++loads);
    await Promise.all([snapshot.refresh(), snapshot.refresh()]);
    expect(loads).toBe(1);
    expect(snapshot.current).toBe(1);
  });

  it("stop() aborts the load in flight through its signal, waits for it, and neither warns nor marks the value stale", async () => {
    let signalled: AbortSignal | undefined;
    const { snapshot, warn } = snapshotOf(
      (signal) =>
        new Promise<number>((_, reject) => {
          signalled = signal;
          // A load that only ends when aborted (a build stuck on a slow database).
          signal.addEventListener("abort", () => reject(signal.reason as Error));
        }),
    );
    const refreshing = snapshot.refresh();
    await snapshot.stop();
    await refreshing;
    expect(signalled?.aborted).toBe(true);
    expect((signalled?.reason as Error).message).toBe("test list stopped");
    expect(warn).not.toHaveBeenCalled();
    expect(snapshot.stale).toBe(false);
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { startPeriodicTimer } from "./periodicTimer.ts";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("startPeriodicTimer", () => {
  it("ticks first at its random phase, then every interval", () => {
    const ticks: number[] = [];
    const started = Date.now();
    const timer = startPeriodicTimer(() => ticks.push(Date.now() - started), 60_000, { random: () => 0.25 });
    vi.advanceTimersByTime(14_999);
    expect(ticks).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ticks).toEqual([15_000]);
    vi.advanceTimersByTime(120_000);
    expect(ticks).toEqual([15_000, 75_000, 135_000]);
    timer.stop();
    vi.advanceTimersByTime(600_000);
    expect(ticks).toHaveLength(3);
  });

  it("stopped before its phase, never ticks", () => {
    const tick = vi.fn();
    startPeriodicTimer(tick, 60_000, { random: () => 0.9 }).stop();
    vi.advanceTimersByTime(600_000);
    expect(tick).not.toHaveBeenCalled();
  });

  it("timers started together with different phases do not tick in the same second", () => {
    const seconds: number[][] = [[], [], []];
    const phases = [0.1, 0.4, 0.7];
    phases.forEach((phase, n) => startPeriodicTimer(() => seconds[n]!.push(Math.floor(Date.now() / 1000)), 60_000, { random: () => phase }));
    vi.advanceTimersByTime(300_000);
    const all = seconds.flat();
    expect(all).toHaveLength(15);
    expect(new Set(all).size).toBe(all.length);
  });
});

import { availableParallelism } from "node:os";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { ThreadTimeline } from "../../bench/threadTimeline.ts";

function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe("ThreadTimeline", () => {
  it("reads a busy second as busy and an idle second as idle, each in its own second of the run", async () => {
    const timeline = new ThreadTimeline();
    const startEpochMs = performance.timeOrigin + performance.now();
    timeline.start();
    // Second 0: the loop busy in stretches (timers still fire between them, so samples land); second 1: idle.
    for (let stretch = 0; stretch < 9; stretch += 1) {
      spin(95);
      await sleep(5);
    }
    await sleep(Math.max(0, startEpochMs + 2_050 - (performance.timeOrigin + performance.now())));
    timeline.stop();
    const { busyPercent, gcMs, machineBusyPercent, stealMs } = timeline.perSecond(startEpochMs, 2);
    expect(busyPercent[0]).toBeGreaterThan(70);
    expect(busyPercent[1]).toBeLessThan(30);
    expect(gcMs).toHaveLength(2);
    expect(gcMs.every((ms) => ms >= 0)).toBe(true);
    if (process.platform === "linux") {
      // This thread alone kept one core busy for most of second 0: the machine was at least that busy (/proc's 10 ms ticks as slack).
      expect(machineBusyPercent[0]).toBeGreaterThanOrEqual(busyPercent[0]! / availableParallelism() - 5);
      expect(machineBusyPercent.every((percent) => percent >= 0 && percent <= 100)).toBe(true);
      expect(stealMs).toHaveLength(2);
      expect(stealMs.every((ms) => ms >= 0)).toBe(true);
    }
  });

  it("leaves out samples outside the asked seconds", () => {
    const timeline = new ThreadTimeline();
    timeline.start();
    timeline.stop();
    const future = performance.timeOrigin + performance.now() + 60_000;
    const linux = process.platform === "linux";
    expect(timeline.perSecond(future, 3)).toEqual({
      busyPercent: [0, 0, 0],
      gcMs: [0, 0, 0],
      machineBusyPercent: linux ? [0, 0, 0] : [],
      stealMs: linux ? [0, 0, 0] : [],
    });
  });
});

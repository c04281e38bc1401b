import { describe, expect, it } from "vitest";
import { clockFromSpec, dataClock, describeClock, fixedClock, resolveClock, wallClock } from "./clock.ts";

const T1998 = Date.parse("1998-04-22T23:10:16Z");

describe("clocks", () => {
  it("the wall clock reads Date.now()", () => {
    const before = Date.now();
    const now = wallClock.nowMs();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
    expect(wallClock.mode).toBe("wall");
  });

  it("a fixed clock stands still", async () => {
    const clock = fixedClock(T1998);
    expect(clock.nowMs()).toBe(T1998);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(clock.nowMs()).toBe(T1998);
    expect(clock.mode).toBe("fixed");
  });

  it("a data clock starts at its anchor and advances at wall speed", () => {
    let wall = 1_000_000;
    const clock = dataClock(T1998, wall, () => wall);
    expect(clock.nowMs()).toBe(T1998);
    wall += 90_000;
    expect(clock.nowMs()).toBe(T1998 + 90_000);
    expect(clock.mode).toBe("data");
  });

  it("rejects an instant that is not one", () => {
    expect(() => fixedClock(Number.NaN)).toThrow(/atMs/);
    expect(() => dataClock(Number.POSITIVE_INFINITY)).toThrow(/anchorMs/);
  });

  it("round-trips through its spec (the worker thread rebuilds it)", () => {
    const data = dataClock(T1998, Date.now() - 60_000);
    const copy = clockFromSpec(data.spec);
    expect(copy.mode).toBe("data");
    expect(Math.abs(copy.nowMs() - data.nowMs())).toBeLessThan(50);
    expect(clockFromSpec(fixedClock(T1998).spec).nowMs()).toBe(T1998);
    expect(clockFromSpec({ mode: "wall" })).toBe(wallClock);
  });

  it("resolves a setting: data anchors at the newest event, else at the wall clock", async () => {
    let asked = 0;
    const newest = async () => {
      asked += 1;
      return T1998;
    };
    expect(await resolveClock({ mode: "wall" }, newest)).toBe(wallClock);
    expect((await resolveClock({ mode: "fixed", atMs: T1998 }, newest)).nowMs()).toBe(T1998);
    expect(asked).toBe(0);
    const data = await resolveClock({ mode: "data" }, newest);
    expect(asked).toBe(1);
    expect(data.nowMs() - T1998).toBeGreaterThanOrEqual(0);
    expect(data.nowMs() - T1998).toBeLessThan(1_000);
    const empty = await resolveClock({ mode: "data" }, async () => null);
    expect(Math.abs(empty.nowMs() - Date.now())).toBeLessThan(1_000);
  });

  it("describes itself with its business time", () => {
    expect(describeClock(fixedClock(T1998))).toBe("fixed (business time 1998-04-22T23:10:16.000Z)");
  });
});

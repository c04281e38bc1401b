import { describe, expect, it } from "vitest";
import { utcDayOfWeekOf, utcHourOf } from "./requestContext.ts";

/** Park–Miller, so the sampled times are the same on every run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 48_271) % 2_147_483_647;
    return state / 2_147_483_647;
  };
}

describe("request context arithmetic", () => {
  it("equals Date's getUTCHours / getUTCDay bit for bit, edges and invalid times included", () => {
    const random = seeded(3);
    const times = [0, -0, 1, -1, 1.5, -1.5, 3_599_999, -3_600_001, -86_400_000 * 3 - 0.5, 8.64e15, -8.64e15, 8.64e15 + 1, Number.NaN, Infinity, -Infinity];
    for (let index = 0; index < 5_000; index += 1) times.push((random() - 0.5) * 1.8e16, Date.UTC(2026, 0, 1) + random() * 4e10, -random() * 1e12);
    for (const atMs of times) {
      expect(Object.is(utcHourOf(atMs), new Date(atMs).getUTCHours()), `hour of ${atMs}`).toBe(true);
      expect(Object.is(utcDayOfWeekOf(atMs), new Date(atMs).getUTCDay()), `day of ${atMs}`).toBe(true);
    }
  });
});

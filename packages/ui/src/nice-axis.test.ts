import { describe, expect, it } from "vitest";
import { niceAxis } from "./nice-axis.ts";

describe("niceAxis", () => {
  it("rounds the top up to a round number with round ticks", () => {
    expect(niceAxis(37_950)).toEqual({ domain: [0, 40_000], ticks: [0, 10_000, 20_000, 30_000, 40_000] });
    expect(niceAxis(357)).toEqual({ domain: [0, 400], ticks: [0, 100, 200, 300, 400] });
    expect(niceAxis(1_000)).toEqual({ domain: [0, 1_000], ticks: [0, 250, 500, 750, 1_000] });
  });

  it("never uses fractional ticks for small counts", () => {
    expect(niceAxis(3).ticks).toEqual([0, 1, 2, 3]);
  });

  it("handles empty data", () => {
    expect(niceAxis(0)).toEqual({ domain: [0, 1], ticks: [0, 1] });
    expect(niceAxis(Number.NaN)).toEqual({ domain: [0, 1], ticks: [0, 1] });
  });
});

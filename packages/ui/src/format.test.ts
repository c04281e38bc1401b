import { describe, expect, it } from "vitest";
import { formatDecimal, formatDuration } from "./format.ts";

describe("formatDuration", () => {
  it("uses at most two units, rounded down", () => {
    expect(formatDuration(0)).toBe("0 ms");
    expect(formatDuration(850.7)).toBe("850 ms");
    expect(formatDuration(42_999)).toBe("42 s");
    expect(formatDuration(60_000)).toBe("1 min");
    expect(formatDuration(754_000)).toBe("12 min");
    expect(formatDuration(3 * 3_600_000 + 12 * 60_000 + 59_000)).toBe("3 h 12 min");
    expect(formatDuration(2 * 86_400_000 + 5 * 3_600_000)).toBe("2 d 5 h");
    expect(formatDuration(40 * 86_400_000)).toBe("40 d");
  });

  it("never prints a negative duration (clock skew) or NaN", () => {
    expect(formatDuration(-5_000)).toBe("0 ms");
    expect(formatDuration(Number.NaN)).toBe("—");
  });
});

describe("formatDecimal", () => {
  it("keeps three significant digits", () => {
    expect(formatDecimal(0)).toBe("0");
    expect(formatDecimal(0.012345)).toBe("0.0123");
    expect(formatDecimal(1.5)).toBe("1.5");
    expect(formatDecimal(1234.5)).toBe("1,230");
    expect(formatDecimal(-2.456)).toBe("-2.46");
  });

  it("switches to scientific notation for tiny and huge magnitudes", () => {
    expect(formatDecimal(1.5e-7)).toBe("1.5E-7");
    expect(formatDecimal(2.5e12)).toBe("2.5E12");
  });
});

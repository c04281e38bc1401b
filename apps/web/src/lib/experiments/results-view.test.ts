import { describe, expect, it } from "vitest";
import { formatAbsoluteLift, formatMetricValue, formatRelativeLift, timelineRows, verdictOf } from "./results-view.ts";

const comparison = (metric: string, estimate: number, adjustedPValue: number | null, sequentialPValue: number | null = null) => ({
  metric,
  method: "welch" as const,
  absoluteLift: { estimate, lower: estimate - 1, upper: estimate + 1 },
  relativeLift: null,
  pValue: adjustedPValue,
  adjustedPValue,
  sequentialPValue,
  cupedApplied: false,
  varianceReduction: null,
  reason: null,
});

describe("results view", () => {
  it("reads significance with the metric's direction: fewer hides is a win", () => {
    expect(verdictOf(comparison("clicks", 0.3, 0.01), 0.05)).toBe("better");
    expect(verdictOf(comparison("clicks", -0.3, 0.01), 0.05)).toBe("worse");
    expect(verdictOf(comparison("negative_feedback", -0.3, 0.01), 0.05)).toBe("better");
    expect(verdictOf(comparison("clicks", 0.3, 0.2), 0.05)).toBe("inconclusive");
    // The always-valid p-value alone is enough to act on.
    expect(verdictOf(comparison("clicks", 0.3, 0.2, 0.01), 0.05)).toBe("better");
    expect(verdictOf({ ...comparison("latency_p99", 5, null), method: "none" }, 0.05)).toBe("untested");
  });

  it("formats rates as percentages and lifts in percentage points", () => {
    expect(formatMetricValue("ctr", 0.0512)).toBe("5.12 %");
    expect(formatMetricValue("latency_p99", 50)).toBe("50 ms");
    expect(formatMetricValue("clicks", null)).toBe("–");
    expect(formatAbsoluteLift("ctr", { estimate: 0.005, lower: -0.001, upper: 0.011 })).toBe("+0.50 pp [−0.10 pp, +1.10 pp]");
    expect(formatRelativeLift({ estimate: 0.041, lower: -0.003, upper: 0.085 })).toBe("+4.1 % [−0.3 %, +8.5 %]");
    // No test, no interval: the estimate alone.
    expect(formatAbsoluteLift("catalog_coverage", { estimate: -10, lower: -10, upper: -10 })).toBe("−10");
  });

  it("turns the timeline into chart rows, leaving gaps for missing values", () => {
    const rows = timelineRows(
      [
        {
          day: "2026-12-01",
          variants: [
            { variant: "control", exposures: 10, metrics: { ctr: 0.1 } },
            { variant: "treatment", exposures: 12, metrics: { ctr: null } },
          ],
        },
      ],
      "ctr",
    );
    expect(rows).toEqual([{ day: "2026-12-01", control: 0.1 }]);
    expect(timelineRows([{ day: "d", variants: [{ variant: "a", exposures: 3, metrics: {} }] }], "exposures")).toEqual([{ day: "d", a: 3 }]);
  });
});

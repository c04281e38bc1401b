import { describe, expect, it } from "vitest";
import { decayFactor, engagementWeight, popularityScore, type PopularityScoring } from "./popularityScore.ts";

const HOUR = 3_600_000;
const scoring: PopularityScoring = { halfLifeMs: 72 * HOUR, windowMs: 30 * 24 * HOUR };
const reference = new Date("2026-03-01T00:00:00Z");
const hoursAgo = (hours: number) => new Date(reference.getTime() - hours * HOUR);

describe("popularity scoring", () => {
  it("halves an event's weight every half-life", () => {
    expect(decayFactor(0, 72 * HOUR)).toBe(1);
    expect(decayFactor(72 * HOUR, 72 * HOUR)).toBeCloseTo(0.5, 12);
    expect(decayFactor(144 * HOUR, 72 * HOUR)).toBeCloseTo(0.25, 12);
  });

  it("weighs engagement over exposure, negative feedback below zero, ratings by value", () => {
    expect(engagementWeight("impression", null)).toBe(0);
    expect(engagementWeight("like", null)).toBeGreaterThan(engagementWeight("click", null));
    expect(engagementWeight("purchase", 20)).toBeGreaterThan(engagementWeight("like", null));
    expect(engagementWeight("hide", null)).toBeLessThan(engagementWeight("dislike", null));
    expect(engagementWeight("dislike", null)).toBeLessThan(0);
    expect(engagementWeight("rating", 10)).toBe(2);
    expect(engagementWeight("rating", 5)).toBe(0);
    expect(engagementWeight("rating", 0)).toBe(-2);
  });

  it("sums decayed weights inside the window and ignores events outside it or after the reference", () => {
    const score = popularityScore(
      [
        { type: "like", value: null, occurredAt: hoursAgo(0) },
        { type: "click", value: null, occurredAt: hoursAgo(72) },
        { type: "share", value: null, occurredAt: hoursAgo(31 * 24) },
        { type: "purchase", value: 5, occurredAt: hoursAgo(-1) },
      ],
      reference,
      scoring,
    );
    expect(score).toBeCloseTo(2 + 0.5, 12);
  });

  it("ranks a fresh like above an old share", () => {
    const fresh = popularityScore([{ type: "like", value: null, occurredAt: hoursAgo(1) }], reference, scoring);
    const old = popularityScore([{ type: "share", value: null, occurredAt: hoursAgo(10 * 24) }], reference, scoring);
    expect(fresh).toBeGreaterThan(old);
  });
});

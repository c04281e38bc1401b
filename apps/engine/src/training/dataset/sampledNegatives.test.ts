import { describe, expect, it } from "vitest";
import type { LoggedEvent } from "./eventLog.ts";
import { isPositiveEvent, SampledNegativeExamples, type SampledNegativesOptions } from "./sampledNegatives.ts";

const DAY = 86_400_000;
let nextId = 0n;

function event(userId: string, itemId: string, type: LoggedEvent["type"], occurredAt: number, value: number | null = null): LoggedEvent {
  nextId += 1n;
  return {
    id: nextId,
    eventId: `e${nextId}`,
    type,
    userId,
    itemId,
    occurredAt,
    value,
    weight: null,
    requestId: null,
    position: null,
    surface: null,
    propensity: null,
  } as LoggedEvent;
}

const OPTIONS: SampledNegativesOptions = {
  positives: { eventTypes: ["click", "rating"], minRating: null, minWeight: null },
  negativesPerPositive: 4,
  popularShare: 0.5,
  seed: 1,
};
const catalogue = (n: number, publishedAtMs = 0) => Array.from({ length: n }, (_, i) => ({ id: `i${i}`, publishedAtMs }));

describe("isPositiveEvent", () => {
  it("takes listed types, and ratings only from the threshold on", () => {
    expect(isPositiveEvent({ type: "click", value: null, weight: null }, OPTIONS.positives)).toBe(true);
    expect(isPositiveEvent({ type: "impression", value: null, weight: null }, OPTIONS.positives)).toBe(false);
    expect(isPositiveEvent({ type: "rating", value: 1, weight: null }, OPTIONS.positives)).toBe(true);
    const atLeast8 = { eventTypes: ["rating" as const], minRating: 8, minWeight: null };
    expect(isPositiveEvent({ type: "rating", value: 7.5, weight: null }, atLeast8)).toBe(false);
    expect(isPositiveEvent({ type: "rating", value: 8, weight: null }, atLeast8)).toBe(true);
    expect(isPositiveEvent({ type: "rating", value: null, weight: null }, atLeast8)).toBe(false);
    // Play counts: the weight the interaction import keeps in context.weight.
    const plays = { eventTypes: ["click" as const], minRating: null, minWeight: 2 };
    expect(isPositiveEvent({ type: "click", value: null, weight: 3 }, plays)).toBe(true);
    expect(isPositiveEvent({ type: "click", value: null, weight: 1 }, plays)).toBe(false);
  });
});

describe("SampledNegativeExamples", () => {
  it("gives each new positive pair one positive and k negatives, never the user's known positives", () => {
    const sampler = new SampledNegativeExamples(catalogue(12), OPTIONS);
    // u1 already likes i0..i4: none of them may be drawn as a negative for u1 later.
    const history = [0, 1, 2, 3, 4].map((i) => event("u1", `i${i}`, "click", DAY));
    sampler.examplesAt(history, DAY);
    sampler.observe(history);
    for (let t = 0; t < 50; t += 1) {
      const positive = event("u1", "i5", "rating", 2 * DAY + t, 3);
      const rows = sampler.examplesAt([positive], 2 * DAY + t).get("u1")!;
      expect(rows[0]).toMatchObject({ itemId: "i5", positive: true, propensity: 1 });
      expect(rows.slice(1).every((row) => !row.positive)).toBe(true);
      expect(rows).toHaveLength(1 + OPTIONS.negativesPerPositive);
      for (const row of rows.slice(1)) expect(["i0", "i1", "i2", "i3", "i4", "i5"]).not.toContain(row.itemId);
    }
  });

  it("skips repeated positives of a pair and events on unknown items", () => {
    const sampler = new SampledNegativeExamples(catalogue(10), OPTIONS);
    const first = [event("u1", "i1", "click", DAY)];
    expect(sampler.examplesAt(first, DAY).size).toBe(1);
    sampler.observe(first);
    expect(sampler.examplesAt([event("u1", "i1", "rating", 2 * DAY, 5)], 2 * DAY).size).toBe(0);
    expect(sampler.examplesAt([event("u1", "nope", "click", 2 * DAY)], 2 * DAY).size).toBe(0);
    expect(sampler.skipped).toBe(1);
    expect(sampler.positives).toBe(1);
  });

  it("draws uniformly only among items published by then, and by popularity only items with earlier positives", () => {
    const items = [...catalogue(5, 0), ...Array.from({ length: 5 }, (_, i) => ({ id: `late${i}`, publishedAtMs: 100 * DAY }))];
    const sampler = new SampledNegativeExamples(items, { ...OPTIONS, negativesPerPositive: 3, popularShare: 1 });
    // No positives yet: the popular share has nothing to draw from, so every draw is uniform over i0..i4.
    const drawn = new Set<string>();
    for (let t = 0; t < 40; t += 1) {
      for (const row of sampler
        .examplesAt([event(`u${t}`, "i0", "click", DAY)], DAY)
        .get(`u${t}`)!
        .slice(1))
        drawn.add(row.itemId);
    }
    expect([...drawn].every((id) => id.startsWith("i"))).toBe(true);
    // One positive on i3: from now on a popular draw can only be i3 (or fail and be skipped).
    const positive = [event("v", "i3", "click", 2 * DAY)];
    sampler.observe(positive);
    const rows = sampler.examplesAt([event("w", "i0", "click", 200 * DAY)], 200 * DAY).get("w")!;
    expect(rows.slice(1).map((row) => row.itemId)).toEqual(["i3", "i3", "i3"]);
  });

  it("writes the importance weight as a propensity: (1 − s) + s·N·c_i/C", () => {
    const sampler = new SampledNegativeExamples(catalogue(4), { ...OPTIONS, popularShare: 0.5, negativesPerPositive: 30 });
    // c = [3, 1, 0, 0] positives before t, C = 4, N = 4 → i0: 0.5 + 0.5·4·3/4 = 2; i1: 1; i2, i3: 0.5.
    const history = [event("a", "i0", "click", DAY), event("b", "i0", "click", DAY), event("c", "i0", "click", DAY), event("d", "i1", "click", DAY)];
    sampler.observe(history);
    const rows = sampler.examplesAt([event("z", "i3", "click", 2 * DAY)], 2 * DAY).get("z")!;
    const expected: Record<string, number> = { i0: 2, i1: 1, i2: 0.5 };
    for (const row of rows.slice(1)) expect(row.propensity).toBeCloseTo(expected[row.itemId]!, 12);
    // Over many draws the weighted count of each negative approaches the uniform share.
    expect(new Set(rows.slice(1).map((row) => row.itemId))).toEqual(new Set(["i0", "i1", "i2"]));
  });

  it("is reproducible by seed", () => {
    const draw = (seed: number) => {
      const sampler = new SampledNegativeExamples(catalogue(50), { ...OPTIONS, seed });
      return sampler
        .examplesAt([event("u", "i0", "click", DAY)], DAY)
        .get("u")!
        .map((row) => row.itemId);
    };
    expect(draw(3)).toEqual(draw(3));
    expect(draw(3)).not.toEqual(draw(4));
  });
});

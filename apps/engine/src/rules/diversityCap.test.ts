import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Candidate } from "../funnel/candidate.ts";
import { candidate, ids, query } from "../funnel/testing/funnelFixtures.ts";
import { diversityCap } from "./diversityCap.ts";

function maxInAnyWindow(list: readonly Candidate[], window: number, upTo: number): number {
  let worst = 0;
  for (let start = 0; start + 1 <= upTo; start++) {
    const counts = new Map<string, number>();
    for (let i = start; i < Math.min(start + window, upTo); i++) {
      const category = list[i]!.item!.category;
      counts.set(category, (counts.get(category) ?? 0) + 1);
      worst = Math.max(worst, counts.get(category)!);
    }
  }
  return worst;
}

describe("diversityCap", () => {
  it("spreads a category out: at most 1 per window of 3", () => {
    const items = ["n1", "n2", "n3", "s1", "s2", "m1", "m2"].map((id) => candidate(id, { category: id[0]! }));
    const result = diversityCap({ id: "div", attribute: "category", maxPerWindow: 1, window: 3, depth: 100 }).apply(query(), items);
    expect(ids(result.items)).toEqual(["n1", "s1", "m1", "n2", "s2", "m2", "n3"]);
    expect(maxInAnyWindow(result.items, 3, result.items.length)).toBe(1);
    expect(result.effects).toEqual([]);
  });

  it("relaxes the cap when no candidate fits, keeping every item", () => {
    const items = ["n1", "n2", "n3"].map((id) => candidate(id, { category: "news" }));
    const result = diversityCap({ id: "div", attribute: "category", maxPerWindow: 1, window: 2, depth: 100 }).apply(query(), items);
    expect(ids(result.items)).toEqual(["n1", "n2", "n3"]);
    expect(result.effects.map((effect) => effect.itemId)).toEqual(["n2", "n3"]);
    expect(result.effects[0]!.reason).toMatch(/relaxed/);
  });

  it("caps creators, never caps items without one, and leaves positions past depth alone", () => {
    const items = [candidate("a1", { creator: "a" }), candidate("a2", { creator: "a" }), candidate("x", { creator: null }), candidate("y", { creator: null }), candidate("a3", { creator: "a" })];
    const result = diversityCap({ id: "div", attribute: "creator", maxPerWindow: 1, window: 2, depth: 3 }).apply(query(), items);
    expect(ids(result.items)).toEqual(["a1", "x", "a2", "y", "a3"]);
  });

  it("window 1 changes nothing", () => {
    const items = ["n1", "n2", "s1"].map((id) => candidate(id, { category: id[0]! }));
    expect(ids(diversityCap({ id: "div", attribute: "category", maxPerWindow: 1, window: 1, depth: 10 }).apply(query(), items).items)).toEqual(["n1", "n2", "s1"]);
  });

  it("property: when enough categories exist, every window of k holds at most m of a category; the output is a permutation", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 2, max: 5 }),
        fc.array(fc.constantFrom("a", "b", "c", "d", "e", "f"), { minLength: 1, maxLength: 30 }),
        (maxPerWindow, window, categories) => {
          // Always feasible: one singleton category per position pads every window.
          const items = categories.map((category, i) => candidate(`i${i}`, { category }));
          const padding = Array.from({ length: categories.length * window }, (_, i) => candidate(`p${i}`, { category: `pad${i}` }));
          const input = [...items, ...padding];
          const result = diversityCap({ id: "div", attribute: "category", maxPerWindow, window, depth: input.length }).apply(query(), input);
          expect(result.effects).toEqual([]);
          expect(maxInAnyWindow(result.items, window, result.items.length)).toBeLessThanOrEqual(maxPerWindow);
          expect([...ids(result.items)].sort()).toEqual([...ids(input)].sort());
          // Order-preserving within a category.
          for (const category of new Set(categories)) {
            const of = (list: readonly Candidate[]) => ids(list.filter((item) => item.item!.category === category));
            expect(of(result.items)).toEqual(of(items));
          }
        },
      ),
      { seed: 42, numRuns: 200 },
    );
  });
});

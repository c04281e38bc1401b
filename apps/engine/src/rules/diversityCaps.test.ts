import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Candidate } from "../funnel/candidate.ts";
import { candidate, ids, query } from "../funnel/testing/funnelFixtures.ts";
import type { RuleEffect } from "../funnel/trace.ts";
import { arrangeUnderCaps, diversityCaps } from "./diversityCaps.ts";
import { cappedValue, describeCap, fitsAt, type DiversityCap } from "./diversityWindows.ts";
import { capViolations } from "./testing/capChecks.ts";

const cap = (overrides: Partial<DiversityCap> & Pick<DiversityCap, "attribute">): DiversityCap => ({
  id: `${overrides.attribute}Diversity`,
  maxPerWindow: 1,
  window: 3,
  depth: 100,
  ...overrides,
});

describe("diversityCaps", () => {
  it("spreads a category out: at most 1 per window of 3, order kept within the category", () => {
    const items = ["n1", "n2", "n3", "s1", "s2", "m1", "m2"].map((id) => candidate(id, { category: id[0]! }));
    const result = diversityCaps([cap({ attribute: "category" })]).apply(query(), items);
    expect(ids(result.items)).toEqual(["n1", "s1", "m1", "n2", "s2", "m2", "n3"]);
    expect(result.effects).toEqual([]);
  });

  it("never relaxes a cap: when nothing fits, the list ends there and the rest is removed, saying why", () => {
    const items = ["n1", "n2", "n3"].map((id) => candidate(id, { category: "news" }));
    const result = diversityCaps([cap({ attribute: "category", window: 2 })]).apply(query(), items);
    expect(ids(result.items)).toEqual(["n1"]);
    expect(result.effects.map((effect) => [effect.itemId, effect.kind])).toEqual([
      ["n2", "removed"],
      ["n3", "removed"],
    ]);
    expect(result.effects[0]!.reason).toMatch(/no position left where it keeps the caps \(categoryDiversity: at most 1 per 2 positions by category\)/);
  });

  it("searches the whole list before ending it: a fitting item far down is pulled up", () => {
    const items = [...Array.from({ length: 30 }, (_, i) => candidate(`n${i}`, { category: "news" })), candidate("s0", { category: "sports" })];
    const result = diversityCaps([cap({ attribute: "category", window: 2 })]).apply(query(), items);
    expect(ids(result.items)).toEqual(["n0", "s0", "n1"]);
  });

  it("caps categories and creators jointly: no same-creator neighbours after the category pass (issue 10 item 5)", () => {
    // Creator x made the three best items, in two categories; run one after the other, the category
    // pass used to put x's items side by side again.
    const items = [
      candidate("x1", { creator: "x", category: "a" }),
      candidate("x2", { creator: "x", category: "b" }),
      candidate("y1", { creator: "y", category: "a" }),
      candidate("x3", { creator: "x", category: "a" }),
      candidate("z1", { creator: "z", category: "b" }),
      candidate("w1", { creator: "w", category: "c" }),
    ];
    const caps = [
      cap({ id: "creatorDiversity", attribute: "creator", maxPerWindow: 1, window: 2 }),
      cap({ id: "categoryDiversity", attribute: "category", maxPerWindow: 1, window: 2 }),
    ];
    const result = diversityCaps(caps).apply(query(), items);
    expect(capViolations(result.items, caps)).toEqual([]);
    expect(ids(result.items)).toEqual(["x1", "z1", "y1", "x2", "w1", "x3"]);
  });

  it("never caps items without a creator, never places items with unknown attributes inside the depth, leaves positions past depth alone", () => {
    const items = [
      candidate("a1", { creator: "a" }),
      candidate("a2", { creator: "a" }),
      candidate("u", { hydrated: false }),
      candidate("x", { creator: null }),
      candidate("y", { creator: null }),
      candidate("a3", { creator: "a" }),
    ];
    const result = diversityCaps([cap({ attribute: "creator", window: 2, depth: 3 })]).apply(query(), items);
    expect(ids(result.items)).toEqual(["a1", "x", "a2", "u", "y", "a3"]);
  });

  it("fitsAt checks windows on both sides of a position", () => {
    const caps = [cap({ attribute: "category", window: 3 })];
    const layout = [candidate("n1", { category: "n" }), undefined, undefined, candidate("n2", { category: "n" })];
    expect(fitsAt(layout, 1, candidate("s", { category: "s" }), caps)).toBe(true);
    expect(fitsAt(layout, 1, candidate("n3", { category: "n" }), caps)).toBe(false); // with n1
    expect(fitsAt(layout, 2, candidate("n3", { category: "n" }), caps)).toBe(false); // with n2 after it
    expect(fitsAt([candidate("n1", { category: "n" }), undefined, undefined, undefined], 3, candidate("n3", { category: "n" }), caps)).toBe(true);
    expect(fitsAt(layout, 1, candidate("u", { hydrated: false }), caps)).toBe(false);
  });

  it("property: caps on category AND creator never broken; output is the input's order-respecting arrangement, shortened only when nothing fits", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ category: fc.constantFrom("a", "b", "c", "d"), creator: fc.option(fc.constantFrom("p", "q", "r", "s", "t"), { nil: null }) }), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 2, max: 5 }),
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 2, max: 6 }),
        fc.integer({ min: 5, max: 60 }),
        (specs, categoryMax, categoryWindow, creatorMax, creatorWindow, depth) => {
          const items = specs.map((spec, i) => candidate(`i${i}`, spec));
          const caps = [
            cap({ id: "categoryDiversity", attribute: "category", maxPerWindow: categoryMax, window: categoryWindow, depth }),
            cap({ id: "creatorDiversity", attribute: "creator", maxPerWindow: creatorMax, window: creatorWindow, depth: 100 }),
          ];
          const result = diversityCaps(caps).apply(query(), items);
          expect(capViolations(result.items, caps)).toEqual([]);
          expect(new Set(ids(result.items)).size).toBe(result.items.length);
          const removed = result.effects.filter((effect) => effect.kind === "removed").map((effect) => effect.itemId);
          expect([...ids(result.items), ...removed].sort()).toEqual(ids(items).sort());
          // Removed only when no removed item fits at the end of the list.
          for (const itemId of removed) {
            const layout: (Candidate | undefined)[] = [...result.items, undefined];
            expect(
              fitsAt(
                layout,
                result.items.length,
                items.find((item) => item.itemId === itemId)!,
                caps,
              ),
            ).toBe(false);
          }
          // Greedy: each placed item is the best remaining one that fits there.
          const remaining = [...items];
          result.items.forEach((placed, position) => {
            const layout = [...result.items.slice(0, position), ...new Array<undefined>(result.items.length - position)];
            const best = remaining.find((item) => position >= Math.max(depth, 100) || fitsAt(layout, position, item, caps))!;
            expect(placed.itemId).toBe(best.itemId);
            remaining.splice(remaining.indexOf(placed), 1);
          });
        },
      ),
      { seed: 42, numRuns: 300 },
    );
  });
});

/** The greedy pass written the plain way (string counts recomputed per window, splice), to pin the fast one. */
function referenceArrange(caps: readonly DiversityCap[], candidates: readonly Candidate[], placed: readonly Candidate[]) {
  const depth = Math.max(0, ...caps.map((c) => c.depth));
  const list = [...placed];
  const remaining = [...candidates];
  const effects: RuleEffect[] = [];
  const allows = (item: Candidate, position: number) =>
    caps.every((c) => {
      if (position >= c.depth) return true;
      const value = cappedValue(item, c.attribute);
      if (value === undefined) return false;
      if (value === null) return true;
      const window = list.slice(Math.max(0, position - c.window + 1), position);
      return window.filter((other) => cappedValue(other, c.attribute) === value).length < c.maxPerWindow;
    });
  while (list.length < depth && remaining.length > 0) {
    const pick = remaining.findIndex((item) => allows(item, list.length));
    if (pick < 0) {
      const rules = caps.map(describeCap).join("; ");
      for (const item of remaining)
        effects.push({
          itemId: item.itemId,
          kind: "removed",
          reason: item.item ? `no position left where it keeps the caps (${rules})` : "attributes-unavailable: the caps cannot be checked",
        });
      return { items: list.slice(placed.length), effects };
    }
    list.push(...remaining.splice(pick, 1));
  }
  return { items: [...list.slice(placed.length), ...remaining], effects };
}

describe("arrangeUnderCaps against a plain reference", () => {
  it("property: the same arrangement, removals and reasons, with and without items already placed", () => {
    const spec = fc.record({
      category: fc.constantFrom("a", "b", "c", "d"),
      creator: fc.option(fc.constantFrom("p", "q", "r"), { nil: null }),
      hydrated: fc.boolean(),
    });
    const capSpec = fc.record({
      attribute: fc.constantFrom("category" as const, "creator" as const),
      maxPerWindow: fc.integer({ min: 1, max: 3 }),
      window: fc.integer({ min: 1, max: 6 }),
      depth: fc.integer({ min: 1, max: 40 }),
    });
    fc.assert(
      fc.property(
        fc.array(spec, { maxLength: 50, size: "max" }),
        fc.array(spec, { maxLength: 6 }),
        fc.array(capSpec, { minLength: 1, maxLength: 3 }),
        (specs, placedSpecs, capSpecs) => {
          const make = (prefix: string) => (item: { category: string; creator: string | null; hydrated: boolean }, i: number) =>
            candidate(`${prefix}${i}`, { ...item, hydrated: item.hydrated || i % 4 !== 0 });
          const candidates = specs.map(make("c"));
          const placed = placedSpecs.map(make("p"));
          const caps = capSpecs.map((c, i) => ({ ...c, id: `cap${i}` }));
          expect(arrangeUnderCaps(caps, candidates, placed)).toStrictEqual(referenceArrange(caps, candidates, placed));
          expect(arrangeUnderCaps(caps, candidates)).toStrictEqual(referenceArrange(caps, candidates, []));
        },
      ),
      { seed: 19, numRuns: 400 },
    );
  });
});

import { createRandom, deriveSeed, type Random } from "@cascade/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Candidate, ServedCandidate } from "../funnel/candidate.ts";
import { candidate, ids, query } from "../funnel/testing/funnelFixtures.ts";
import type { DiversityCap } from "../rules/diversityWindows.ts";
import { epsilonGreedyExplorer, exploitedPropensity } from "./epsilonGreedy.ts";
import { EXPLORATION_STREAM } from "./requestSeed.ts";

const ranked = () => Array.from({ length: 12 }, (_, i) => candidate(`i${i}`, { score: 12 - i, ageHours: i % 2 === 0 ? 1 : 500 }));

describe("epsilon-greedy exploration", () => {
  it("ε = 0 serves the ranked order with propensity 1", () => {
    const { page, effects } = epsilonGreedyExplorer({ epsilon: 0, slots: [1, 3], poolSize: 4 }).select(query(), ranked(), 6);
    expect(ids(page)).toEqual(ids(ranked()).slice(0, 6));
    expect(page.every((item) => item.propensity === 1 && item.slot === "ranked")).toBe(true);
    expect(effects).toEqual([]);
  });

  it("ε = 1 fills every usable slot from the pool, which the expression narrows", () => {
    const fresh = (item: { ageHours: number }) => item.ageHours < 24;
    const { page, effects } = epsilonGreedyExplorer({ epsilon: 1, slots: [1, 3, 40], poolSize: 2, poolWhen: fresh }).select(query(), ranked(), 6);
    // Pool: the first 2 fresh items after the page (i6, i8); slot 40 is outside the page.
    expect(page.filter((item) => item.slot === "explore").map((item) => item.position)).toEqual([1, 3]);
    expect(ids(page.filter((item) => item.slot === "explore")).sort()).toEqual(["i6", "i8"]);
    expect(ids(page.filter((item) => item.slot === "ranked"))).toEqual(["i0", "i1", "i2", "i3"]);
    expect(page.filter((item) => item.slot === "explore").every((item) => item.propensity === 1 / 2)).toBe(true);
    expect(effects.map((effect) => effect.kind)).toEqual(["explored", "explored"]);
  });

  it("propensities at each position sum to 1 over every item that could be there", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.uniqueArray(fc.integer({ min: 0, max: 9 }), { maxLength: 5 }), (epsilon, rawSlots) => {
        const slots = [...rawSlots].sort((a, b) => a - b);
        for (let position = 0; position < 10; position++) {
          let total = slots.includes(position) ? epsilon : 0; // m pool items × ε/m
          for (let rank = 0; rank < 10; rank++) total += exploitedPropensity(rank, position, slots, epsilon);
          expect(total).toBeCloseTo(1, 9);
        }
      }),
      { seed: 11, numRuns: 200 },
    );
  });

  it("Monte Carlo: how often each item lands at each position over many seeds matches its logged propensity", () => {
    const runs = 4000;
    const explorer = epsilonGreedyExplorer({ epsilon: 0.3, slots: [1, 3], poolSize: 4 });
    const frequency = new Map<string, number>();
    const logged = new Map<string, number>();
    for (let seed = 0; seed < runs; seed++) {
      for (const item of explorer.select(query({ seed }), ranked(), 6).page) {
        const key = `${item.itemId}@${item.position}`;
        frequency.set(key, (frequency.get(key) ?? 0) + 1);
        if (logged.has(key)) expect(item.propensity).toBe(logged.get(key));
        logged.set(key, item.propensity);
      }
    }
    expect(logged.size).toBeGreaterThan(10);
    for (const [key, propensity] of logged) {
      const tolerance = 4 * Math.sqrt((propensity * (1 - propensity)) / runs) + 1e-9;
      expect(Math.abs(frequency.get(key)! / runs - propensity), key).toBeLessThanOrEqual(tolerance);
    }
  });

  it("is reproducible for a seed", () => {
    const explorer = epsilonGreedyExplorer({ epsilon: 0.5, slots: [0, 2, 4], poolSize: 5 });
    expect(ids(explorer.select(query({ seed: 9 }), ranked(), 6).page)).toEqual(ids(explorer.select(query({ seed: 9 }), ranked(), 6).page));
  });
});

// The capped policy written the straightforward way (fresh arrays for every layout and pick, every
// window checked by counting), to pin the fast implementation's draws, pages and propensities.
function keepsCapsAt(page: readonly (Candidate | undefined)[], position: number, item: Candidate, caps: readonly DiversityCap[]): boolean {
  const valueOf = (other: Candidate, cap: DiversityCap) =>
    other.item ? (cap.attribute === "category" ? other.item.category : other.item.creatorId) : undefined;
  for (const cap of caps) {
    if (position >= cap.depth) continue;
    const value = valueOf(item, cap);
    if (value === undefined) return false;
    if (value === null) continue;
    // Every window holding the position, cut to the list and the cap's depth.
    for (let start = position - cap.window + 1; start <= position; start++) {
      const end = Math.min(start + cap.window - 1, cap.depth - 1, page.length - 1);
      let same = 0;
      for (let i = Math.max(0, start); i <= end; i++) {
        const other = i === position ? item : page[i];
        if (other && valueOf(other, cap) === value) same++;
      }
      if (same > cap.maxPerWindow) return false;
    }
  }
  return true;
}

function referenceLayout(random: Random, epsilon: number, slots: number[], exploit: Candidate[], pool: Candidate[], pageLength: number, caps: DiversityCap[]) {
  let active = slots.filter(() => random.next() < epsilon).filter((slot) => slot < pageLength);
  for (;;) {
    const page = new Array<Candidate | undefined>(pageLength);
    const codes: number[] = [];
    let rank = 0;
    for (let position = 0; position < pageLength; position++) {
      if (active.includes(position)) continue;
      codes[position] = rank;
      page[position] = exploit[rank++];
    }
    const used = new Set<number>();
    let refused = -1;
    for (const slot of active) {
      const untried = pool.map((_, index) => index);
      let chosen = -1;
      while (untried.length > 0) {
        const at = random.int(untried.length);
        const index = untried[at]!;
        if (!used.has(index) && keepsCapsAt(page, slot, pool[index]!, caps)) {
          chosen = index;
          break;
        }
        untried[at] = untried[untried.length - 1]!;
        untried.pop();
      }
      if (chosen < 0) {
        refused = slot;
        break;
      }
      used.add(chosen);
      page[slot] = pool[chosen];
      codes[slot] = -1 - chosen;
    }
    if (refused < 0) return codes;
    active = active.filter((slot) => slot !== refused);
  }
}

function referenceCappedSelect(
  options: { epsilon: number; slots: number[]; poolSize: number; caps: DiversityCap[]; replays: number },
  seed: number,
  ranked: Candidate[],
  count: number,
) {
  const pageLength = Math.min(count, ranked.length);
  const pool = ranked.slice(pageLength, pageLength + options.poolSize);
  const exploit = ranked.filter((item) => !pool.includes(item));
  const slots = options.slots.filter((slot) => slot < pageLength).slice(0, pool.length);
  const served = referenceLayout(createRandom(deriveSeed(seed, EXPLORATION_STREAM.served)), options.epsilon, slots, exploit, pool, pageLength, options.caps);
  const replayRandom = createRandom(deriveSeed(seed, EXPLORATION_STREAM.replays));
  const hits = served.map(() => 0);
  for (let r = 0; r < options.replays; r++) {
    const layout = referenceLayout(replayRandom, options.epsilon, slots, exploit, pool, pageLength, options.caps);
    served.forEach((code, position) => {
      if (layout[position] === code) hits[position]!++;
    });
  }
  return served.map((code, position): ServedCandidate => {
    const propensity = (hits[position]! + 1) / (options.replays + 1);
    return code < 0 ? { ...pool[-1 - code]!, position, propensity, slot: "explore" } : { ...exploit[code]!, position, propensity, slot: "ranked" };
  });
}

describe("epsilon-greedy under diversity caps", () => {
  it("property: serves exactly the pages and propensities of the straightforward policy, draw for draw", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            category: fc.constantFrom("a", "b", "c"),
            creator: fc.option(fc.constantFrom("p", "q", "r", "s"), { nil: null }),
            hydrated: fc.boolean(),
          }),
          {
            minLength: 1,
            maxLength: 40,
            size: "max",
          },
        ),
        fc.record({
          epsilon: fc.constantFrom(0, 0.1, 0.5, 1),
          slots: fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 4 }),
          poolSize: fc.integer({ min: 1, max: 10 }),
          window: fc.integer({ min: 1, max: 4 }),
          maxPerWindow: fc.integer({ min: 1, max: 2 }),
          depth: fc.integer({ min: 1, max: 30 }),
        }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.integer({ min: 1, max: 15 }),
        (specs, policy, seed, count) => {
          const ranked = specs.map((spec, i) => candidate(`i${i}`, { ...spec, hydrated: spec.hydrated || i % 3 !== 0, score: specs.length - i }));
          const caps: DiversityCap[] = [
            { id: "creatorCap", attribute: "creator", maxPerWindow: policy.maxPerWindow, window: policy.window, depth: policy.depth },
            { id: "categoryCap", attribute: "category", maxPerWindow: policy.maxPerWindow + 1, window: policy.window + 1, depth: policy.depth },
          ];
          const options = { epsilon: policy.epsilon, slots: policy.slots, poolSize: policy.poolSize, caps, replays: 100 };
          const { page, effects } = epsilonGreedyExplorer(options).select(query({ seed }), ranked, count);
          const expected = referenceCappedSelect(options, seed, ranked, count);
          expect(page).toStrictEqual(expected);
          expect(effects).toStrictEqual(
            expected
              .filter((item) => item.slot === "explore")
              .map((item) => ({ itemId: item.itemId, kind: "explored", to: item.position, propensity: item.propensity })),
          );
        },
      ),
      { seed: 23, numRuns: 300 },
    );
  });
});

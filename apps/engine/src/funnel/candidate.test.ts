import { describe, expect, it } from "vitest";
import { servedCandidate, type Candidate } from "./candidate.ts";
import { candidate } from "./testing/funnelFixtures.ts";

describe("servedCandidate", () => {
  it("is the spread of the candidate with its position, propensity and slot: same keys, same order, same values", () => {
    const items: Candidate[] = [
      candidate("a", { score: 2, features: { f: 1 }, embedding: [1, 0] }),
      candidate("b", { hydrated: false }),
      { ...candidate("c"), position: 7 } as Candidate, // already served once: the new position wins, in place
    ];
    items.forEach((item, i) => {
      const served = servedCandidate(item, i, 0.25, i === 1 ? "explore" : "ranked");
      const spread = { ...item, position: i, propensity: 0.25, slot: i === 1 ? "explore" : "ranked" };
      expect(served).toStrictEqual(spread);
      expect(Object.keys(served)).toEqual(Object.keys(spread));
      expect(served).not.toBe(item);
    });
  });
});

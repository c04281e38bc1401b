import { describe, expect, it } from "vitest";
import { candidate } from "./testing/funnelFixtures.ts";
import { ruleEffects } from "./traceBuilder.ts";

describe("ruleEffects", () => {
  const list = (...itemIds: string[]) => itemIds.map((itemId) => candidate(itemId));

  it("annotates a rule's own effects with from/to, adds moved and removed items, and leaves effects past the horizon out", () => {
    const before = list("a", "b", "c", "d", "e", "f");
    const after = list("c", "a", "b", "d", "f");
    const own = [
      { itemId: "c", kind: "boosted" as const, delta: 1 },
      { itemId: "f", kind: "buried" as const, delta: -1 },
    ];
    const { effects, omitted } = ruleEffects(own, before, after, 3);
    expect(effects).toEqual([
      { itemId: "c", kind: "boosted", delta: 1, from: 2, to: 0 },
      { itemId: "a", kind: "moved", from: 0, to: 1 },
      { itemId: "b", kind: "moved", from: 1, to: 2 },
      { itemId: "e", kind: "removed", from: 4 },
    ]);
    expect(omitted).toBe(1); // f: buried from 5 to 4, both past the horizon; d did not move
  });
});

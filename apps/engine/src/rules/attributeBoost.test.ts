import { describe, expect, it } from "vitest";
import { candidate, ids, query } from "../funnel/testing/funnelFixtures.ts";
import { attributeBoost } from "./attributeBoost.ts";

describe("attributeBoost", () => {
  const items = () => [
    candidate("a", { score: 3, category: "news" }),
    candidate("b", { score: 2, category: "sports" }),
    candidate("c", { score: 1, category: "sports", tags: ["promo"] }),
  ];

  it("boosts the matching items and re-sorts", () => {
    const result = attributeBoost({ id: "promo", when: 'tags has "promo"', delta: 5 }).apply(query(), items());
    expect(ids(result.items)).toEqual(["c", "a", "b"]);
    expect(result.items[0]!.scores.promo).toBe(5);
    expect(result.effects).toEqual([{ itemId: "c", kind: "boosted", delta: 5 }]);
  });

  it("buries with a negative delta", () => {
    const result = attributeBoost({ id: "lessNews", when: 'category == "news"', delta: -10 }).apply(query(), items());
    expect(ids(result.items)).toEqual(["b", "c", "a"]);
    expect(result.effects).toEqual([{ itemId: "a", kind: "buried", delta: -10 }]);
  });
});

import { describe, expect, it } from "vitest";
import { formatPositiveSpec, isPositive, parsePositiveSpec, positiveSpecSchema } from "@cascade/core";
import { defaultPositiveFor, positiveDataKinds } from "./positiveSpec.ts";

describe("default positives per kind of imported data", () => {
  it("are valid specs with a text form that reads back", () => {
    for (const kind of positiveDataKinds) {
      const spec = defaultPositiveFor(kind);
      expect(positiveSpecSchema.parse(spec)).toEqual(spec);
      expect(parsePositiveSpec(formatPositiveSpec(spec))).toEqual(spec);
    }
  });

  it("are the documented ones", () => {
    expect(formatPositiveSpec(defaultPositiveFor("movielens"))).toBe("rating");
    expect(formatPositiveSpec(defaultPositiveFor("recbole"))).toBe("rating");
    expect(formatPositiveSpec(defaultPositiveFor("weights"))).toBe("click,like,share,watch,purchase,weight>=1");
    expect(formatPositiveSpec(defaultPositiveFor("events"))).toBe("click,like,share,watch,purchase");
    // A play-count log's rows are clicks with a weight: one play is enough, none is not.
    expect(isPositive(defaultPositiveFor("weights"), { type: "click", weight: 1 })).toBe(true);
    expect(isPositive(defaultPositiveFor("weights"), { type: "click", weight: 0 })).toBe(false);
    expect(isPositive(defaultPositiveFor("movielens"), { type: "rating", value: 2 })).toBe(true);
  });
});

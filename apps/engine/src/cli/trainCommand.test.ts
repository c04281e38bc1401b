import { describe, expect, it } from "vitest";
import { positiveOption } from "./trainCommand.ts";

describe("--positive", () => {
  it("reads event types and an optional rating threshold", () => {
    expect(positiveOption("rating")).toEqual({ eventTypes: ["rating"], minRating: null });
    expect(positiveOption("rating>=4")).toEqual({ eventTypes: ["rating"], minRating: 4 });
    expect(positiveOption("click, like,rating >= 3.5")).toEqual({ eventTypes: ["click", "like", "rating"], minRating: 3.5 });
    expect(positiveOption("purchase,purchase")).toEqual({ eventTypes: ["purchase"], minRating: null });
  });

  it("names what is wrong", () => {
    expect(() => positiveOption("klick")).toThrow(/unknown event type "klick"/);
    expect(() => positiveOption("rating>=11")).toThrow(/0–10/);
    expect(() => positiveOption(" , ")).toThrow(/at least one/);
    expect(() => positiveOption("impression")).toThrow(/unknown event type/);
  });
});

import { describe, expect, it } from "vitest";
import { positiveOption } from "./trainCommand.ts";

// The grammar itself is core's (positives.test.ts); this checks the option hands its errors to commander.
describe("--positive", () => {
  it("reads core's text form", () => {
    expect(positiveOption("click,rating>=8")).toEqual({ eventTypes: ["click", "rating"], minRating: 8, minWeight: null });
  });

  it("reports a bad value as an invalid argument naming the term", () => {
    expect(() => positiveOption("klick")).toThrow(expect.objectContaining({ code: "commander.invalidArgument", message: expect.stringMatching(/"klick" not understood/) }));
  });
});

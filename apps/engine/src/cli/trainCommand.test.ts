import { describe, expect, it } from "vitest";
import { parseTrainConfig } from "../training/pipeline/trainConfig.ts";
import { positiveOption, QUICK_WINDOW_DAYS, quickConfig } from "./trainCommand.ts";

// The grammar itself is core's (positives.test.ts); this checks the option hands its errors to commander.
describe("--positive", () => {
  it("reads core's text form", () => {
    expect(positiveOption("click,rating>=8")).toEqual({ eventTypes: ["click", "rating"], minRating: 8, minWeight: null });
  });

  it("reports a bad value as an invalid argument naming the term", () => {
    expect(() => positiveOption("klick")).toThrow(
      expect.objectContaining({ code: "commander.invalidArgument", message: expect.stringMatching(/"klick" not understood/) }),
    );
  });
});

describe("--quick", () => {
  it("shortens an unset window, caps ranker epochs and ships the held-out two-tower", () => {
    const quick = quickConfig(parseTrainConfig({ ranker: { epochs: 8 } }));
    expect(quick.window.days).toBe(QUICK_WINDOW_DAYS);
    expect(quick.ranker.epochs).toBe(3);
    expect(quick.retrieval.refitOnAllData).toBe(false);
  });

  it("keeps a window the config sets, and fewer epochs", () => {
    const quick = quickConfig(parseTrainConfig({ window: { days: 3 }, ranker: { epochs: 2 } }));
    expect(quick.window.days).toBe(3);
    expect(quick.ranker.epochs).toBe(2);
    expect(quickConfig(parseTrainConfig({ window: { from: "2025-01-01" } })).window).toEqual({ from: "2025-01-01" });
  });
});

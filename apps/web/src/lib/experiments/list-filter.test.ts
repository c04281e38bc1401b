import { describe, expect, it } from "vitest";
import { coverageText, experimentListInput, experimentListSearch, parseExperimentListFilter } from "./list-filter.ts";

describe("experiments list filter", () => {
  it("reads known statuses and surfaces from the URL and ignores the rest", () => {
    expect(parseExperimentListFilter({ status: "running", surface: "home" }, ["home"])).toEqual({ status: "running", surface: "home" });
    expect(parseExperimentListFilter({ status: "paused", surface: "nowhere" }, ["home"])).toEqual({ status: null, surface: null });
    expect(experimentListInput({ status: null, surface: "home" })).toEqual({ surface: "home" });
    expect(experimentListSearch({ status: "draft", surface: null })).toBe("?status=draft");
    expect(experimentListSearch({ status: null, surface: null })).toBe("");
  });

  it("says when a ramp-up holds coverage below its target", () => {
    expect(coverageText({ status: "running", coverage: 0.5, effectiveCoverage: 0.1 })).toBe("10 % now (ramping to 50 %)");
    expect(coverageText({ status: "draft", coverage: 0.5, effectiveCoverage: 0.5 })).toBe("50 %");
  });
});

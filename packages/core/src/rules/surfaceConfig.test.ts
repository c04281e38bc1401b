import { describe, expect, it } from "vitest";
import { DEMO_SURFACES } from "../demo.ts";
import { DEFAULT_SURFACE_CONFIGS } from "./defaultSurfaceConfigs.ts";
import { surfaceConfigSchema, type SurfaceConfigInput } from "./surfaceConfig.ts";

const minimal: SurfaceConfigInput = { sources: [{ id: "trending", quota: 10, budgetMs: 5 }], blend: { click: 1 } };

function issues(input: unknown) {
  const parsed = surfaceConfigSchema.safeParse(input);
  if (parsed.success) throw new Error("expected the config to be refused");
  return parsed.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
}

describe("SurfaceConfig", () => {
  it("has a valid default for every demo surface", () => {
    for (const surface of DEMO_SURFACES) {
      const config = DEFAULT_SURFACE_CONFIGS[surface.id];
      expect(surfaceConfigSchema.parse(config)).toEqual(config);
    }
  });

  it("fills defaults for a minimal config", () => {
    const config = surfaceConfigSchema.parse(minimal);
    expect(config.exploration).toEqual({ policy: "none" });
    expect(config.filters.requireAvailable).toBe(true);
    expect(config.rules).toEqual([]);
  });

  it("filters consumed items by default (purchases, any rating, watches to 90 %, no time limit), configurable per surface", () => {
    expect(surfaceConfigSchema.parse(minimal).filters.consumed).toEqual({
      eventTypes: ["purchase", "rating", "watch"],
      minRating: null,
      minWatchFraction: 0.9,
      windowHours: null,
    });
    expect(surfaceConfigSchema.parse(minimal).safetyBudgetMs).toBe(250);
    const custom = surfaceConfigSchema.parse({ ...minimal, filters: { consumed: { eventTypes: ["purchase", "like"], windowHours: 24 * 30 } } }).filters
      .consumed;
    expect(custom).toEqual({ eventTypes: ["purchase", "like"], minRating: null, minWatchFraction: 0.9, windowHours: 720 });
    expect(surfaceConfigSchema.parse({ ...minimal, filters: { consumed: null } }).filters.consumed).toBeNull();
  });

  it("refuses impressions as consumption, repeated types and a watch fraction outside (0, 1], naming the field", () => {
    expect(issues({ ...minimal, filters: { consumed: { eventTypes: ["impression"] } } })[0]!.path).toBe("filters.consumed.eventTypes.0");
    expect(issues({ ...minimal, filters: { consumed: { eventTypes: ["watch", "watch"] } } })).toEqual([
      { path: "filters.consumed.eventTypes", message: "event types must be distinct" },
    ]);
    expect(issues({ ...minimal, filters: { consumed: { minWatchFraction: 1.5 } } })[0]!.path).toBe("filters.consumed.minWatchFraction");
    expect(issues({ ...minimal, filters: { consumed: { minWatchFraction: 0 } } })[0]!.path).toBe("filters.consumed.minWatchFraction");
  });

  it("refuses a bad filter expression at save time, naming the field path and the column", () => {
    const found = issues({ ...minimal, rules: [{ type: "boost", id: "b", when: "pricee > 3", delta: 1 }] });
    expect(found).toEqual([{ path: "rules.0.when", message: expect.stringMatching(/^column 1: unknown field "pricee"/) }]);
  });

  it("accepts a declared numeric field in expressions, and refuses it undeclared", () => {
    const filter = { expressions: [{ id: "cheap", keep: "discount > 0.2" }] };
    expect(issues({ ...minimal, filters: filter })[0]!.path).toBe("filters.expressions.0.keep");
    expect(surfaceConfigSchema.safeParse({ ...minimal, numericFields: ["discount"], filters: filter }).success).toBe(true);
  });

  it("refuses duplicate ids, slots past the page and non-numeric Thompson count fields", () => {
    expect(issues({ ...minimal, sources: [minimal.sources[0], minimal.sources[0]] })[0]!.path).toBe("sources.1.id");
    expect(issues({ ...minimal, page: { maxCount: 5 }, exploration: { policy: "epsilonGreedy", epsilon: 0.1, slots: [7] } })[0]!.path).toBe(
      "exploration.slots",
    );
    expect(issues({ ...minimal, exploration: { policy: "thompson", slots: [1], clicksField: "category" } })[0]!.path).toBe("exploration.clicksField");
  });

  it("sorts exploration slots and refuses duplicates", () => {
    const config = surfaceConfigSchema.parse({ ...minimal, exploration: { policy: "epsilonGreedy", epsilon: 0.2, slots: [9, 3] } });
    expect(config.exploration.policy === "epsilonGreedy" && config.exploration.slots).toEqual([3, 9]);
    expect(issues({ ...minimal, exploration: { policy: "epsilonGreedy", epsilon: 0.2, slots: [3, 3] } })[0]!.path).toBe("exploration.slots");
  });
});

import { DEFAULT_SURFACE_CONFIGS, DEMO_SURFACE_CONFIGS, surfaceConfigSchema, type SurfaceConfig } from "@cascade/core";
import { describe, expect, it } from "vitest";
import type { CandidateSource, Filter, QueryHydrator, Rule, Scorer } from "../funnel/components.ts";
import { runFunnel } from "../funnel/runFunnel.ts";
import { capViolations } from "../rules/testing/capChecks.ts";
import { buildSurfacePipeline } from "./surfacePipeline.ts";
import { HOUR_MS, ids, NOW_MS, query } from "../funnel/testing/funnelFixtures.ts";

const CATEGORIES = ["news", "sports", "music"];

function catalogSource(id: string, count: number): CandidateSource {
  return {
    id,
    budgetMs: 999,
    fetch: async (_query, limit) =>
      Array.from({ length: Math.min(limit, count) }, (_, i) => ({
        itemId: `${id}-${i}`,
        score: 1 - i / count,
        item: { category: CATEGORIES[i % 3]!, creatorId: `c${i % 7}`, tags: [], publishedAtMs: NOW_MS - i * HOUR_MS, available: i !== 2 },
      })),
  };
}

const ranker: Scorer = {
  id: "ranker",
  budgetMs: 50,
  writes: ["scores.click", "scores.like"],
  score: async (_query, candidates) => candidates.map((_, i) => ({ scores: { click: 1 / (i + 1), like: 0.1 } })),
};

const sources = new Map(["ann", "trending", "covisitation", "follows"].map((id) => [id, catalogSource(id, 40)]));

/** The engine reads the user's consumed items from the event log; here the user consumed `itemIds`. */
function consumedItems(itemIds: string[]): QueryHydrator {
  return { id: "consumedItems", budgetMs: 50, hydrate: async () => ({ consumedItemIds: new Set(itemIds) }) };
}
/** The engine reads what the user hid, disliked or bought from the event log; here `itemIds`. */
function hiddenItems(itemIds: string[]): QueryHydrator {
  return { id: "userExclusions", budgetMs: 50, hydrate: async () => ({ hiddenItemIds: new Set(itemIds) }) };
}
const queryHydrators = [consumedItems([]), hiddenItems([])];

describe("buildSurfacePipeline", () => {
  it("runs the home defaults end to end: filters, rules in order, exploration propensities, unknown sources reported", async () => {
    const { pipeline, missingSources } = buildSurfacePipeline("home", DEMO_SURFACE_CONFIGS.home, { sources, queryHydrators, scorers: [ranker] });
    expect(missingSources).toEqual(["itemToItem", "fresh"]);
    expect(pipeline.sources.map(({ source, quota }) => [source.id, source.budgetMs, quota])).toEqual([
      ["ann", 25, 300],
      ["trending", 15, 100],
      ["covisitation", 15, 100],
      ["follows", 15, 100],
    ]);
    const result = await runFunnel(pipeline, query({ count: 20, excludeItemIds: ["ann-0"] }));
    expect(result.page).toHaveLength(20);
    expect(new Set(ids(result.page)).size).toBe(20);
    expect(ids(result.page)).not.toContain("ann-0");
    expect(ids(result.page).some((id) => id.endsWith("-2"))).toBe(false); // unavailable
    const filterIds = result.trace.stages.find((stage) => stage.stage === "filters")!.components.map((component) => component.id);
    expect(filterIds).toEqual(["excluded", "userExclusions", "consumed", "seen", "availability"]);
    // The two diversity rules run as one joint constraint, after the other rules.
    const ruleIds = result.trace.stages.find((stage) => stage.stage === "rules")!.components.map((component) => component.id);
    expect(ruleIds).toEqual(["freshness", "creatorDiversity+categoryDiversity"]);
    for (const item of result.page) expect(item.propensity).toBeGreaterThan(0);
    // Both published caps hold together on the served page, exploration slots included.
    const caps = DEMO_SURFACE_CONFIGS.home.rules.flatMap((rule) => (rule.type === "diversity" ? [rule] : []));
    expect(capViolations(result.page, caps)).toEqual([]);
    expect(result.page.filter((item) => item.slot === "ranked").some((item) => item.propensity < 1)).toBe(true); // ε > 0
  });

  it("a published rule change (blocked category, expression filter) changes the feed", async () => {
    const changed: SurfaceConfig = surfaceConfigSchema.parse({
      ...DEFAULT_SURFACE_CONFIGS.home,
      filters: {
        ...DEFAULT_SURFACE_CONFIGS.home.filters,
        blocked: { itemIds: [], categories: ["news"], creators: [] },
        expressions: [{ id: "recent", keep: "age_hours < 30" }],
      },
      exploration: { policy: "none" },
    });
    const { pipeline } = buildSurfacePipeline("home", changed, { sources, queryHydrators, scorers: [ranker] });
    const result = await runFunnel(pipeline, query({ count: 10 }));
    expect(result.page.length).toBeGreaterThan(0);
    for (const item of result.page) {
      expect(item.item!.category).not.toBe("news");
      expect(NOW_MS - item.item!.publishedAtMs).toBeLessThan(30 * HOUR_MS);
      expect(item.propensity).toBe(1);
    }
  });

  it("builds Thompson exploration for the related defaults", async () => {
    const { pipeline } = buildSurfacePipeline("related", DEFAULT_SURFACE_CONFIGS.related, { sources, queryHydrators, scorers: [ranker] });
    expect(pipeline.explorer?.id).toBe("thompson");
    const result = await runFunnel(pipeline, query({ count: 10 }));
    const explored = result.page.filter((item) => item.slot === "explore");
    expect(explored.map((item) => item.position)).toEqual([5]);
    expect(explored[0]!.propensity).toBeGreaterThan(0);
    expect(explored[0]!.propensity).toBeLessThanOrEqual(1);
  });

  it("filters what the user consumed without the client sending it, and fails closed when that cannot be read", async () => {
    const config = surfaceConfigSchema.parse({ ...DEFAULT_SURFACE_CONFIGS.home, exploration: { policy: "none" } });
    const consumed = buildSurfacePipeline("home", config, {
      sources,
      queryHydrators: [consumedItems(["ann-0", "trending-1"]), hiddenItems([])],
      scorers: [ranker],
    }).pipeline;
    const served = await runFunnel(consumed, query({ count: 20 }));
    expect(served.page).toHaveLength(20);
    expect(ids(served.page)).not.toContain("ann-0");
    expect(ids(served.page)).not.toContain("trending-1");
    expect(served.degraded).toBe(false);

    const unreadable: QueryHydrator = { id: "consumedItems", budgetMs: 20, hydrate: () => new Promise(() => {}) };
    const failed = await runFunnel(
      buildSurfacePipeline("home", config, { sources, queryHydrators: [unreadable, hiddenItems([])], scorers: [ranker] }).pipeline,
      query({ count: 20 }),
    );
    expect(failed.page).toEqual([]);
    expect(failed.degraded).toBe(true);
    expect(failed.degradedCauses.map((cause) => cause.component)).toEqual(["consumedItems", "consumed"]);
    expect(failed.degradedCauses[1]!.reason).toMatch(/consumed-items-unavailable/);
  });

  it("filters what the user hid, disliked or bought, declared right after the request's exclusions, and fails closed when that cannot be read", async () => {
    const config = surfaceConfigSchema.parse({ ...DEFAULT_SURFACE_CONFIGS.home, exploration: { policy: "none" } });
    const hidden = buildSurfacePipeline("home", config, {
      sources,
      queryHydrators: [consumedItems([]), hiddenItems(["ann-0", "covisitation-3"])],
      scorers: [ranker],
    }).pipeline;
    expect(hidden.filters.map((filter) => filter.id).slice(0, 2)).toEqual(["excluded", "userExclusions"]);
    const served = await runFunnel(hidden, query({ count: 20 }));
    expect(served.page).toHaveLength(20);
    expect(ids(served.page)).not.toContain("ann-0");
    expect(ids(served.page)).not.toContain("covisitation-3");
    expect(served.degraded).toBe(false);

    const unreadable: QueryHydrator = { id: "userExclusions", budgetMs: 20, hydrate: () => new Promise(() => {}) };
    const failed = await runFunnel(
      buildSurfacePipeline("home", config, { sources, queryHydrators: [consumedItems([]), unreadable], scorers: [ranker] }).pipeline,
      query({ count: 20 }),
    );
    expect(failed.page).toEqual([]);
    expect(failed.degradedCauses.map((cause) => cause.component)).toEqual(["userExclusions", "userExclusions"]);
    expect(failed.degradedCauses[1]!.reason).toMatch(/exclusions-unavailable/);
  });

  it("takes the engine's own stages in the declaration: backfill sources after the config's, leading filters first, closing rules last", () => {
    const config = surfaceConfigSchema.parse({ ...DEFAULT_SURFACE_CONFIGS.home, exploration: { policy: "none" } });
    const backfill = catalogSource("coldStart", 10);
    const onlyKnown: Filter = { id: "knownItems", apply: (_query, candidates) => ({ kept: [...candidates], removed: [] }) };
    const snapshot: Rule = { id: "rankedSnapshot", apply: (_query, candidates) => ({ items: [...candidates], effects: [] }) };
    const { pipeline } = buildSurfacePipeline("home", config, {
      sources,
      backfillSources: [{ source: backfill, quota: 7 }],
      leadingFilters: [onlyKnown],
      closingRules: [snapshot],
    });
    expect(pipeline.sources.at(-1)).toEqual({ source: backfill, quota: 7 });
    expect(pipeline.filters[0]!.id).toBe("knownItems");
    expect(pipeline.rules.at(-1)!.id).toBe("rankedSnapshot");
  });

  it("declares each component's failure policy by id: safety filters, expressions and the caps fail closed, the rest open", async () => {
    const config = surfaceConfigSchema.parse({
      ...DEMO_SURFACE_CONFIGS.home,
      filters: {
        ...DEMO_SURFACE_CONFIGS.home.filters,
        blocked: { itemIds: ["x"], categories: [], creators: [] },
        expressions: [{ id: "recent", keep: "age_hours < 1000" }],
      },
    });
    const known: Filter = { id: "knownItems", apply: (_query, candidates) => ({ kept: [...candidates], removed: [] }) };
    const { pipeline } = buildSurfacePipeline("home", config, { sources, queryHydrators, leadingFilters: [known] });
    expect(Object.fromEntries(pipeline.filters.map((filter) => [filter.id, filter.failClosed]))).toEqual({
      knownItems: true,
      excluded: true,
      userExclusions: true,
      consumed: true,
      seen: false,
      blocked: true,
      availability: true,
      "expression:recent": true,
    });
    expect(Object.fromEntries(pipeline.rules.map((rule) => [rule.id, rule.failClosed]))).toEqual({
      freshness: false,
      "creatorDiversity+categoryDiversity": true,
    });
    // Applied, not just declared: an availability filter that throws removes every candidate.
    const throwing = pipeline.filters.map((filter) =>
      filter.id === "availability"
        ? {
            ...filter,
            apply: () => {
              throw new Error("boom");
            },
          }
        : filter,
    );
    const result = await runFunnel({ ...pipeline, filters: throwing }, query({ count: 10 }));
    expect(result.page).toEqual([]);
    expect(result.degradedCauses.map((cause) => cause.component)).toContain("availability");
  });

  it("consumed: null in the config turns the filter off", () => {
    const config = surfaceConfigSchema.parse({ ...DEFAULT_SURFACE_CONFIGS.home, filters: { ...DEFAULT_SURFACE_CONFIGS.home.filters, consumed: null } });
    expect(buildSurfacePipeline("home", config, { sources }).pipeline.filters.map((filter) => filter.id)).toEqual([
      "excluded",
      "userExclusions",
      "seen",
      "availability",
    ]);
  });
});

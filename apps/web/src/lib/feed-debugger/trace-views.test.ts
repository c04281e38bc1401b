// The feed debugger's views over a real trace: the engine's own funnel runs the demo home config
// (blocked category, seen filter, freshness, diversity, ε-greedy exploration) over tiny sources,
// and every view is checked against that trace — the same JSON the engine's feed preview returns.
import { DEFAULT_SURFACE_CONFIGS, funnelTraceSchema, surfaceConfigSchema, type FunnelTrace } from "@cascade/core";
import { beforeAll, describe, expect, it } from "vitest";
import type { CandidateSource, QueryHydrator, Scorer } from "../../../../engine/src/funnel/components.ts";
import { runFunnel } from "../../../../engine/src/funnel/runFunnel.ts";
import { buildSurfacePipeline } from "../../../../engine/src/serving/surfacePipeline.ts";
import { HOUR_MS, NOW_MS, query } from "../../../../engine/src/funnel/testing/funnelFixtures.ts";
import { candidatesBySource, explainForPeople, rankedRows, stageTimings, traceOrFallback } from "./trace-views.ts";

const CATEGORIES = ["news", "sports", "music", "film"];

function source(id: string, count: number): CandidateSource {
  return {
    id,
    budgetMs: 999,
    fetch: async (_query, limit) =>
      Array.from({ length: Math.min(limit, count) }, (_, i) => ({
        itemId: `${id}-${i}`,
        score: 1 - i / count,
        item: { category: CATEGORIES[i % CATEGORIES.length]!, creatorId: `c${i % 5}`, tags: [], publishedAtMs: NOW_MS - i * HOUR_MS, available: true },
      })),
  };
}

const ranker: Scorer = {
  id: "ranker",
  budgetMs: 50,
  writes: ["scores.click", "scores.like"],
  score: async (_query, candidates) => candidates.map((candidate) => ({ scores: { click: 1 / (1 + Number(candidate.itemId.split("-")[1])), like: 0.05 } })),
};

let trace: FunnelTrace;

beforeAll(async () => {
  const config = surfaceConfigSchema.parse({
    ...DEFAULT_SURFACE_CONFIGS.home,
    filters: { ...DEFAULT_SURFACE_CONFIGS.home.filters, blocked: { itemIds: [], categories: ["news"], creators: [] } },
  });
  // The user's history: one item seen an hour ago, nothing consumed or hidden (the engine's consumed
  // and exclusions filters fail closed without knowing that).
  const seen: QueryHydrator = {
    id: "history",
    budgetMs: 50,
    hydrate: async () => ({ seenAtMs: new Map([["ann-1", NOW_MS - HOUR_MS]]), consumedItemIds: new Set<string>(), hiddenItemIds: new Set<string>() }),
  };
  const { pipeline } = buildSurfacePipeline("home", config, {
    sources: new Map([
      ["ann", source("ann", 30)],
      ["trending", source("trending", 12)],
    ]),
    scorers: [ranker],
    queryHydrators: [seen],
  });
  const result = await runFunnel(pipeline, query({ count: 8 }), { detail: "full" });
  // What crosses HTTP: JSON, parsed by the console's schema.
  trace = funnelTraceSchema.parse(JSON.parse(JSON.stringify(result.trace)));
});

describe("feed debugger trace views", () => {
  it("times every stage the funnel ran", () => {
    expect(stageTimings(trace).map((row) => row.stage)).toHaveLength(trace.stages.length);
    for (const row of stageTimings(trace)) expect(row.ms).toBeGreaterThanOrEqual(0);
  });

  it("lists each source's surviving candidates by rank, marking the served ones", () => {
    const bySource = candidatesBySource(trace);
    expect([...bySource.keys()].sort()).toEqual(["ann", "trending"]);
    const ann = bySource.get("ann")!;
    expect(ann.map((row) => row.rank)).toEqual([...ann.map((row) => row.rank)].sort((a, b) => a - b));
    const servedIds = new Set(trace.served.map((item) => item.itemId));
    for (const row of ann) expect(row.served).toBe(servedIds.has(row.itemId));
    expect(ann.some((row) => row.itemId.endsWith("-0"))).toBe(false); // category news (i % 4 == 0) is blocked
  });

  it("ranks every surviving candidate with its scores; served rows carry their page position", () => {
    const rows = rankedRows(trace);
    expect(rows.length).toBe(new Set(rows.map((row) => row.itemId)).size);
    for (const item of trace.served) {
      const row = rows.find((entry) => entry.itemId === item.itemId)!;
      expect(row.servedPosition).toBe(item.position);
      expect(row.score).toBe(item.score);
    }
    const unserved = rows.find((row) => row.servedPosition === null)!;
    expect(unserved.scores.click).toBeGreaterThan(0);
    expect(unserved.score).not.toBeNull();
  });

  it("answers why an item was served, removed, ranked below the page or never retrieved", () => {
    const first = trace.served[0]!;
    const why = explainForPeople(trace, first.itemId);
    expect(why.explanation.status).toBe("served");
    expect(why.headline).toContain(`position ${first.position + 1}`);

    expect(explainForPeople(trace, "ann-4").explanation).toMatchObject({ status: "removed", stage: "filters", componentId: "blocked" });
    expect(explainForPeople(trace, "ann-4").headline).toContain("blocked");
    expect(explainForPeople(trace, "ann-1").explanation).toMatchObject({ status: "removed", componentId: "seen" });

    const below = rankedRows(trace).find((row) => row.servedPosition === null)!;
    expect(explainForPeople(trace, below.itemId).explanation).toMatchObject({ status: "belowPage", rankedPosition: below.rank });
    expect(explainForPeople(trace, "nowhere-1").explanation.status).toBe("notRetrieved");
  });
});

describe("traceOrFallback", () => {
  it("keeps the engine's trace, or builds a summary from the served items when the funnel failed", () => {
    const response = {
      requestId: "r-1",
      surface: "home",
      items: [{ itemId: "x", position: 0, score: 2, sources: [{ id: "popularity", rank: 0 }], propensity: 1 }],
    };
    expect(traceOrFallback(trace, response)).toBe(trace);
    const fallback = traceOrFallback(null, response);
    expect(fallback).toMatchObject({ detail: "summary", degraded: true, stages: [], served: [{ itemId: "x", slot: "ranked", scores: {} }] });
    expect(explainForPeople(fallback, "x").explanation.status).toBe("served");
    expect(explainForPeople(fallback, "y").explanation.status).toBe("notServed");
  });
});

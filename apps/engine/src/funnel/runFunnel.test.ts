import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { diversityCaps } from "../rules/diversityCaps.ts";
import { freshnessBoost } from "../rules/freshnessBoost.ts";
import { seenFilter } from "../filters/seenFilter.ts";
import { allFeatures, featureOf, type ItemAttributes, type SourceCandidate } from "./candidate.ts";
import type { CandidateSource, Filter, QueryHydrator, Rule, Scorer, SideEffect } from "./components.ts";
import { explainItem } from "./explainItem.ts";
import { runFunnel, type FunnelPipeline } from "./runFunnel.ts";
import { HOUR_MS, ids, NOW_MS, query } from "./testing/funnelFixtures.ts";

const attributes = (category: string, ageHours = 1): ItemAttributes => ({
  category,
  creatorId: null,
  tags: [],
  publishedAtMs: NOW_MS - ageHours * HOUR_MS,
  available: true,
});

function staticSource(id: string, itemIds: string[], budgetMs = 50): CandidateSource {
  return { id, budgetMs, fetch: async () => itemIds.map((itemId, rank): SourceCandidate => ({ itemId, score: 1 - rank / 100, item: attributes("c") })) };
}

/** A ranker predicting click from a table (missing → 0). */
function tableRanker(clicks: Record<string, number>): Scorer {
  return {
    id: "ranker",
    budgetMs: 50,
    writes: ["scores.click"],
    defaults: { scores: { click: 0 } },
    score: async (_query, candidates) => candidates.map((candidate) => ({ scores: { click: clicks[candidate.itemId] ?? 0 } })),
  };
}

function pipeline(overrides: Partial<FunnelPipeline>): FunnelPipeline {
  return {
    surface: "home",
    queryHydrators: [],
    sources: [],
    maxCandidates: 100,
    candidateHydrators: [],
    filters: [],
    scorers: [],
    blend: { click: 1 },
    rules: [],
    sideEffects: [],
    ...overrides,
  };
}

describe("runFunnel", () => {
  it("candidates no scorer wrote: blend and rule scores go into each candidate's own object, never a shared one", async () => {
    const result = await runFunnel(
      pipeline({
        sources: [{ source: staticSource("s", ["a", "b"]), quota: 10 }],
        rules: [freshnessBoost({ id: "fresh", halfLifeHours: 1, weight: 1 })],
        scorers: [
          { id: "failing", budgetMs: 50, writes: ["features.f"], defaults: { features: { f: 2 } }, score: async () => Promise.reject(new Error("down")) },
        ],
      }),
      query(),
    );
    const [a, b] = result.page;
    expect(a!.scores).toEqual({ blend: 0, fresh: 0.5 });
    expect(a!.features).toEqual({ f: 2 });
    expect(a!.scores).not.toBe(b!.scores);
    expect(a!.features).not.toBe(b!.features);
    a!.scores.x = 1; // still writable, and only its own
    expect(b!.scores).toEqual({ blend: 0, fresh: 0.5 });
  });

  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("drops a source that overruns its budget, records it as timed out, and serves the others", async () => {
    let lateSignal: AbortSignal | undefined;
    let finishLate: (value: SourceCandidate[]) => void = () => undefined;
    const slow: CandidateSource = {
      id: "slow",
      budgetMs: 30,
      abortable: true,
      fetch: (_query, _limit, signal) => {
        lateSignal = signal;
        return new Promise((resolve) => (finishLate = resolve));
      },
    };
    const running = runFunnel(
      pipeline({
        sources: [
          { source: slow, quota: 10 },
          { source: staticSource("fast", ["a", "b"]), quota: 10 },
        ],
      }),
      query(),
    );
    await vi.advanceTimersByTimeAsync(30);
    const result = await running;
    finishLate([{ itemId: "late" }]);

    expect(ids(result.page)).toEqual(["a", "b"]);
    expect(result.degraded).toBe(true);
    expect(lateSignal!.aborted).toBe(true);
    const sources = result.trace.stages.find((stage) => stage.stage === "sources")!;
    expect(sources.components).toEqual([
      { id: "slow", status: "timeout", ms: expect.any(Number), in: 0, out: 0, error: "exceeded its 30 ms budget" },
      { id: "fast", status: "ok", ms: expect.any(Number), in: 0, out: 2 },
    ]);
  });

  it("makes a signal only for components that declare they read it; one that reads it undeclared is failed open", async () => {
    const seen: Record<string, AbortSignal> = {};
    const declared: QueryHydrator = { id: "declared", budgetMs: 20, abortable: true, hydrate: async (_query, signal) => ((seen.declared = signal), {}) };
    const undeclared: CandidateSource = {
      id: "undeclared",
      budgetMs: 20,
      fetch: async (_query, _limit, signal) => (signal.aborted ? [] : [{ itemId: "x" }]),
    };
    const result = await runFunnel(
      pipeline({
        queryHydrators: [declared],
        sources: [
          { source: undeclared, quota: 10 },
          { source: staticSource("fast", ["a"]), quota: 10 },
        ],
      }),
      query(),
    );
    expect(seen.declared).toBeInstanceOf(AbortSignal);
    expect(ids(result.page)).toEqual(["a"]);
    const sources = result.trace.stages.find((stage) => stage.stage === "sources")!;
    expect(sources.components[0]).toMatchObject({ id: "undeclared", status: "error", error: expect.stringContaining("abortable: true") });
  });

  it("fails open: a throwing filter and rule are skipped, a failing scorer leaves its defaults, a failing explorer serves the ranked order", async () => {
    const brokenFilter: Filter = {
      id: "brokenFilter",
      apply: () => {
        throw new Error("filter bug");
      },
    };
    const brokenRule: Rule = {
      id: "brokenRule",
      apply: () => {
        throw new Error("rule bug");
      },
    };
    const failingFeatures: Scorer = {
      id: "features",
      budgetMs: 20,
      writes: ["features.f"],
      defaults: { features: { f: -1 } },
      score: () => Promise.reject(new Error("redis down")),
    };
    const wrongLength: Scorer = { id: "short", budgetMs: 20, writes: ["scores.like"], defaults: { scores: { like: 0.5 } }, score: async () => [] };
    const result = await runFunnel(
      pipeline({
        sources: [{ source: staticSource("s", ["a", "b", "c"]), quota: 10 }],
        filters: [brokenFilter],
        scorers: [failingFeatures, wrongLength, tableRanker({ c: 0.9, a: 0.5 })],
        blend: { click: 1, like: 1 },
        rules: [brokenRule],
        explorer: {
          id: "explorer",
          select: () => {
            throw new Error("explorer bug");
          },
        },
      }),
      query(),
    );
    expect(ids(result.page)).toEqual(["c", "a", "b"]);
    expect(result.page.map((item) => item.propensity)).toEqual([1, 1, 1]);
    expect(result.page[0]!.features.f).toBe(-1);
    expect(result.page[0]!.scores).toEqual({ click: 0.9, like: 0.5, blend: 1.4 });
    const statuses = Object.fromEntries(
      result.trace.stages.flatMap((stage) => stage.components.map((component) => [component.id, [component.status, component.error]])),
    );
    expect(statuses).toMatchObject({
      brokenFilter: ["error", "filter bug"],
      features: ["error", "redis down"],
      short: ["error", "returned 0 updates for 3 candidates"],
      ranker: ["ok", undefined],
      brokenRule: ["error", "rule bug"],
      explorer: ["error", "explorer bug"],
    });
    expect(result.degraded).toBe(true);
    expect(result.degradedCauses.map((cause) => cause.component)).toEqual(["brokenFilter", "features", "short", "brokenRule", "explorer"]);
  });

  it("fails closed for safety: a throwing failClosed filter or rule removes everything; every failure is a named degraded cause", async () => {
    const brokenSafety: Filter = {
      id: "availability",
      failClosed: true,
      apply: () => {
        throw new Error("filter bug");
      },
    };
    const closed = await runFunnel(pipeline({ sources: [{ source: staticSource("s", ["a", "b"]), quota: 10 }], filters: [brokenSafety] }), query());
    expect(closed.page).toEqual([]);
    const filters = closed.trace.stages.find((stage) => stage.stage === "filters")!.components[0]!;
    expect(filters).toMatchObject({
      id: "availability",
      status: "error",
      out: 0,
      removed: [
        { itemId: "a", reason: "safety filter failed" },
        { itemId: "b", reason: "safety filter failed" },
      ],
    });
    expect(closed.degradedCauses).toEqual([{ component: "availability", reason: "failed: filter bug" }]);

    const brokenCaps: Rule = {
      id: "diversity",
      failClosed: true,
      apply: () => {
        throw new Error("rule bug");
      },
    };
    const capped = await runFunnel(pipeline({ sources: [{ source: staticSource("s", ["a", "b"]), quota: 10 }], rules: [brokenCaps] }), query());
    expect(capped.page).toEqual([]);
    expect(capped.degradedCauses).toEqual([{ component: "diversity", reason: "failed: rule bug" }]);

    // A filter that removed items it could not check says so: degraded, with its reason.
    const unchecked: Filter = {
      id: "blocked",
      apply: (_query, candidates) => ({
        kept: candidates.slice(1),
        removed: [{ itemId: candidates[0]!.itemId, reason: "attributes-unavailable" }],
        degraded: "1 unchecked",
      }),
    };
    const partial = await runFunnel(pipeline({ sources: [{ source: staticSource("s", ["a", "b"]), quota: 10 }], filters: [unchecked] }), query());
    expect(ids(partial.page)).toEqual(["b"]);
    expect(partial.degraded).toBe(true);
    expect(partial.degradedCauses).toEqual([{ component: "blocked", reason: "1 unchecked" }]);
  });

  it("lists the items a rule removed at summary detail too (caps that fit nowhere), so rerank and 'why not X' can name them", async () => {
    const caps = diversityCaps([{ id: "categoryDiversity", attribute: "category", maxPerWindow: 1, window: 3, depth: 100 }]);
    const result = await runFunnel(pipeline({ sources: [{ source: staticSource("s", ["a", "b", "c"]), quota: 10 }], rules: [caps] }), query());
    expect(ids(result.page)).toEqual(["a"]); // every item is in category "c"
    const rule = result.trace.stages.find((stage) => stage.stage === "rules")!.components[0]!;
    expect(rule.removed).toEqual([
      { itemId: "b", reason: expect.stringContaining("no position left where it keeps the caps") },
      { itemId: "c", reason: expect.stringContaining("no position left where it keeps the caps") },
    ]);
    expect(explainItem(result.trace, "b")).toMatchObject({ status: "removed", componentId: "categoryDiversity", reason: expect.stringContaining("caps") });
  });

  it("merges query hydrators' facts; a failing hydrator is recorded and its facts are simply missing", async () => {
    const history = { id: "history", budgetMs: 20, hydrate: async () => ({ seenAtMs: new Map([["a", NOW_MS]]) }) };
    const broken = { id: "follows", budgetMs: 20, hydrate: () => Promise.reject(new Error("db down")) };
    const result = await runFunnel(
      pipeline({
        queryHydrators: [history, broken],
        sources: [{ source: staticSource("s", ["a", "b"]), quota: 10 }],
        filters: [seenFilter({ windowHours: 1 })],
      }),
      query(),
    );
    expect(ids(result.page)).toEqual(["b"]);
    expect(result.trace.stages[0]!.components).toMatchObject([
      { id: "history", status: "ok", writes: ["seenAtMs"] },
      { id: "follows", status: "error", error: "db down" },
    ]);
  });

  it("a scorer that overruns keeps its defaults and cannot write late", async () => {
    let finish: (value: { scores: Record<string, number> }[]) => void = () => undefined;
    const slowRanker: Scorer = {
      id: "ranker",
      budgetMs: 10,
      writes: ["scores.click"],
      defaults: { scores: { click: 0 } },
      score: () => new Promise((resolve) => (finish = resolve)),
    };
    const running = runFunnel(pipeline({ sources: [{ source: staticSource("s", ["a", "b"]), quota: 10 }], scorers: [slowRanker] }), query());
    await vi.advanceTimersByTimeAsync(10);
    const result = await running;
    finish([{ scores: { click: 9 } }, { scores: { click: 9 } }]);
    await vi.advanceTimersByTimeAsync(1);
    expect(result.page.map((item) => item.scores.click)).toEqual([0, 0]);
    expect(ids(result.page)).toEqual(["a", "b"]); // merge order survives equal scores
  });

  it("keeps the tallies a scorer reports in its trace entry; a scorer that overran cannot add to them late", async () => {
    const counting: Scorer = {
      id: "features",
      budgetMs: 50,
      writes: ["features.x"],
      score: async (_query, candidates, _signal, count) => {
        count("defaults.x", candidates.length);
        count("defaults.x");
        count("cache.misses", 2);
        return candidates.map(() => ({ features: { x: 0 } }));
      },
    };
    let lateCount: ((name: string, by?: number) => void) | undefined;
    const slow: Scorer = {
      id: "slow",
      budgetMs: 10,
      writes: [],
      score: (_query, _candidates, _signal, count) => {
        count("before.timeout");
        lateCount = count;
        return new Promise(() => {});
      },
    };
    const running = runFunnel(
      pipeline({ sources: [{ source: staticSource("s", ["a", "b"]), quota: 10 }], candidateHydrators: [counting], scorers: [slow] }),
      query(),
    );
    await vi.advanceTimersByTimeAsync(10);
    const result = await running;
    lateCount!("after.timeout", 5);
    const components = result.trace.stages.flatMap((stage) => stage.components);
    expect(components.find((component) => component.id === "features")!.counts).toEqual({ "defaults.x": 3, "cache.misses": 2 });
    const slowTrace = components.find((component) => component.id === "slow")!;
    expect(slowTrace.status).toBe("timeout");
    expect(slowTrace.counts).toEqual({ "before.timeout": 1 });
    expect(components.find((component) => component.id === "s")!.counts).toBeUndefined();
  });

  it("side effects run after the result, and their failures reach only the error callback", async () => {
    const seen: string[] = [];
    const errors: string[] = [];
    const log: SideEffect = { id: "impressions", run: async (_query, result) => void seen.push(...ids(result.page)) };
    const broken: SideEffect = {
      id: "broken",
      run: () => {
        throw new Error("sink down");
      },
    };
    const result = await runFunnel(pipeline({ sources: [{ source: staticSource("s", ["a"]), quota: 10 }], sideEffects: [broken, log] }), query(), {
      onSideEffectError: (id, error) => errors.push(`${id}: ${(error as Error).message}`),
    });
    expect(ids(result.page)).toEqual(["a"]);
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toEqual(["a"]);
    expect(errors).toEqual(["broken: sink down"]);
  });

  it("keeps a JSON trace that answers why this item and why not item X", async () => {
    const result = await runFunnel(
      pipeline({
        sources: [
          { source: staticSource("ann", ["a", "b", "c", "d", "e", "overQuota"]), quota: 5 },
          { source: staticSource("trending", ["b", "fresh"]), quota: 5 },
        ],
        filters: [seenFilter({ windowHours: 24 })],
        scorers: [tableRanker({ a: 0.1, b: 0.5, c: 0.4, d: 0.3, e: 0.2, fresh: 0.35 })],
        rules: [freshnessBoost({ id: "freshness", halfLifeHours: 1, weight: 0.5 })],
        candidateHydrators: [
          {
            id: "catalog",
            budgetMs: 20,
            writes: ["item"],
            score: async (_query, candidates) => candidates.map((candidate) => ({ item: attributes("c", candidate.itemId === "fresh" ? 0 : 100) })),
          },
        ],
      }),
      query({ count: 3, seenAtMs: new Map([["c", NOW_MS - HOUR_MS]]) }),
      { detail: "full" },
    );
    const trace = JSON.parse(JSON.stringify(result.trace)) as typeof result.trace;
    expect(trace).toEqual(result.trace);

    expect(ids(result.page)).toEqual(["fresh", "b", "d"]);
    const why = explainItem(trace, "fresh");
    expect(why).toMatchObject({ status: "served", served: { position: 0, sources: [{ id: "trending", rank: 1 }], propensity: 1 } });
    if (why.status !== "served") throw new Error("unreachable");
    expect(why.served.scores.blend! + why.served.scores.freshness!).toBeCloseTo(why.served.score, 6);
    const boost = why.effects.find((effect) => effect.componentId === "freshness");
    expect(boost).toMatchObject({ kind: "boosted", to: 0 });
    expect(boost!.from).toBeGreaterThan(0);
    expect(explainItem(trace, "b")).toMatchObject({ status: "served", served: { sources: [{ id: "ann" }, { id: "trending" }] } });
    expect(explainItem(trace, "c")).toMatchObject({ status: "removed", stage: "filters", componentId: "seen" });
    expect(explainItem(trace, "overQuota")).toMatchObject({ status: "removed", stage: "merge", reason: "over quota (ann#5)" });
    expect(explainItem(trace, "a")).toMatchObject({ status: "belowPage", rankedPosition: 4 });
    expect(explainItem(trace, "nobody")).toMatchObject({ status: "notRetrieved" });

    const counts = trace.stages.map((stage) => [stage.stage, stage.in, stage.out]);
    expect(counts).toEqual([
      ["hydrateQuery", 0, 0],
      ["sources", 0, 8],
      ["merge", 8, 6],
      ["hydrateCandidates", 6, 6],
      ["filters", 6, 5],
      ["score", 5, 5],
      ["blend", 5, 5],
      ["rules", 5, 5],
      ["exploration", 5, 3],
    ]);
  });

  it("copies a scorer's shared feature object per candidate, and adopts declared-fresh ones as they are", async () => {
    const shared = { f_shared: 1 };
    const fresh: Record<string, number>[] = [];
    const pipelineWith = pipeline({
      sources: [{ source: staticSource("trending", ["a", "b"]), quota: 10 }],
      candidateHydrators: [
        { id: "shared", budgetMs: 20, writes: ["features.f_shared"], score: async (_query, candidates) => candidates.map(() => ({ features: shared })) },
      ],
      scorers: [
        {
          id: "fresh",
          budgetMs: 20,
          writes: ["features.f_fresh"],
          freshFeatureObjects: true,
          score: async (_query, candidates) =>
            candidates.map((candidate) => {
              const features = { f_fresh: candidate.itemId === "a" ? 1 : 2 };
              fresh.push(features);
              return { features };
            }),
        },
        {
          id: "mutating",
          budgetMs: 20,
          writes: ["features.f_shared"],
          score: async (_query, candidates) => candidates.map((candidate) => ({ features: { f_shared: candidate.itemId === "a" ? 10 : 20 } })),
        },
      ],
    });
    const result = await runFunnel(pipelineWith, query({ count: 2 }), { detail: "full" });
    const features = Object.fromEntries(result.page.map((item) => [item.itemId, item.features]));
    // The later write to one candidate did not leak into the other, nor into the scorer's object.
    expect(features).toEqual({ a: { f_shared: 10, f_fresh: 1 }, b: { f_shared: 20, f_fresh: 2 } });
    expect(shared).toEqual({ f_shared: 1 });
  });

  it("keeps a scorer's request features as one object every candidate points to; a later scorer's are merged once and win; a candidate's own value wins over both", async () => {
    const userFeatures = { f_user: 1, f_context: 2 };
    const laterShared = { f_context: 3, f_other: 4 };
    const pipelineWith = pipeline({
      sources: [{ source: staticSource("trending", ["a", "b", "c"]), quota: 10 }],
      candidateHydrators: [
        {
          id: "request",
          budgetMs: 20,
          writes: ["features.f_user"],
          score: async (_query, candidates) =>
            candidates.map((candidate) => ({ features: { f_item: candidate.itemId.charCodeAt(0) }, requestFeatures: userFeatures })),
        },
      ],
      scorers: [
        {
          id: "later",
          budgetMs: 20,
          writes: ["features.f_context"],
          score: async (_query, candidates) =>
            candidates.map((candidate) =>
              candidate.itemId === "b" ? { features: { f_user: 9 }, requestFeatures: laterShared } : { requestFeatures: laterShared },
            ),
        },
      ],
    });
    const result = await runFunnel(pipelineWith, query({ count: 3 }), { detail: "full" });
    const byId = Object.fromEntries(result.page.map((item) => [item.itemId, item]));
    // One merged object for the request, not a copy per candidate; the hydrator's object untouched.
    expect(byId.a!.requestFeatures).toEqual({ f_user: 1, f_context: 3, f_other: 4 });
    expect(byId.a!.requestFeatures).toBe(byId.c!.requestFeatures);
    expect(userFeatures).toEqual({ f_user: 1, f_context: 2 });
    expect(byId.a!.features).toEqual({ f_item: 97 });
    // The trace's whole vectors: the request's features overlaid with each candidate's own.
    expect(result.trace.served.map((item) => [item.itemId, item.features])).toEqual([
      ["a", { f_user: 1, f_context: 3, f_other: 4, f_item: 97 }],
      ["b", { f_user: 9, f_context: 3, f_other: 4, f_item: 98 }],
      ["c", { f_user: 1, f_context: 3, f_other: 4, f_item: 99 }],
    ]);
    expect(result.trace.candidates?.b?.features).toEqual({ f_user: 9, f_context: 3, f_other: 4, f_item: 98 });
    expect(featureOf(byId.b!, "f_user")).toBe(9);
    expect(featureOf(byId.a!, "f_user")).toBe(1);
    expect(featureOf(byId.a!, "missing")).toBeUndefined();
  });

  it("keeps the request features of a scorer that overran out of every candidate, also when it finishes late (its declared defaults go into each candidate's own)", async () => {
    vi.useFakeTimers();
    try {
      let finish: (value: { requestFeatures: Record<string, number> }[]) => void = () => undefined;
      const pipelineWith = pipeline({
        sources: [{ source: staticSource("trending", ["a"]), quota: 10 }],
        candidateHydrators: [
          {
            id: "overruns",
            budgetMs: 5,
            writes: ["features.f_user"],
            defaults: { features: { f_user: 0 } },
            score: () => new Promise((resolve) => (finish = resolve)),
          },
        ],
      });
      const running = runFunnel(pipelineWith, query({ count: 1 }), { detail: "full" });
      await vi.advanceTimersByTimeAsync(5);
      const result = await running;
      finish([{ requestFeatures: { f_user: 7 } }]);
      await vi.advanceTimersByTimeAsync(1);
      expect(result.page[0]!.features).toEqual({ f_user: 0 });
      expect(featureOf(result.page[0]!, "f_user")).toBe(0);
      expect(allFeatures(result.page[0]!)).toEqual({ f_user: 0 });
    } finally {
      vi.useRealTimers();
    }
  });
});

// The serving funnel behind POST /v1/recommendations, /v1/rerank and /v1/admin/feed-preview, on
// real Postgres and Redis: sources with provenance, filters, the ranker, rule-set hot reload,
// pagination and every degradation path of the fallback chain.
import { recommendationsResponse, rerankResponse, feedPreviewResponse, type RecommendationsResponse, type SurfaceConfigInput } from "@cascade/core";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CandidateSource, FunnelTrace } from "../funnel/index.ts";
import { OnlineStoreError, type OnlineStore } from "../stores/onlineStore.ts";
import type { ServingSql } from "../postgres/servingSql.ts";
import { fakeModels, fakeRanker, fakeRetrieval } from "./testing/fakeModels.ts";
import { createServingWorld, type ServingWorld } from "./testing/servingWorld.ts";

let world: ServingWorld;
let app: FastifyInstance;
let recommendKey: string;
let adminKey: string;

beforeAll(async () => {
  world = await createServingWorld();
  recommendKey = await world.createApiKey(["recommend"]);
  adminKey = await world.createApiKey(["admin", "recommend"]);
  app = await world.app();
});

afterAll(async () => {
  await world?.close();
});

type Trace = FunnelTrace & { degradedBecause: string[]; notes: string[] };

async function post(target: FastifyInstance, url: string, payload: Record<string, unknown>, authorization = recommendKey) {
  return target.inject({ method: "POST", url, headers: { authorization }, payload });
}

async function recommend(target: FastifyInstance, payload: Record<string, unknown>, authorization = recommendKey): Promise<RecommendationsResponse> {
  const response = await post(target, "/v1/recommendations", { surface: world.surface, count: 50, ...payload }, authorization);
  expect(response.statusCode, response.body).toBe(200);
  return recommendationsResponse.parse(response.json());
}

const ids = (response: { items: { itemId: string }[] }) => response.items.map((item) => item.itemId);
const component = (trace: Trace, stage: string, id: string) => trace.stages.find((entry) => entry.stage === stage)?.components.find((entry) => entry.id === id);

/** A store whose reads never answer (Redis slow) or fail at once (Redis down); writes pass through. */
function brokenStore(mode: "hang" | "down"): OnlineStore {
  return new Proxy(world.store, {
    get(target, property, receiver) {
      if (property === "readBatch" || property === "readHashes" || property === "readLists" || property === "topOfSortedSet") {
        return () => (mode === "hang" ? new Promise(() => {}) : Promise.reject(new OnlineStoreError("connect ECONNREFUSED 127.0.0.1:6399")));
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Request-path SQL whose catalogue lookups (item attributes) fail or never answer; `times` lookups only, then it recovers. */
function brokenCatalogue(mode: "hang" | "fail", times = Number.POSITIVE_INFINITY): (sql: ServingSql) => ServingSql {
  let broken = 0;
  return (sql) => ({
    rows<Row>(text: string, values: readonly unknown[]) {
      // The start-up preload of the catalogue (itemAttributeCache.ts) is broken too: nothing is cached.
      if (text.includes("FROM items ORDER BY")) return Promise.reject(new Error("catalogue read failed"));
      if (text.includes("FROM items WHERE id = ANY") && broken < times) {
        broken += 1;
        return mode === "hang" ? new Promise<Row[]>(() => {}) : Promise.reject(new Error("catalogue read failed"));
      }
      return sql.rows<Row>(text, values);
    },
    close: () => sql.close(),
  });
}

const causeComponents = (response: RecommendationsResponse) => response.degradedCauses.map((cause) => cause.component);

function hangingSource(id: string): CandidateSource {
  return { id, budgetMs: 10, fetch: () => new Promise(() => {}) };
}

describe("POST /v1/recommendations through the funnel", () => {
  it("serves a known user from every source with provenance, minus seen and unavailable items", async () => {
    const response = await recommend(app, { userId: world.user("fan") });
    const served = ids(response);
    expect(served.length).toBeGreaterThan(3);
    for (const itemId of served) expect(world.itemCategory.has(itemId)).toBe(true);
    expect(served).not.toContain(world.item("i0")); // clicked: seen filter
    expect(served).not.toContain(world.item("i1"));
    expect(served).not.toContain(world.item("i9")); // unavailable
    expect(new Set(served).size).toBe(served.length);
    const sourceIds = new Set(response.items.flatMap((item) => item.sources.map((hit) => hit.id)));
    expect(sourceIds).toContain("trending");
    expect(sourceIds).toContain("fresh");
    // i0 was co-visited with i2 and i4 by the viewers; the fan's recent i0 brings them in.
    const coVisited = response.items.filter((item) => item.sources.some((hit) => hit.id === "covisitation")).map((item) => item.itemId);
    expect(coVisited).toEqual(expect.arrayContaining([world.item("i2"), world.item("i4")]));
    response.items.forEach((item, index) => {
      expect(item.position).toBe(index);
      expect(item.propensity).toBe(1); // exploration "none"
    });
    // Nothing promoted yet: the two-tower source and the ranker are skipped — the normal state
    // before training, not a degradation.
    expect(response).toMatchObject({ modelVersion: null, variant: null, degraded: false, degradedCauses: [] });
    expect(response.ruleSetVersion).toBeGreaterThanOrEqual(1);
  });

  it("gives unknown users a cold-start list and followers their creators' fresh items", async () => {
    const stranger = await recommend(app, { userId: `${world.run}-never-seen` });
    expect(stranger.items.length).toBeGreaterThan(3);
    expect(stranger.items.some((item) => item.sources.some((hit) => hit.id === "covisitation"))).toBe(false);

    const follower = await recommend(app, { userId: world.user("follower") });
    const followed = follower.items.filter((item) => item.sources.some((hit) => hit.id === "follows")).map((item) => item.itemId);
    expect(followed.sort()).toEqual(["i5", "i6", "i7", "i8"].map(world.item).sort());
  });

  it("never shows what the user hid, nor the request's excludeItemIds", async () => {
    const picky = await recommend(app, { userId: world.user("picky"), excludeItemIds: [world.item("i2")] });
    expect(ids(picky)).not.toContain(world.item("i3"));
    expect(ids(picky)).not.toContain(world.item("i2"));
    expect(ids(picky)).toContain(world.item("i4"));
  });

  it("pages with a cursor without repeats, positions continuing, covering the one-page list", async () => {
    const userId = world.user("viewer2");
    const whole = ids(await recommend(app, { userId, count: 200 }));
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 20; page += 1) {
      const response: RecommendationsResponse = await recommend(app, { userId, count: 2, ...(cursor ? { cursor } : {}) });
      expect(response.items.map((item) => item.position)).toEqual(response.items.map((_, index) => seen.length + index));
      seen.push(...ids(response));
      cursor = response.cursor;
      if (!cursor) break;
    }
    expect(cursor).toBeNull();
    expect(new Set(seen).size).toBe(seen.length);
    expect(new Set(seen)).toEqual(new Set(whole));
  });

  it("refuses a cursor of another user with 400 invalid_cursor", async () => {
    const first = await recommend(app, { userId: world.user("viewer2"), count: 1 });
    const response = await post(app, "/v1/recommendations", { surface: world.surface, userId: world.user("fan"), cursor: first.cursor });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: "invalid_cursor", issues: [{ path: "cursor" }] });
  });

  it("returns the full trace only to admin keys, with per-candidate features and scores", async () => {
    const denied = await post(app, "/v1/recommendations", { surface: world.surface, userId: world.user("fan"), debug: true });
    expect(denied.statusCode).toBe(403);
    const traced = await recommend(app, { userId: world.user("fan"), debug: true }, adminKey);
    const trace = traced.trace as Trace;
    expect(trace.detail).toBe("full");
    expect(trace.stages.map((stage) => stage.stage)).toEqual([
      "hydrateQuery",
      "sources",
      "merge",
      "hydrateCandidates",
      "filters",
      "score",
      "blend",
      "rules",
      "exploration",
    ]);
    const seen = component(trace, "filters", "seen")!;
    expect(seen.removed!.map((entry) => entry.itemId)).toEqual(expect.arrayContaining([world.item("i0"), world.item("i1")]));
    const first = trace.candidates![traced.items[0]!.itemId]!;
    expect(Object.keys(first.features)).toEqual(expect.arrayContaining(["item_trending_6h", "user_clicks_1h"]));
    expect(first.features.user_clicks_1h).toBe(2); // the fan's two clicks, read from Redis
    expect(trace.notes).toEqual(["no active ranker: ranked by retrieval rank", "no active retrieval model: two-tower source skipped"]);
    expect(trace.degradedBecause).toEqual([]);
    expect(component(trace, "sources", "ann")).toBeUndefined();
    expect((await recommend(app, { userId: world.user("fan") })).trace).toBeUndefined();
  });
});

describe("with an active ranker and retrieval model", () => {
  it("adds two-tower candidates and ranks every candidate with ONE ranker run over hydrated features", async () => {
    const ours = [...world.itemCategory.keys()];
    const ranker = fakeRanker();
    const modelled = await world.app({ models: fakeModels({ ranker, retrieval: fakeRetrieval(ours) }) });
    const response = await recommend(modelled, { userId: world.user("fan"), debug: true }, adminKey);
    expect(response.modelVersion).toBe("ranker-test-1");
    expect(response.degraded).toBe(false);
    const trace = response.trace as Trace;
    const scored = trace.stages.find((stage) => stage.stage === "score")!;
    expect(ranker.calls).toEqual([scored.in]); // one batched run
    // The fan's recent i0 (axis 0) and i1 (axis 1) embed as (1, 1, 0, 0)/√2: items on those axes
    // score 1/√2, the others 0.
    const annHits = response.items.flatMap((item) => item.sources.filter((hit) => hit.id === "ann").map((hit) => ({ itemId: item.itemId, score: hit.score! })));
    expect(annHits.length).toBeGreaterThan(0);
    for (const { itemId, score } of annHits) expect(score).toBeCloseTo([0, 1].includes(ours.indexOf(itemId) % 4) ? Math.SQRT1_2 : 0, 5);
    for (const item of response.items) {
      const candidate = trace.candidates![item.itemId]!;
      const trending = candidate.features.item_trending_6h!;
      expect(candidate.scores.click).toBeCloseTo(trending / (1 + trending), 5);
      expect(candidate.scores.like).toBeCloseTo(candidate.features.item_ctr_3d!, 5);
      expect(item.score).toBeCloseTo(candidate.scores.click! + 2 * candidate.scores.like!, 5);
    }
    const scores = response.items.map((item) => item.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it("a promoted model this engine could not load (missing file) is skipped, marked degraded", async () => {
    const refused = await world.app({ models: fakeModels({ ranker: fakeRanker(), refusedSlot: "retrieval" }) });
    const response = await recommend(refused, { userId: world.user("fan"), debug: true }, adminKey);
    expect(response.items.length).toBeGreaterThan(0);
    expect(response.degraded).toBe(true);
    expect((response.trace as Trace).degradedBecause).toEqual(["no active retrieval model (an artifact file is missing): two-tower source skipped"]);
    expect(response.items.some((item) => item.sources.some((hit) => hit.id === "ann"))).toBe(false);
  });

  it("a failing ranker leaves the retrieval order, marked degraded", async () => {
    const failing = await world.app({ models: fakeModels({ ranker: fakeRanker({ failing: true }) }) });
    const response = await recommend(failing, { userId: world.user("viewer3"), debug: true }, adminKey);
    expect(response.items.length).toBeGreaterThan(0);
    expect(response.degraded).toBe(true);
    const trace = response.trace as Trace;
    expect(component(trace, "score", "ranker")).toMatchObject({ status: "error", error: "onnx session failed" });
    const priors = response.items.map((item) => trace.candidates![item.itemId]!.scores.retrievalPrior!);
    expect(priors).toEqual([...priors].sort((a, b) => b - a));
  });
});

describe("POST /v1/rerank", () => {
  it("returns only supplied candidates, ranked, with the dropped ones and why", async () => {
    const reranker = await world.app({ models: fakeModels({ ranker: fakeRanker() }) });
    const supplied = [world.item("i5"), world.item("i3"), `${world.run}-nope`, world.item("i9"), world.item("i2"), world.item("i5")];
    const response = await post(reranker, "/v1/rerank", { surface: world.surface, userId: `${world.run}-new`, itemIds: supplied });
    expect(response.statusCode, response.body).toBe(200);
    const body = rerankResponse.parse(response.json());
    expect(ids(body).sort()).toEqual([world.item("i2"), world.item("i3"), world.item("i5")].sort());
    expect(body.removed).toEqual(
      expect.arrayContaining([
        { itemId: `${world.run}-nope`, reason: expect.stringContaining("not in the catalogue") },
        { itemId: world.item("i9"), reason: expect.stringContaining("unavailable") },
      ]),
    );
    const scores = body.items.map((item) => item.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(body.items.every((item) => item.sources[0]!.id === "supplied")).toBe(true);
    expect(body.modelVersion).toBe("ranker-test-1");
  });

  it("needs the admin scope for debug and validates the body", async () => {
    expect((await post(app, "/v1/rerank", { userId: "u", itemIds: ["a"], debug: true })).statusCode).toBe(403);
    const invalid = await post(app, "/v1/rerank", { userId: "u", itemIds: [] });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error.issues[0].path).toBe("itemIds");
  });
});

describe("degradation: never a 5xx for a dependency failure", () => {
  for (const mode of ["hang", "down"] as const) {
    it(`Redis ${mode === "hang" ? "slow (reads never answer)" : "down (reads fail)"}: hydrators fail open with declared defaults`, async () => {
      const degradedApp = await world.app({ store: brokenStore(mode), serving: { bootWaitMs: 300 } });
      const response = await recommend(degradedApp, { userId: world.user("fan"), debug: true }, adminKey);
      expect(response.degraded).toBe(true);
      expect(response.items.length).toBeGreaterThan(0);
      const trace = response.trace as Trace;
      const status = mode === "hang" ? "timeout" : "error";
      expect(component(trace, "hydrateQuery", "userHistory")!.status).toBe(status);
      expect(component(trace, "hydrateCandidates", "onlineFeatures")!.status).toBe(status);
      // Without the history the seen filter cannot know i0 was clicked; features are the defaults.
      const candidate = trace.candidates![response.items[0]!.itemId]!;
      expect(candidate.features.user_clicks_1h).toBe(0);
      expect(candidate.features.item_ctr_3d).toBeCloseTo(0.05, 9);
    });
  }

  it("a source that times out is dropped and the others serve", async () => {
    const slow = await world.app({ serving: { sourceOverrides: [hangingSource("trending")] } });
    const response = await recommend(slow, { userId: world.user("fan"), debug: true }, adminKey);
    expect(response.degraded).toBe(true);
    expect(response.items.length).toBeGreaterThan(0);
    expect(response.items.some((item) => item.sources.some((hit) => hit.id === "trending"))).toBe(false);
    expect(component(response.trace as Trace, "sources", "trending")).toMatchObject({ status: "timeout" });
    // The cause is in the response itself, not only in the debug trace.
    expect(response.degradedCauses).toEqual([{ component: "trending", reason: "timed out: exceeded its 200 ms budget" }]);
    expect((await recommend(slow, { userId: world.user("fan") })).degradedCauses).toEqual([
      { component: "trending", reason: "timed out: exceeded its 200 ms budget" },
    ]);
  });

  it("when every source fails, the cached popularity list is served", async () => {
    const broken = await world.app({ serving: { sourceOverrides: ["ann", "trending", "covisitation", "follows", "fresh", "coldStart"].map(hangingSource) } });
    const response = await recommend(broken, { userId: `${world.run}-nobody`, count: 5 });
    expect(response.degraded).toBe(true);
    const snapshot = await world.popularity.currentSnapshot();
    // The popularity list through the surface's rules: this world's available items, in popularity order.
    const passing = snapshot.items.map((item) => item.itemId).filter((itemId) => world.itemCategory.has(itemId) && itemId !== world.item("i9"));
    expect(ids(response)).toEqual(passing.slice(0, 5));
    expect(response.items.every((item) => item.sources[0]!.id === "popularity")).toBe(true);
    expect(causeComponents(response)).toEqual(expect.arrayContaining(["trending", "fresh", "popularityFallback"]));
  });
});

describe("published rules hold when the attribute lookup or the user's history cannot be read", () => {
  it("catalogue lookup fails: no unchecked item is served; the fallback serves checked ones; causes named", async () => {
    const failing = await world.app({ serving: { wrapSql: brokenCatalogue("fail", 1) } });
    const response = await recommend(failing, { userId: world.user("viewer2"), debug: true }, adminKey);
    expect(response.degraded).toBe(true);
    expect(response.items.length).toBeGreaterThan(0);
    expect(ids(response)).not.toContain(world.item("i9")); // unavailable
    for (const itemId of ids(response)) expect(world.itemCategory.has(itemId)).toBe(true);
    expect(response.items.every((item) => item.sources[0]!.id === "popularity")).toBe(true);
    expect(response.degradedCauses).toEqual(
      expect.arrayContaining([
        { component: "itemAttributes", reason: "failed: catalogue read failed" },
        { component: "availability", reason: expect.stringMatching(/removed because their attributes could not be read \(attributes-unavailable\)/) },
        { component: "popularityFallback", reason: expect.stringContaining("served the popularity list through the surface's safety rules") },
      ]),
    );
    // The funnel's trace (kept under the fallback's) shows where the unchecked items went.
    const funnel = (response.trace as Trace & { funnel: Trace }).funnel;
    const removed = component(funnel as Trace, "filters", "availability")!.removed!;
    expect(removed.length).toBeGreaterThan(0);
    expect(removed.every((entry) => entry.reason === "attributes-unavailable")).toBe(true);
  });

  it("catalogue lookup never answers: an empty page rather than unchecked items, with the causes", async () => {
    const hanging = await world.app({ serving: { wrapSql: brokenCatalogue("hang") } });
    const response = await recommend(hanging, { userId: world.user("viewer2") });
    expect(response.items).toEqual([]);
    expect(response.degraded).toBe(true);
    expect(response.degradedCauses).toEqual(
      expect.arrayContaining([
        { component: "itemAttributes", reason: "timed out: exceeded its 1000 ms budget" },
        { component: "availability", reason: expect.stringContaining("attributes-unavailable") },
        { component: "popularityFallback", reason: expect.any(String) },
      ]),
    );
  });

  it("blocked categories fail closed on their own (availability off): nothing from the blocked category, unknown items dropped", async () => {
    const failing = await world.app({ serving: { wrapSql: brokenCatalogue("fail") } });
    const draft = {
      ...world.baseConfig,
      filters: { ...world.baseConfig.filters, requireAvailable: false, expressions: [], blocked: { itemIds: [], categories: [world.categoryA], creators: [] } },
    };
    const response = await post(
      failing,
      "/v1/admin/feed-preview",
      { userId: world.user("viewer2"), surface: world.surface, count: 50, ruleSetConfig: draft },
      adminKey,
    );
    expect(response.statusCode, response.body).toBe(200);
    const preview = feedPreviewResponse.parse(response.json());
    expect(preview.response.items).toEqual([]);
    expect(preview.response.degradedCauses.map((cause) => cause.component)).toEqual(expect.arrayContaining(["itemAttributes", "blocked"]));
    const funnel = (preview.trace as Trace & { funnel: Trace }).funnel;
    expect(component(funnel, "filters", "blocked")!.removed!.every((entry) => entry.reason === "attributes-unavailable")).toBe(true);
  });
});

describe("diversity caps across pages", () => {
  it("a capped surface keeps category and creator caps together on every page, exploration included; the list ends when nothing fits", async () => {
    const surface = `${world.run}-capped`;
    await world.db.surface.create({ data: { id: surface, name: surface } });
    const capped: SurfaceConfigInput = {
      ...world.baseConfig,
      rules: [
        { type: "diversity", id: "creatorDiversity", attribute: "creator", maxPerWindow: 1, window: 2 },
        { type: "diversity", id: "categoryDiversity", attribute: "category", maxPerWindow: 1, window: 2 },
      ],
      exploration: { policy: "epsilonGreedy", epsilon: 0.5, slots: [1], pool: { size: 5 } },
    };
    const version = await world.publish(capped, surface);
    const creatorOf = new Map(
      (await world.db.item.findMany({ where: { id: { in: [...world.itemCategory.keys()] } } })).map((item) => [item.id, item.creatorId]),
    );
    for (
      let attempt = 0;
      attempt < 100 && (await recommend(app, { userId: world.user("viewer2"), surface, count: 2 })).ruleSetVersion !== version;
      attempt += 1
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (const user of ["viewer1", "viewer2", "viewer3", "follower"]) {
      const served: string[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 10; page += 1) {
        const response: RecommendationsResponse = await recommend(app, { userId: world.user(user), surface, count: 2, ...(cursor ? { cursor } : {}) });
        expect(response.ruleSetVersion).toBe(version);
        served.push(...ids(response));
        cursor = response.cursor;
        if (!cursor) break;
      }
      expect(served.length).toBeGreaterThan(1);
      expect(new Set(served).size).toBe(served.length);
      for (let i = 1; i < served.length; i += 1) {
        expect(world.itemCategory.get(served[i]!), `${user}: ${served.join(" ")}`).not.toBe(world.itemCategory.get(served[i - 1]!));
        expect(creatorOf.get(served[i]!), `${user}: ${served.join(" ")}`).not.toBe(creatorOf.get(served[i - 1]!));
      }
    }
  });
});

describe("consumed items", () => {
  it("are filtered by the engine from the event log (purchases, ratings, watches to completion), without the client sending them", async () => {
    const consumer = world.user("consumer");
    await world.db.user.create({ data: { id: consumer } });
    await world.db.item.updateMany({ where: { id: { in: [world.item("i5"), world.item("i6")] } }, data: { attributes: { durationSeconds: 100 } } });
    const at = new Date(Date.now() - 3_600_000);
    const consumed = [
      ["purchase", "i2", null],
      ["rating", "i4", 2],
      ["watch", "i5", 95], // 95 % of 100 s: watched through
      ["watch", "i6", 30], // 30 %: not consumed
    ] as const;
    await world.db.event.createMany({
      data: consumed.map(([type, name, value], k) => ({
        eventId: `${world.run}-consumed-${k}`,
        type,
        userId: consumer,
        itemId: world.item(name),
        occurredAt: at,
        value,
      })),
    });
    const response = await recommend(app, { userId: consumer, debug: true }, adminKey);
    expect(response.degraded).toBe(false);
    for (const name of ["i2", "i4", "i5"]) expect(ids(response)).not.toContain(world.item(name));
    expect(ids(response)).toContain(world.item("i6"));
    // A purchase is also one of the items never shown again (hidden, disliked, bought), which runs first.
    expect(component(response.trace as Trace, "filters", "userExclusions")!.removed).toEqual([
      { itemId: world.item("i2"), reason: "the user hid, disliked or bought it" },
    ]);
    const removed = component(response.trace as Trace, "filters", "consumed")!.removed!;
    expect(removed.map((entry) => [entry.itemId, entry.reason]).sort()).toEqual([
      [world.item("i4"), "consumed by the user"],
      [world.item("i5"), "consumed by the user"],
    ]);

    // Per surface: only ratings of 3 or more, and no watches — the low rating and the watch no longer hide their items.
    const draft = { ...world.baseConfig, filters: { ...world.baseConfig.filters, consumed: { eventTypes: ["purchase", "rating"], minRating: 3 } } };
    const preview = await post(app, "/v1/admin/feed-preview", { userId: consumer, surface: world.surface, count: 50, ruleSetConfig: draft }, adminKey);
    const served = ids(feedPreviewResponse.parse(preview.json()).response);
    expect(served).not.toContain(world.item("i2"));
    expect(served).toEqual(expect.arrayContaining([world.item("i4"), world.item("i5")]));

    // A window of half an hour: the hour-old rating and watch are outside it.
    const windowed = { ...world.baseConfig, filters: { ...world.baseConfig.filters, consumed: { windowHours: 0.5 } } };
    const recent = await post(app, "/v1/admin/feed-preview", { userId: consumer, surface: world.surface, count: 50, ruleSetConfig: windowed }, adminKey);
    expect(ids(feedPreviewResponse.parse(recent.json()).response)).toEqual(expect.arrayContaining([world.item("i4"), world.item("i5")]));
  });

  it("when the user's history cannot be read within the safety budget, nothing unchecked is served", async () => {
    const hanging = await world.app({
      serving: {
        wrapSql: (sql) => ({
          rows: (text, values) => (text.includes("FROM events") ? new Promise(() => {}) : sql.rows(text, values)),
          close: () => sql.close(),
        }),
      },
    });
    const response = await recommend(hanging, { userId: world.user("viewer3") });
    expect(response.items).toEqual([]);
    expect(response.degradedCauses).toEqual(
      expect.arrayContaining([
        { component: "consumedItems", reason: "timed out: exceeded its 1000 ms budget" },
        { component: "userExclusions", reason: expect.stringContaining("exclusions-unavailable") },
      ]),
    );
  });
});

describe("follows under a slow relations read", () => {
  it("waits for follows as long as for the exclusions they are read with, not the short quality budget", async () => {
    // The one statement that reads follows, exclusions and consumed items takes 150 ms; the quality
    // budget is 30 ms and the safety budget 1 s. The stage waits for the exclusions anyway.
    const slow = await world.app({
      serving: {
        wrapSql: (sql) => ({
          rows: async (text, values) => {
            if (text.includes("FROM follows")) await new Promise((resolve) => setTimeout(resolve, 150));
            return sql.rows(text, values);
          },
          close: () => sql.close(),
        }),
      },
    });
    const draft = { ...world.baseConfig, hydrationBudgetMs: 30, safetyBudgetMs: 1000 };
    const response = await post(
      slow,
      "/v1/admin/feed-preview",
      { userId: world.user("viewer2"), surface: world.surface, count: 10, ruleSetConfig: draft },
      adminKey,
    );
    expect(response.statusCode, response.body).toBe(200);
    const preview = feedPreviewResponse.parse(response.json());
    expect(preview.response.degradedCauses.map((cause) => cause.component)).not.toContain("follows");
    expect(component(preview.trace as Trace, "hydrateQuery", "follows")?.status).toBe("ok");
  });
});

describe("rule sets", () => {
  it("a published change (block a category) is served on the next request, without a restart", async () => {
    const before = await recommend(app, { userId: world.user("viewer2") });
    expect(before.items.some((item) => world.itemCategory.get(item.itemId) === world.categoryA)).toBe(true);
    const blocked: SurfaceConfigInput = {
      ...world.baseConfig,
      filters: { ...world.baseConfig.filters, blocked: { itemIds: [], categories: [world.categoryA], creators: [] } },
    };
    const version = await world.publish(blocked);
    // LISTEN/NOTIFY delivers within milliseconds; allow for a loaded machine.
    let after = await recommend(app, { userId: world.user("viewer2") });
    for (let attempt = 0; attempt < 100 && after.ruleSetVersion !== version; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      after = await recommend(app, { userId: world.user("viewer2") });
    }
    expect(after.ruleSetVersion).toBe(version);
    expect(after.items.length).toBeGreaterThan(0);
    expect(after.items.some((item) => world.itemCategory.get(item.itemId) === world.categoryA)).toBe(false);
    await world.publish(world.baseConfig);
  });
});

describe("POST /v1/admin/feed-preview", () => {
  it("dry-runs a draft config with the full trace and the user's history, admin only", async () => {
    const body = { userId: world.user("fan"), surface: world.surface, count: 50 };
    expect((await post(app, "/v1/admin/feed-preview", body)).statusCode).toBe(403);
    const draft = { ...world.baseConfig, filters: { ...world.baseConfig.filters, blocked: { itemIds: [], categories: [world.categoryB], creators: [] } } };
    const response = await post(app, "/v1/admin/feed-preview", { ...body, ruleSetConfig: draft }, adminKey);
    expect(response.statusCode, response.body).toBe(200);
    const preview = feedPreviewResponse.parse(response.json());
    expect(preview.config).toEqual({ source: "draft", ruleSetVersion: null });
    expect(preview.response.items.length).toBeGreaterThan(0);
    expect(preview.response.items.some((item) => world.itemCategory.get(item.itemId) === world.categoryB)).toBe(false);
    expect((preview.trace as Trace).detail).toBe("full");
    expect(preview.history.map((event) => event.itemId)).toEqual([world.item("i1"), world.item("i0")]);
    // The draft was not published: the live feed still has category B.
    const live = await recommend(app, { userId: world.user("fan") });
    expect(live.items.some((item) => world.itemCategory.get(item.itemId) === world.categoryB)).toBe(true);
  });

  it("answers 400 naming the draft's bad field", async () => {
    const draft = { ...world.baseConfig, filters: { ...world.baseConfig.filters, expressions: [{ id: "bad", keep: "nosuchfield > 1" }] } };
    const response = await post(app, "/v1/admin/feed-preview", { userId: "u", ruleSetConfig: draft }, adminKey);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.issues[0].path).toBe("ruleSetConfig.filters.expressions.0.keep");
  });
});

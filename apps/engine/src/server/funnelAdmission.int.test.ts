// Load shedding on the funnel routes (server/funnelAdmission.ts, wired in server/app.ts): with the
// gate saturated by a slow funnel, further first pages and reranks are answered at once with 503
// `overloaded` + Retry-After, health and later pages still answer, every page served is complete
// (not degraded) and keeps the surface's published block rule, and the shed requests are counted.
import { apiError, recommendationsResponse, type RecommendationsRequest, type RecommendationsResponse } from "@cascade/core";
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEngine, type TestEngine } from "./testing/testEngine.ts";
import { POPULARITY_ONLY_CONFIG } from "./testing/popularSurface.ts";

let engine: TestEngine;
let ingest: string;
let recommend: string;
let surface: string;
const item = (name: string) => `${engine.run}-${name}`;
const NAMES = ["a", "b", "c", "d", "e", "blocked"];

beforeAll(async () => {
  engine = await startTestEngine({
    // One funnel at a time, one waiting (without a time limit worth speaking of), nobody else.
    funnelAdmission: { maxInFlight: 1, maxQueued: 1, maxQueueWaitMs: 60_000, maxEventLoopDelayMs: 0, retryAfterSeconds: 2 },
  });
  ({ authorization: ingest } = await engine.createApiKey(["ingest"]));
  ({ authorization: recommend } = await engine.createApiKey(["recommend"]));
  const upserted = await engine.app.inject({
    method: "PUT",
    url: "/v1/items",
    headers: { authorization: ingest },
    // A category of this file's own: the surface below serves only it, and other files' feeds never see these items.
    payload: { items: NAMES.map((name) => ({ id: item(name), category: item("c"), publishedAt: "2026-01-01T00:00:00Z" })) },
  });
  expect(upserted.statusCode).toBe(200);
  // Every item liked (the blocked one most: it would lead the page but for the rule), so the popularity source serves them all.
  const events = NAMES.flatMap((name) =>
    Array.from({ length: name === "blocked" ? 2 : 1 }, (_, k) => ({
      eventId: `${engine.run}-${name}-${k}`,
      type: "like",
      userId: `${engine.run}-fan${k}`,
      itemId: item(name),
      timestamp: new Date(Date.now() - 3_600_000).toISOString(),
    })),
  );
  const posted = await engine.app.inject({ method: "POST", url: "/v1/events", headers: { authorization: ingest }, payload: { events } });
  expect(posted.json().accepted).toBe(events.length);
  await engine.settleEvents();
  await engine.ranking.refresh();
  surface = `${engine.run}-shed`;
  await engine.publishSurface(surface, {
    ...POPULARITY_ONLY_CONFIG,
    filters: { seenWindowHours: 0, blocked: { itemIds: [item("blocked")] }, expressions: [{ id: "ours", keep: `category in ("${item("c")}")` }] },
  });
});

afterAll(async () => {
  await engine.db.surface.deleteMany({ where: { id: surface } });
  await engine.close();
});

/** Holds every funnel run at its start until `open()`; `entered` resolves once the first one waits there. */
function slowFunnel() {
  const service = engine.engine.context.recommendations;
  const original = service.recommend.bind(service);
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let entered!: () => void;
  const firstEntered = new Promise<void>((resolve) => (entered = resolve));
  service.recommend = async (request) => {
    if (!request.cursor) {
      entered();
      await gate;
    }
    return original(request);
  };
  return { entered: firstEntered, open, restore: () => (service.recommend = original) };
}

const ask = (payload: Partial<RecommendationsRequest>) =>
  engine.app.inject({
    method: "POST",
    url: "/v1/recommendations",
    headers: { authorization: recommend },
    payload: { userId: `${engine.run}-reader`, surface, count: 2, ...payload },
  });

function expectServedWithinRules(response: LightMyRequestResponse): RecommendationsResponse {
  expect(response.statusCode).toBe(200);
  const body = recommendationsResponse.parse(response.json());
  expect(body.degraded).toBe(false);
  expect(body.items.length).toBeGreaterThan(0);
  expect(body.items.map((served) => served.itemId)).not.toContain(item("blocked"));
  return body;
}

describe("load shedding on the funnel routes", () => {
  it("answers 503 overloaded with Retry-After at once when the gate is full, and serves complete pages once it frees", async () => {
    // A first page before the load: its cursor is for a later page while the gate is full.
    const before = expectServedWithinRules(await ask({}));
    expect(before.cursor).not.toBeNull();

    const slow = slowFunnel();
    try {
      const holding = ask({ userId: `${engine.run}-u0` });
      await slow.entered;
      // The queue holds one: of these six, one waits (whichever reaches the gate first), five are shed at once.
      const asked = Array.from({ length: 6 }, (_, i) => ask({ userId: `${engine.run}-u${i + 1}` }));
      const answered: LightMyRequestResponse[] = [];
      const fiveAnswered = new Promise<void>((resolve) =>
        asked.forEach(
          (response) =>
            void response.then((answer) => {
              answered.push(answer);
              if (answered.length === 5) resolve();
            }),
        ),
      );
      await fiveAnswered;
      const rerank = await engine.app.inject({
        method: "POST",
        url: "/v1/rerank",
        headers: { authorization: recommend },
        payload: { userId: `${engine.run}-u9`, surface, itemIds: [item("a"), item("b")] },
      });
      for (const response of [...answered, rerank]) {
        expect(response.statusCode).toBe(503);
        expect(response.headers["retry-after"]).toBe("2");
        expect(apiError.strict().parse(response.json()).error).toEqual({ code: "overloaded", message: expect.stringContaining("retry after 2 s") });
      }

      // Never gated: health, and a later page (a stored page session, no funnel).
      expect((await engine.app.inject({ method: "GET", url: "/v1/health" })).statusCode).toBe(200);
      const later = await ask({ cursor: before.cursor! });
      expect(later.statusCode).toBe(200);
      expect(recommendationsResponse.parse(later.json()).items.map((served) => served.itemId)).not.toContain(item("blocked"));

      const exposition = (await engine.engine.metrics.exposition()).body;
      expect(exposition).toContain('cascade_requests_shed_total{route="/v1/recommendations",reason="in_flight"} 5');
      expect(exposition).toContain('cascade_requests_shed_total{route="/v1/rerank",reason="in_flight"} 1');

      slow.open();
      expectServedWithinRules(await holding);
      const served = await Promise.all(asked);
      expect(served.filter((response) => response.statusCode === 200)).toHaveLength(1);
      expectServedWithinRules(served.find((response) => response.statusCode === 200)!);
    } finally {
      slow.open();
      slow.restore();
    }
    // Slots were given back: the next request runs.
    expectServedWithinRules(await ask({ userId: `${engine.run}-after` }));
  });
});

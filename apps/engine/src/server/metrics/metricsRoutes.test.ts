// The hooks on a bare Fastify app (no services): route patterns as labels, ingestion outcomes.
import Fastify from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { createEngineMetrics } from "../../telemetry/engineMetrics.ts";
import { registerMetricsRoutes, type MetricsRouteOptions } from "./metricsRoutes.ts";

const apps: ReturnType<typeof Fastify>[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function appWithMetrics(options: MetricsRouteOptions = {}) {
  const metrics = createEngineMetrics({ processMetrics: false });
  const app = Fastify();
  apps.push(app);
  registerMetricsRoutes(app, metrics, options);
  app.get("/v1/things/:id", async () => ({ ok: true }));
  app.post("/v1/events", async (request) => request.body);
  await app.ready();
  return app;
}

async function scrape(app: Awaited<ReturnType<typeof appWithMetrics>>) {
  const response = await app.inject({ method: "GET", url: "/metrics" });
  expect(response.statusCode).toBe(200);
  expect(response.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.body;
}

describe("metrics hooks", () => {
  it("labels requests by route pattern and status class, never by raw URL", async () => {
    const app = await appWithMetrics();
    await app.inject({ method: "GET", url: "/v1/things/123" });
    await app.inject({ method: "GET", url: "/v1/things/456" });
    await app.inject({ method: "GET", url: "/v1/nothing-here/789" });
    const body = await scrape(app);
    expect(body).toContain('cascade_http_requests_total{method="GET",route="/v1/things/:id",status_class="2xx"} 2');
    expect(body).toContain('cascade_http_requests_total{method="GET",route="unmatched",status_class="4xx"} 1');
    expect(body).toContain('cascade_http_request_duration_seconds_count{method="GET",route="/v1/things/:id"} 2');
    // No raw path in any label (a bare "123" could be part of a duration sum: flaky).
    expect(body).not.toMatch(/"[^"]*things\/123[^"]*"/);
    expect(body).not.toContain("nothing-here");
  });

  it("counts the outcomes of successful POST /v1/events batches", async () => {
    const app = await appWithMetrics();
    const outcome = { accepted: 3, duplicates: 2, rejected: 1, results: [] };
    await app.inject({ method: "POST", url: "/v1/events", payload: outcome });
    await app.inject({ method: "POST", url: "/v1/events", payload: outcome });
    await app.inject({ method: "POST", url: "/v1/events", payload: { unrelated: true } });
    const body = await scrape(app);
    expect(body).toContain('cascade_events_ingested_total{outcome="accepted"} 6');
    expect(body).toContain('cascade_events_ingested_total{outcome="duplicate"} 4');
    expect(body).toContain('cascade_events_ingested_total{outcome="rejected"} 2');
  });

  it("reports the serving models as of each scrape", async () => {
    const model = (kind: string, version: number) => ({ id: `m${version}`, kind, version, name: "n", loadedAt: "2026-11-01T00:00:00Z" });
    let ranker = model("ranker", 3);
    const app = await appWithMetrics({ servingModels: () => ({ retrieval: model("two_tower", 1), ranker }) });
    expect(await scrape(app)).toContain('cascade_model_info{slot="ranker",kind="ranker",version="3"} 1');
    ranker = model("external_ranker", 4);
    const body = await scrape(app);
    expect(body).toContain('cascade_model_info{slot="ranker",kind="external_ranker",version="4"} 1');
    expect(body).toContain('cascade_model_info{slot="retrieval",kind="two_tower",version="1"} 1');
    expect(body).not.toContain('version="3"');
  });
});

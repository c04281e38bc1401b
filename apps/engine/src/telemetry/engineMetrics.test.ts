import { describe, expect, it } from "vitest";
import { BoundedLabelValues, OVERFLOW_LABEL } from "./boundedLabels.ts";
import { createEngineMetrics, statusClass } from "./engineMetrics.ts";

/** The value of the one sample line that starts with `series` (name plus labels). */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/**
 * What a busy engine has recorded: `surfaces` surfaces, each through the demo's 9 stages, 23
 * components and 5 sources, with latencies over the whole range, and 12 HTTP routes answering 2xx
 * and 4xx — every series the funnel can create, each bucket line present.
 */
function recordBusyEngine(metrics: ReturnType<typeof createEngineMetrics>, surfaces: number): void {
  const stages = ["hydrateQuery", "sources", "merge", "hydrateCandidates", "filters", "score", "blend", "rules", "exploration"];
  const durationsMs = [0.3, 2, 7, 18, 45, 120, 900];
  for (let s = 0; s < surfaces; s += 1) {
    const surface = `surface-${s}`;
    for (const [index, stage] of stages.entries()) {
      for (const ms of durationsMs) metrics.observeStage({ surface, stage }, ms);
      for (let c = 0; c < (index === 1 || index === 4 ? 5 : 2); c += 1) {
        for (const ms of durationsMs) metrics.observeComponent({ surface, stage, component: `${stage}-component-${c}` }, ms);
      }
    }
    for (let source = 0; source < 5; source += 1)
      for (const count of [0, 30, 300, 3000]) metrics.observeCandidates({ surface, source: `source-${source}` }, count);
    metrics.countRecommendationResponse({ surface, degraded: false });
  }
  for (let route = 0; route < 12; route += 1) {
    for (const statusCode of [200, 404]) {
      for (const ms of durationsMs) metrics.observeHttpRequest({ method: "POST", route: `/v1/route-${route}`, statusCode, durationMs: ms });
    }
  }
}

describe("/metrics size", () => {
  it("stays small however many surfaces are served: components are not multiplied by surfaces, and buckets are few", async () => {
    const sizes: number[] = [];
    for (const surfaces of [2, 10]) {
      const metrics = createEngineMetrics({ processMetrics: false });
      recordBusyEngine(metrics, surfaces);
      sizes.push(Buffer.byteLength((await metrics.exposition()).body));
    }
    // Before (component histograms per surface, 16 latency buckets everywhere, HTTP latency per status
    // class): 217 KB for 2 surfaces, 871 KB for 10, i.e. 82 KB more per surface.
    expect(sizes[0]).toBeLessThan(100_000);
    expect((sizes[1]! - sizes[0]!) / 8).toBeLessThan(15_000);
    console.info(`/metrics without process metrics: 2 surfaces ${sizes[0]} B, 10 surfaces ${sizes[1]} B`);
  });
});

describe("createEngineMetrics", () => {
  it("records funnel stage and component latencies in seconds into ms-scale buckets", async () => {
    const metrics = createEngineMetrics({ processMetrics: false });
    metrics.observeStage({ surface: "home", stage: "retrieval" }, 3);
    metrics.observeStage({ surface: "home", stage: "retrieval" }, 40);
    metrics.observeComponent({ surface: "home", stage: "retrieval", component: "two_tower" }, 0.4);
    const { body } = await metrics.exposition();
    const stage = 'cascade_funnel_stage_duration_seconds_bucket{le="0.005",surface="home",stage="retrieval"}';
    expect(sample(body, stage)).toBe(1);
    expect(sample(body, 'cascade_funnel_stage_duration_seconds_count{surface="home",stage="retrieval"}')).toBe(2);
    expect(sample(body, 'cascade_funnel_stage_duration_seconds_sum{surface="home",stage="retrieval"}')).toBeCloseTo(0.043, 9);
    expect(sample(body, 'cascade_funnel_component_duration_seconds_bucket{le="0.001",stage="retrieval",component="two_tower"}')).toBe(1);
  });

  it("counts candidates per source, fallbacks, degraded responses and missing-feature defaults", async () => {
    const metrics = createEngineMetrics({ processMetrics: false });
    metrics.observeCandidates({ surface: "home", source: "trending" }, 120);
    metrics.countFallback({ surface: "home", component: "two_tower", reason: "timeout" });
    metrics.countFallback({ surface: "home", component: "two_tower", reason: "timeout" });
    metrics.countRecommendationResponse({ surface: "home", degraded: true });
    metrics.countMissingFeatureDefaults({ surface: "home", feature: "user_ctr_7d" }, 3);
    metrics.countMissingFeatureDefaults({ surface: "home", feature: "user_ctr_7d" }, 0);
    const { body } = await metrics.exposition();
    expect(sample(body, 'cascade_funnel_candidates_sum{surface="home",source="trending"}')).toBe(120);
    expect(sample(body, 'cascade_funnel_fallbacks_total{surface="home",component="two_tower",reason="timeout"}')).toBe(2);
    expect(sample(body, 'cascade_recommendation_responses_total{surface="home",degraded="true"}')).toBe(1);
    expect(sample(body, 'cascade_feature_default_values_total{surface="home",feature="user_ctr_7d"}')).toBe(3);
  });

  it("keeps one model_info series per slot: a new version replaces the old one", async () => {
    const metrics = createEngineMetrics({ processMetrics: false });
    metrics.setServingModel("ranker", { kind: "ranker", version: "1" });
    metrics.setServingModel("ranker", { kind: "external_ranker", version: "2" });
    metrics.setServingModel("retrieval", { kind: "two_tower", version: "1" });
    metrics.setServingModel("retrieval", null);
    const { body } = await metrics.exposition();
    expect(sample(body, 'cascade_model_info{slot="ranker",kind="external_ranker",version="2"}')).toBe(1);
    expect(body).not.toContain('kind="ranker"');
    expect(body).not.toContain('slot="retrieval"');
  });

  it("counts event outcomes and HTTP requests by status class", async () => {
    const metrics = createEngineMetrics({ processMetrics: false });
    metrics.countIngestedEvents({ accepted: 5, duplicates: 1, rejected: 0 });
    metrics.observeHttpRequest({ method: "PUT", route: "/v1/items", statusCode: 413, durationMs: 2 });
    const { body, contentType } = await metrics.exposition();
    expect(contentType).toMatch(/^text\/plain/);
    expect(sample(body, 'cascade_events_ingested_total{outcome="accepted"}')).toBe(5);
    expect(sample(body, 'cascade_events_ingested_total{outcome="duplicate"}')).toBe(1);
    expect(sample(body, 'cascade_events_ingested_total{outcome="rejected"}')).toBeUndefined();
    expect(sample(body, 'cascade_http_requests_total{method="PUT",route="/v1/items",status_class="4xx"}')).toBe(1);
  });

  it("gives every instance its own registry, with process metrics unless turned off", async () => {
    const first = createEngineMetrics();
    const second = createEngineMetrics();
    first.countIngestedEvents({ accepted: 1, duplicates: 0, rejected: 0 });
    expect((await first.exposition()).body).toContain("cascade_process_cpu_user_seconds_total");
    expect((await second.exposition()).body).not.toContain('cascade_events_ingested_total{outcome="accepted"}');
  });
});

describe("label bounds", () => {
  it("reports values beyond the limit as 'other' but keeps those already admitted", () => {
    const labels = new BoundedLabelValues(2);
    expect([labels.admit("a"), labels.admit("b"), labels.admit("c"), labels.admit("a")]).toEqual(["a", "b", OVERFLOW_LABEL, "a"]);
  });

  it("maps status codes to classes", () => {
    expect([statusClass(200), statusClass(404), statusClass(503)]).toEqual(["2xx", "4xx", "5xx"]);
  });
});

describe("robustness", () => {
  it("drops non-finite observations instead of throwing", async () => {
    const metrics = createEngineMetrics({ processMetrics: false });
    expect(() => metrics.observeComponent({ surface: "home", stage: "score", component: "onnx" }, Number.NaN)).not.toThrow();
    expect(() => metrics.observeCandidates({ surface: "home", source: "trending" }, Number.POSITIVE_INFINITY)).not.toThrow();
    metrics.observeComponent({ surface: "home", stage: "score", component: "onnx" }, 2);
    const { body } = await metrics.exposition();
    expect(sample(body, 'cascade_funnel_component_duration_seconds_count{stage="score",component="onnx"}')).toBe(1);
    expect(body).not.toContain('source="trending"');
  });
});

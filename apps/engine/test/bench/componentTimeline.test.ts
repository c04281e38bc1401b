import { describe, expect, it } from "vitest";
import { ComponentTimeline } from "../../bench/componentTimeline.ts";
import { createEngineMetrics } from "../../src/telemetry/engineMetrics.ts";

describe("ComponentTimeline", () => {
  it("averages each component's durations by second of the run and keeps only components slow in some second, slowest first", () => {
    const timeline = new ComponentTimeline();
    const metrics = createEngineMetrics();
    timeline.start(metrics, 10_000, 3);
    timeline.record("hydrateQuery/follows", 2, 10_100);
    timeline.record("hydrateQuery/follows", 4, 10_900);
    timeline.record("hydrateQuery/follows", 300, 12_500);
    timeline.record("sources/ann", 30, 11_000);
    timeline.record("sources/ann", 1, 11_999);
    timeline.record("score/ranker", 5, 10_500);
    // Outside the run's seconds, or not a duration: left out.
    timeline.record("score/ranker", 900, 9_999);
    timeline.record("score/ranker", 900, 13_000);
    timeline.record("score/ranker", Number.NaN, 10_500);
    timeline.stop();
    expect(timeline.slowSeconds(10)).toEqual([
      { component: "hydrateQuery/follows", meanMs: [3, 0, 300] },
      { component: "sources/ann", meanMs: [0, 15.5, 0] },
    ]);
    expect(timeline.slowSeconds(5).map((row) => row.component)).toEqual(["hydrateQuery/follows", "sources/ann", "score/ranker"]);
  });

  it("keeps each component's longest single duration per second, so a stall of a few requests that hardly moves a mean is named", () => {
    const timeline = new ComponentTimeline();
    timeline.start(createEngineMetrics(), 0, 2);
    for (let request = 0; request < 199; request += 1) timeline.record("sources/ann", 1, 10 + request);
    timeline.record("sources/ann", 90, 500);
    timeline.record("score/ranker", 12, 1_500);
    timeline.record("score/ranker", 45, 1_600);
    timeline.record("hydrateQuery/follows", 39.9, 1_700);
    timeline.stop();
    // The stalled second's mean (1.4 ms) stays far under any mean threshold.
    expect(timeline.slowSeconds(2)).toEqual([
      { component: "hydrateQuery/follows", meanMs: [0, 39.9] },
      { component: "score/ranker", meanMs: [0, 28.5] },
    ]);
    expect(timeline.longestPerSecond(40)).toEqual([
      { component: "sources/ann", maxMs: [90, 0] },
      { component: "score/ranker", maxMs: [0, 45] },
    ]);
  });

  it("records what the engine observes while started, and passes every observation on to the metrics", async () => {
    const metrics = createEngineMetrics();
    const timeline = new ComponentTimeline();
    timeline.start(metrics, Date.now(), 60);
    metrics.observeComponent({ surface: "home", stage: "sources", component: "ann" }, 42);
    timeline.stop();
    metrics.observeComponent({ surface: "home", stage: "sources", component: "ann" }, 420);
    expect(timeline.slowSeconds(1).map((row) => ({ component: row.component, worst: Math.max(...row.meanMs) }))).toEqual([
      { component: "sources/ann", worst: 42 },
    ]);
    const { body } = await metrics.exposition();
    expect(body).toMatch(/funnel_component_duration_seconds_count\{stage="sources",component="ann"\} 2/);
  });
});

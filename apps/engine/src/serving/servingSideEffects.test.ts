import { describe, expect, it } from "vitest";
import type { FunnelResult } from "../funnel/index.ts";
import type { EngineMetrics } from "../telemetry/engineMetrics.ts";
import { recordFunnelMetrics } from "./servingSideEffects.ts";
import type { ServingStack } from "./servingStack.ts";

/** Records every metrics call the side effect makes, by method name. */
function recordingStack() {
  const calls: [string, unknown, unknown?][] = [];
  const metrics = new Proxy({} as EngineMetrics, { get: (_target, name) => (labels: unknown, value?: unknown) => calls.push([String(name), labels, value]) });
  return { stack: { metrics } as unknown as ServingStack, calls };
}

const component = (id: string, extra: Record<string, unknown> = {}) => ({ id, status: "ok", ms: 1, in: 10, out: 10, ...extra });

function result(degradedCauses: { component: string; reason: string }[]): FunnelResult {
  return {
    trace: {
      surface: "home",
      stages: [
        { stage: "sources", ms: 2, components: [component("ann"), component("follows", { status: "timeout" })] },
        { stage: "hydrateCandidates", ms: 3, components: [component("onlineFeatures", { counts: { "defaults.itemCtr": 4, "cache.hits": 7 } })] },
        { stage: "filters", ms: 1, components: [component("consumed")] },
      ],
    },
    degradedCauses,
  } as unknown as FunnelResult;
}

describe("recordFunnelMetrics", () => {
  it("counts declared defaults per feature from the trace tallies, and each failed component as a fallback", () => {
    const { stack, calls } = recordingStack();
    recordFunnelMetrics(stack, result([]), false);
    expect(calls.filter(([name]) => name === "countMissingFeatureDefaults")).toEqual([
      ["countMissingFeatureDefaults", { surface: "home", feature: "itemCtr" }, 4],
    ]);
    expect(calls.filter(([name]) => name === "countFallback")).toEqual([
      ["countFallback", { surface: "home", component: "follows", reason: "timeout" }, undefined],
    ]);
    expect(calls.filter(([name]) => name === "observeComponent")).toHaveLength(4);
    expect(calls.at(-1)).toEqual(["countRecommendationResponse", { surface: "home", degraded: false }, undefined]);
  });

  it("counts a cause whose component did not fail (a safety filter that failed closed) as unavailable, once", () => {
    const { stack, calls } = recordingStack();
    recordFunnelMetrics(
      stack,
      result([
        { component: "follows", reason: "timed out" },
        { component: "consumed", reason: "consumed items unavailable: every candidate removed" },
      ]),
      true,
    );
    expect(calls.filter(([name]) => name === "countFallback").map(([, labels]) => labels)).toEqual([
      { surface: "home", component: "follows", reason: "timeout" },
      { surface: "home", component: "consumed", reason: "unavailable" },
    ]);
  });
});

// Side effects of a served page (fire-and-forget; runFunnel never awaits them):
//   metrics         per-stage / per-component latency, candidates per source, fallbacks by reason,
//                   declared defaults used per feature, responses by degraded;
//   servedFeatures  a sampled request's served feature vectors into served_feature_log (skew
//                   checks), from the features the funnel already hydrated: no extra store read;
//   impressionLog   the served slate with positions and propensities, as a structured log line
//                   (clients send impression events with the requestId; this is the server's copy).
import type { FunnelResult, SideEffect } from "../funnel/index.ts";
import { allFeatures } from "../funnel/candidate.ts";
import { logServedFeatures } from "../features/servedFeatureLog.ts";
import { featureOfDefaultsTally } from "../features/defaultsTally.ts";
import { featureRegistry } from "../features/registry.ts";
import { UNAVAILABLE_PREFIX } from "../sources/componentUnavailableError.ts";
import { ONLINE_FEATURES_HYDRATOR_ID } from "../hydrators/onlineFeatureHydrator.ts";
import type { RequestScope } from "./requestScope.ts";
import type { ServingStack } from "./servingStack.ts";

export function recordFunnelMetrics(stack: ServingStack, result: FunnelResult, degraded: boolean): void {
  const metrics = stack.metrics;
  const surface = result.trace.surface;
  for (const stage of result.trace.stages) {
    metrics.observeStage({ surface, stage: stage.stage }, stage.ms);
    for (const component of stage.components) {
      metrics.observeComponent({ surface, stage: stage.stage, component: component.id }, component.ms);
      // Declared defaults the component reported using, per feature (its trace tallies).
      const counts = component.counts;
      if (counts !== undefined) {
        for (const name in counts) {
          const feature = featureOfDefaultsTally(name);
          if (feature !== null) metrics.countMissingFeatureDefaults({ surface, feature }, counts[name]!);
        }
      }
      if (stage.stage === "sources" && component.status === "ok") metrics.observeCandidates({ surface, source: component.id }, component.out);
      if (component.status !== "ok") {
        const reason = component.status === "timeout" ? "timeout" : component.error?.startsWith(UNAVAILABLE_PREFIX) ? "unavailable" : "error";
        metrics.countFallback({ surface, component: component.id, reason });
        if (component.id === ONLINE_FEATURES_HYDRATOR_ID) {
          for (const feature of featureRegistry.names) metrics.countMissingFeatureDefaults({ surface, feature }, component.in);
        }
      }
    }
  }
  // Components that did not fail but failed closed (a safety filter removing items it could not check: its inputs were unavailable).
  if (result.degradedCauses.length > 0) {
    const failed = new Set(
      result.trace.stages.flatMap((stage) => stage.components.filter((component) => component.status !== "ok").map((component) => component.id)),
    );
    for (const cause of result.degradedCauses)
      if (!failed.has(cause.component)) metrics.countFallback({ surface, component: cause.component, reason: "unavailable" });
  }
  metrics.countRecommendationResponse({ surface, degraded });
}

export function servingSideEffects(
  stack: ServingStack,
  scope: RequestScope,
  stamp: { modelVersion: string | null; ruleSetVersion: number | null },
): SideEffect[] {
  const { deps } = stack;
  return [
    {
      id: "metrics",
      run: async (_query, result) => recordFunnelMetrics(stack, result, result.degraded || scope.degradedCauses.length > 0),
    },
    {
      id: "servedFeatures",
      run: async (query, result) => {
        const rate = deps.servedFeatureSampleRate ?? 0;
        if (rate <= 0 || result.page.length === 0) return;
        // Defaults written because the store failed are not what the user's state said: logging
        // them would show up as train/serve skew that is really an outage.
        const hydration = result.trace.stages.find((stage) => stage.stage === "hydrateCandidates");
        if (hydration?.components.some((component) => component.id === ONLINE_FEATURES_HYDRATOR_ID && component.status !== "ok")) return;
        await logServedFeatures(
          deps.db,
          result.page.map((item) => ({
            requestId: query.requestId,
            userId: query.userId,
            itemId: item.itemId,
            surface: query.surface,
            servedAt: new Date(query.nowMs),
            features: allFeatures(item),
            modelVersion: stamp.modelVersion,
          })),
          { sampleRate: rate },
        );
      },
    },
    {
      id: "impressionLog",
      run: async (query, result) => {
        deps.logger.debug(
          {
            requestId: query.requestId,
            userId: query.userId,
            surface: query.surface,
            modelVersion: stamp.modelVersion,
            ruleSetVersion: stamp.ruleSetVersion,
            items: result.page.map((item) => ({ itemId: item.itemId, position: item.position, propensity: item.propensity, slot: item.slot })),
          },
          "served",
        );
      },
    },
  ];
}

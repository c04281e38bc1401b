// The last resort of the fallback chain, when the funnel served nothing (every source failed, the
// safety filters removed everything, or the funnel threw): the cached popularity list, run through
// the funnel with the surface's own safety rules and nothing else —
//
//   popularity (the only source) → item attributes and the user's exclusions / consumed items
//   (safety budget), recent history (seen) → the surface's filters (excluded, hidden, consumed,
//   seen, blocked, availability, expressions; all but seen fail closed) → popularity order → the
//   surface's diversity caps → page.
//
// No feature hydration, no ranker, no exploration: only what the rules need. A published rule holds on
// this path as on the full one; an item whose attributes cannot be read is never served, even if
// that leaves the page empty.
import type { Scorer } from "../funnel/index.ts";
import { runFunnel } from "../funnel/index.ts";
import { buildSurfacePipeline } from "./surfacePipeline.ts";
import { POPULARITY_SOURCE_ID } from "../sources/popularitySource.ts";
import { consumedItemsHydrator } from "../hydrators/consumedItemsHydrator.ts";
import { itemAttributesHydrator } from "../hydrators/itemAttributesHydrator.ts";
import { createRequestScope } from "./requestScope.ts";
import { retrievalPriorScorer } from "../ranking/retrievalPriorScorer.ts";
import type { ServingStack } from "./servingStack.ts";
import { funnelQueryOf, rankedSnapshot, safetyBudgetOf, type SurfaceRun, type SurfaceRunInput } from "./surfaceRun.ts";
import { userHistoryHydrator } from "../hydrators/userHistoryHydrator.ts";
import { userExclusionsHydrator } from "../hydrators/userExclusions.ts";

export const POPULARITY_FALLBACK_ID = "popularityFallback";

/** Popularity items considered: enough for a page and its later pages after the filters. */
const FALLBACK_CANDIDATES = 1_000;

export async function runSafeFallback(stack: ServingStack, input: SurfaceRunInput): Promise<SurfaceRun> {
  const scope = createRequestScope();
  const popularity = stack.sources.get(POPULARITY_SOURCE_ID);
  if (!popularity) throw new Error("no popularity source");
  const safetyMs = safetyBudgetOf(input.config);
  const config = {
    ...input.config,
    sources: [{ id: POPULARITY_SOURCE_ID, enabled: true, quota: FALLBACK_CANDIDATES, budgetMs: Math.max(safetyMs, popularity.budgetMs), weight: 1 }],
    maxCandidates: FALLBACK_CANDIDATES,
    rules: input.config.rules.filter((rule) => rule.type === "diversity"),
    exploration: { policy: "none" as const },
  };
  const consumed = config.filters.consumed;
  const scorers: Scorer[] = [retrievalPriorScorer(config)];
  let ranked: SurfaceRun["ranked"] = [];
  const { pipeline } = buildSurfacePipeline(input.surface, config, {
    sources: new Map([[POPULARITY_SOURCE_ID, popularity]]),
    queryHydrators: [
      // The seen filter's history (Redis): as in the funnel, without it nothing counts as seen.
      userHistoryHydrator(stack.deps.store, config.hydrationBudgetMs),
      userExclusionsHydrator(stack.userRelations, safetyMs, stack.exclusions),
      ...(consumed ? [consumedItemsHydrator(stack.userRelations, consumed, safetyMs, stack.consumed)] : []),
    ],
    candidateHydrators: [itemAttributesHydrator(stack.itemAttributes, safetyMs)],
    scorers,
    closingRules: [rankedSnapshot((list) => (ranked = list))],
  });
  const result = await runFunnel(pipeline, funnelQueryOf(input), { detail: input.detail });
  const degradedCauses = [...result.degradedCauses, ...scope.degradedCauses];
  return { result, ranked, scope, modelVersion: null, degraded: degradedCauses.length > 0, degradedCauses };
}

/** One step of a surface's fallback chain: what serves the first page when everything before it could not. */
export type FallbackStep = {
  id: string;
  /** How the degraded cause names what was served instead ("served <description>"). */
  description: string;
  run(stack: ServingStack, input: SurfaceRunInput): Promise<SurfaceRun>;
};

/**
 * What serves a surface's first page when the funnel fails or finds nothing, tried in order (as
 * Gorse declares its fallback recommenders). Each step runs through the same funnel runner with
 * its own trace, and counts in the fallback metrics; after the last, an empty page flagged
 * degraded. Safety rules hold on every step.
 */
export const FALLBACK_CHAIN: readonly FallbackStep[] = [
  { id: POPULARITY_FALLBACK_ID, description: "the popularity list through the surface's safety rules", run: runSafeFallback },
];

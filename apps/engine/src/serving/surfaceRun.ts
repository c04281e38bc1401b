// One funnel run for a surface: resolves the components for this request (hydrators, sources,
// scorers with the ranker taken ONCE from the active models, side effects), builds the surface's
// pipeline from its config and runs it.
//
// Redis round trips per request: at most 2, whatever the number of candidates —
//   1. query hydrator `userHistory`: one readBatch of the user's counter keys (features + recent items);
//   2. candidate hydrator `onlineFeatures`: one readBatch of the keys of the candidates missing from
//      the item-state cache (none when all are cached; plus the user's keys only if 1 failed).
// (On Redis Cluster each batch splits by node: one round trip per node touched, in parallel.)
// Sources and the ranker never touch Redis; the served-feature log reuses the hydrated features.
import type { DegradedCause, SurfaceConfig } from "@cascade/core";
import type { Candidate, CandidateSource, FunnelQuery, FunnelResult, QueryHydrator, Rule, Scorer, TraceDetail } from "../funnel/index.ts";
import { runFunnel } from "../funnel/index.ts";
import { seedFromRequestId } from "../exploration/requestSeed.ts";
import { buildSurfacePipeline } from "./surfacePipeline.ts";
import { followsHydrator } from "../hydrators/followsHydrator.ts";
import { itemAttributesHydrator, knownItemsFilter } from "../hydrators/itemAttributesHydrator.ts";
import { onlineFeatureHydrator } from "../hydrators/onlineFeatureHydrator.ts";
import { onnxRankerScorer } from "../ranking/onnxRankerScorer.ts";
import { consumedItemsHydrator } from "../hydrators/consumedItemsHydrator.ts";
import { createRequestScope, degrade, type RequestScope } from "./requestScope.ts";
import { retrievalPriorScorer } from "../ranking/retrievalPriorScorer.ts";
import { servingSideEffects } from "./servingSideEffects.ts";
import type { ServingStack } from "./servingStack.ts";
import { userExclusionsHydrator } from "../hydrators/userExclusions.ts";
import { userHistoryHydrator } from "../hydrators/userHistoryHydrator.ts";
import { POPULARITY_SOURCE_ID } from "../sources/popularitySource.ts";
import { COLD_START_QUOTA, COLD_START_SOURCE_ID } from "../sources/coldStartSource.ts";
import { ANN_SOURCE_ID, twoTowerScorer, twoTowerSource } from "../sources/twoTowerSource.ts";
import type { VariantModels } from "../experiments/runningExperiments.ts";
import { ITEM_TO_ITEM_SOURCE_ID, itemToItemScorer } from "../sources/itemToItemSource.ts";

export const SUPPLIED_SOURCE_ID = "supplied";

export type SurfaceRunInput = {
  requestId: string;
  userId: string;
  surface: string;
  count: number;
  nowMs: number;
  context: Readonly<Record<string, string | number | boolean>>;
  excludeItemIds: readonly string[];
  config: SurfaceConfig;
  ruleSetVersion: number | null;
  detail: TraceDetail;
  /** Rerank: score exactly these candidates (in this order) instead of running the sources. */
  suppliedItemIds?: readonly string[];
  /** Model versions an experiment variant pins, instead of the active ones. */
  models?: VariantModels;
  /** false (a replay, replay/feedReplay.ts): no side effects — no metrics, served-feature log or impression log. Default true. */
  record?: boolean;
};

export type SurfaceRun = {
  result: FunnelResult;
  /** The final ranked list before exploration (for the page session). */
  ranked: Candidate[];
  scope: RequestScope;
  modelVersion: string | null;
  /** Component failures or missing models. */
  degraded: boolean;
  /** Why `degraded`: the funnel's failed or fail-closed components, then the request's own causes (a model that failed to load, …). */
  degradedCauses: DegradedCause[];
};

function suppliedSource(itemIds: readonly string[]): CandidateSource {
  return { id: SUPPLIED_SOURCE_ID, budgetMs: 1_000, fetch: async () => itemIds.map((itemId) => ({ itemId })) };
}

/** A no-op rule run last: it records the final ranked order, which the page session continues. */
export function rankedSnapshot(capture: (ranked: Candidate[]) => void): Rule {
  return {
    id: "rankedSnapshot",
    apply(_query, candidates) {
      capture([...candidates]);
      return { items: [...candidates], effects: [] };
    },
  };
}

/** The hydrators and the retrieval prior a config's requests use: they depend only on the stack and the config, and hold no per-request state. */
type ConfigComponents = { queryHydrators: QueryHydrator[]; candidateHydrators: Scorer[]; retrievalPrior: Scorer };

/**
 * Built once per stack and config object (a published config lives until the next publish), not
 * per request: building them (feature registry scans, declared defaults, the prior's weights) cost
 * ~0.1 ms of CPU per request.
 */
const componentsByStack = new WeakMap<ServingStack, WeakMap<SurfaceConfig, ConfigComponents>>();

function buildConfigComponents(stack: ServingStack, config: SurfaceConfig): ConfigComponents {
  const hydrationMs = config.hydrationBudgetMs;
  // The lookups the safety filters depend on (item attributes, consumed items) get the longer safety
  // budget: past it their items are dropped, so waiting a little longer is worth more than a short page.
  const safetyMs = safetyBudgetOf(config);
  const consumed = config.filters.consumed;
  return {
    queryHydrators: [
      userHistoryHydrator(stack.deps.store, hydrationMs),
      // The safety budget, not the quality one: follows are read in the same statement as the
      // user's exclusions (userRelations.ts), which the stage waits for up to safetyMs anyway;
      // giving up on follows sooner saved no time and dropped the follow source (MovieLens over
      // HTTP at concurrency 2: 6% of pages degraded by `follows` alone).
      followsHydrator(stack.userRelations, safetyMs, stack.follows),
      userExclusionsHydrator(stack.userRelations, safetyMs, stack.exclusions),
      ...(consumed ? [consumedItemsHydrator(stack.userRelations, consumed, safetyMs, stack.consumed)] : []),
    ],
    candidateHydrators: [
      itemAttributesHydrator(stack.itemAttributes, safetyMs),
      onlineFeatureHydrator(stack.deps.store, hydrationMs, stack.candidateCategories, stack.itemStates),
    ],
    retrievalPrior: retrievalPriorScorer(config),
  };
}

function configComponents(stack: ServingStack, config: SurfaceConfig, cached: boolean): ConfigComponents {
  if (!cached) return buildConfigComponents(stack, config);
  let byConfig = componentsByStack.get(stack);
  if (!byConfig) componentsByStack.set(stack, (byConfig = new WeakMap()));
  let built = byConfig.get(config);
  if (!built) byConfig.set(config, (built = buildConfigComponents(stack, config)));
  return built;
}

export async function runSurface(stack: ServingStack, input: SurfaceRunInput): Promise<SurfaceRun> {
  const { deps } = stack;
  const scope = createRequestScope();
  const ranker = input.models?.ranker ?? stack.models?.ranker() ?? null;
  let config = input.config;
  let sources = stack.sources;
  const pinnedRetrieval = input.models?.retrieval;
  if (pinnedRetrieval) {
    // The variant's retrieval version answers the ANN source for this request only.
    sources = new Map([...sources, [ANN_SOURCE_ID, twoTowerSource({ retrieval: () => pinnedRetrieval }, { slots: stack.itemSlots })]]);
  }
  if (input.suppliedItemIds) {
    const unique = [...new Set(input.suppliedItemIds)];
    sources = new Map([[SUPPLIED_SOURCE_ID, suppliedSource(unique)]]);
    config = {
      ...config,
      sources: [{ id: SUPPLIED_SOURCE_ID, enabled: true, quota: unique.length, budgetMs: 1_000, weight: 1 }],
      maxCandidates: Math.max(config.maxCandidates, unique.length),
    };
  }
  // A rerank's config is built for this request alone (above): not worth keeping.
  const components = configComponents(stack, config, config === input.config);
  // A slot with nothing promoted yet is the normal state before training (a note, not degraded);
  // a promoted version this engine failed to load (missing or corrupt file) is a degradation.
  const refused = stack.models?.status?.().lastError;
  const scorers: Scorer[] = [components.retrievalPrior];
  // The score fusion's two-tower and item-to-item scores of every candidate, when the config lists those sources in it.
  const retrievalForScores = pinnedRetrieval ?? stack.models?.retrieval() ?? null;
  if (ANN_SOURCE_ID in (config.fusion.scoreWeights ?? {}) && retrievalForScores && !input.suppliedItemIds)
    scorers.unshift(twoTowerScorer({ retrieval: () => retrievalForScores }));
  const itemToItemForScores = stack.models?.itemToItem?.() ?? null;
  if (ITEM_TO_ITEM_SOURCE_ID in (config.fusion.scoreWeights ?? {}) && itemToItemForScores && !input.suppliedItemIds)
    scorers.unshift(itemToItemScorer({ itemToItem: () => itemToItemForScores }));
  if (ranker) scorers.push(onnxRankerScorer(ranker.model, config.scoringBudgetMs));
  else if (refused?.slot === "ranker") degrade(scope, "ranker", `no active ranker (${refused.message}): ranked by retrieval rank`);
  else scope.notes.push("no active ranker: ranked by retrieval rank");
  const annSkipped =
    !input.suppliedItemIds && !pinnedRetrieval && !stack.models?.retrieval() && config.sources.some((source) => source.enabled && source.id === ANN_SOURCE_ID);
  if (annSkipped) {
    sources = new Map([...sources].filter(([id]) => id !== ANN_SOURCE_ID));
    if (refused?.slot === "retrieval") degrade(scope, ANN_SOURCE_ID, `no active retrieval model (${refused.message}): two-tower source skipped`);
    else scope.notes.push("no active retrieval model: two-tower source skipped");
  }
  const itemToItemSkipped =
    !input.suppliedItemIds && !stack.models?.itemToItem?.() && config.sources.some((source) => source.enabled && source.id === ITEM_TO_ITEM_SOURCE_ID);
  if (itemToItemSkipped) {
    sources = new Map([...sources].filter(([id]) => id !== ITEM_TO_ITEM_SOURCE_ID));
    if (refused?.slot === "itemToItem")
      degrade(scope, ITEM_TO_ITEM_SOURCE_ID, `no active item-to-item model (${refused.message}): item-to-item source skipped`);
    else scope.notes.push("no active item-to-item model: item-to-item source skipped");
  }

  // Cold start backfill (sources/coldStartSource.ts) unless the config lists popularity itself.
  const coldStart =
    input.suppliedItemIds || config.sources.some((source) => source.enabled && source.id === POPULARITY_SOURCE_ID)
      ? undefined
      : stack.sources.get(COLD_START_SOURCE_ID);
  let ranked: Candidate[] = [];
  const modelVersion = ranker?.version.id ?? null;
  const { pipeline, missingSources } = buildSurfacePipeline(input.surface, config, {
    sources,
    backfillSources: coldStart ? [{ source: coldStart, quota: Math.min(COLD_START_QUOTA, config.maxCandidates) }] : [],
    queryHydrators: components.queryHydrators,
    candidateHydrators: components.candidateHydrators,
    scorers,
    leadingFilters: input.suppliedItemIds ? [knownItemsFilter()] : [],
    closingRules: [rankedSnapshot((list) => (ranked = list))],
    sideEffects: input.record === false ? [] : servingSideEffects(stack, scope, { modelVersion, ruleSetVersion: input.ruleSetVersion }),
  });
  const unknownSources = missingSources.filter((id) => !(annSkipped && id === ANN_SOURCE_ID) && !(itemToItemSkipped && id === ITEM_TO_ITEM_SOURCE_ID));
  if (unknownSources.length > 0) degrade(scope, "sources", `unknown sources in the config: ${unknownSources.join(", ")}`);

  const result = await runFunnel(pipeline, funnelQueryOf(input), {
    detail: input.detail,
    onSideEffectError: (id, error) => deps.logger.warn({ err: error, sideEffect: id, requestId: input.requestId }, "serving side effect failed"),
  });
  if (ranked.length === 0 && result.page.length > 0) ranked = [...result.page];
  const degradedCauses = [...result.degradedCauses, ...scope.degradedCauses];
  return { result, ranked, scope, modelVersion, degraded: degradedCauses.length > 0, degradedCauses };
}

export function funnelQueryOf(input: SurfaceRunInput): FunnelQuery {
  return {
    requestId: input.requestId,
    userId: input.userId,
    surface: input.surface,
    count: input.count,
    nowMs: input.nowMs,
    context: input.context,
    excludeItemIds: input.excludeItemIds,
    seed: seedFromRequestId(input.requestId),
  };
}

/** The safety lookups' budget: the config's safetyBudgetMs, never less than its quality budget. */
export function safetyBudgetOf(config: SurfaceConfig): number {
  return Math.max(config.safetyBudgetMs, config.hydrationBudgetMs);
}

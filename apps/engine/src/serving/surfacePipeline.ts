// Turns a validated SurfaceConfig (a published RuleSet) into a runnable FunnelPipeline. The
// engine supplies the components that need infrastructure (sources, hydrators, the ranker, side
// effects); everything the config describes (filters, rules, exploration) is built here.
//
// Filter order is fixed, cheapest first: request exclusions, the user's hides/dislikes/purchases,
// consumed, seen, blocked, availability, then the config's expressions in order. Rules run in the config's order, except
// the diversity rules: they are one constraint (diversityCaps.ts), applied jointly after every
// other rule so that nothing reorders the list after them, and the explorer keeps them too.
import { compileFilterExpression, surfaceFieldCatalog, type RuleConfig, type SurfaceConfig } from "@cascade/core";
import { epsilonGreedyExplorer } from "../exploration/epsilonGreedy.ts";
import { thompsonExplorer } from "../exploration/thompsonSampling.ts";
import { attributeBoost } from "../rules/attributeBoost.ts";
import { availabilityFilter } from "../filters/availabilityFilter.ts";
import { blockedFilter } from "../filters/blockedFilter.ts";
import { consumedFilter } from "../filters/consumedFilter.ts";
import { diversityCaps } from "../rules/diversityCaps.ts";
import type { DiversityCap } from "../rules/diversityWindows.ts";
import { excludedItemsFilter } from "../filters/excludedItemsFilter.ts";
import { expressionFilter } from "../filters/expressionFilter.ts";
import { freshnessBoost } from "../rules/freshnessBoost.ts";
import { mmrRerank } from "../rules/mmrRerank.ts";
import { seenFilter } from "../filters/seenFilter.ts";
import { userExclusionsFilter } from "../filters/userExclusionsFilter.ts";
import type { CandidateSource, Explorer, Filter, QueryHydrator, Rule, Scorer, SideEffect } from "../funnel/components.ts";
import type { FunnelPipeline } from "../funnel/runFunnel.ts";
import { filterFailurePolicy, ruleFailurePolicy } from "./failurePolicy.ts";

/**
 * The components that need infrastructure, supplied by the serving assembly (surfaceRun.ts,
 * safeFallbackRun.ts). With the config they declare every stage of a surface's pipeline; nothing
 * is added to the pipeline after it is built.
 */
export type PipelineComponents = {
  /** Every source the engine can run, by id; config entries naming an unknown source are skipped (and returned in `missingSources`). */
  sources: ReadonlyMap<string, CandidateSource>;
  /** Sources the engine runs after the config's (the cold-start backfill). */
  backfillSources?: { source: CandidateSource; quota: number }[];
  queryHydrators?: QueryHydrator[];
  candidateHydrators?: Scorer[];
  /** Feature hydrators then the ranker, in order. */
  scorers?: Scorer[];
  /** Filters that run before every configured one (rerank: only known items). */
  leadingFilters?: Filter[];
  /** Rules that run after every configured one, diversity caps included (the ranked-list snapshot). */
  closingRules?: Rule[];
  sideEffects?: SideEffect[];
};

type OrderingRuleConfig = Exclude<RuleConfig, { type: "diversity" }>;

function buildRule(rule: OrderingRuleConfig, catalog: ReturnType<typeof surfaceFieldCatalog>): Rule {
  switch (rule.type) {
    case "freshness":
      return freshnessBoost(rule);
    case "boost":
      return attributeBoost({ id: rule.id, when: rule.when, delta: rule.delta, catalog });
    case "mmr":
      return mmrRerank(rule);
  }
}

export function diversityCapsOf(config: SurfaceConfig): DiversityCap[] {
  return config.rules.flatMap((rule) =>
    rule.type === "diversity" ? [{ id: rule.id, attribute: rule.attribute, maxPerWindow: rule.maxPerWindow, window: rule.window, depth: rule.depth }] : [],
  );
}

function buildExplorer(config: SurfaceConfig, catalog: ReturnType<typeof surfaceFieldCatalog>, caps: DiversityCap[]): Explorer | undefined {
  const exploration = config.exploration;
  if (exploration.policy === "none") return undefined;
  const poolWhen = exploration.pool.when === undefined ? undefined : compileFilterExpression(exploration.pool.when, catalog).test;
  const pool = { poolSize: exploration.pool.size, caps, ...(poolWhen ? { poolWhen } : {}) };
  if (exploration.policy === "epsilonGreedy")
    return epsilonGreedyExplorer({
      epsilon: exploration.epsilon,
      slots: exploration.slots,
      ...(exploration.propensityReplays !== undefined ? { replays: exploration.propensityReplays } : {}),
      ...pool,
    });
  return thompsonExplorer({
    slots: exploration.slots,
    ...pool,
    prior: exploration.prior,
    impressionsField: exploration.impressionsField,
    clicksField: exploration.clicksField,
    replays: exploration.propensityReplays,
  });
}

type ConfiguredComponents = { filters: readonly Filter[]; rules: readonly Rule[]; explorer: Explorer | undefined };

/**
 * The filters, rules and explorer a config describes, built once per config object: compiling its
 * expressions took ~0.1 ms per request. They hold no per-request state, so requests share them
 * (a published config object lives until the next publish; drafts are built per preview).
 */
const configured = new WeakMap<SurfaceConfig, ConfiguredComponents>();

function configuredComponents(config: SurfaceConfig): ConfiguredComponents {
  let built = configured.get(config);
  if (built) return built;
  const catalog = surfaceFieldCatalog(config);
  const filters: Filter[] = [excludedItemsFilter(), userExclusionsFilter()];
  if (config.filters.consumed) filters.push(consumedFilter());
  if (config.filters.seenWindowHours > 0) filters.push(seenFilter({ windowHours: config.filters.seenWindowHours }));
  const blocked = config.filters.blocked;
  if (blocked.itemIds.length + blocked.categories.length + blocked.creators.length > 0) filters.push(blockedFilter(blocked));
  if (config.filters.requireAvailable) filters.push(availabilityFilter());
  for (const expression of config.filters.expressions) filters.push(expressionFilter(`expression:${expression.id}`, expression.keep, catalog));
  const caps = diversityCapsOf(config);
  const rules = config.rules.flatMap((rule) => (rule.type === "diversity" ? [] : [buildRule(rule, catalog)]));
  const capsRule = caps.length > 0 ? diversityCaps(caps) : null;
  if (capsRule) rules.push(capsRule);
  built = {
    filters: filters.map(withFilterPolicy),
    rules: rules.map((rule) => ({ ...rule, failClosed: ruleFailurePolicy(rule.id, capsRule?.id ?? null) === "closed" })),
    explorer: buildExplorer(config, catalog, caps),
  };
  configured.set(config, built);
  return built;
}

/** The filter as declared, with its failure policy (failurePolicy.ts) applied. */
function withFilterPolicy(filter: Filter): Filter {
  return { ...filter, failClosed: filterFailurePolicy(filter.id) === "closed" };
}

/** `config` must already be parsed by surfaceConfigSchema. */
export function buildSurfacePipeline(
  surface: string,
  config: SurfaceConfig,
  components: PipelineComponents,
): { pipeline: FunnelPipeline; missingSources: string[] } {
  const missingSources: string[] = [];
  const sources: FunnelPipeline["sources"] = [];
  for (const entry of config.sources) {
    if (!entry.enabled) continue;
    const source = components.sources.get(entry.id);
    if (!source) {
      missingSources.push(entry.id);
      continue;
    }
    // The config's budget wins over the component's own default.
    sources.push({
      source: { id: source.id, budgetMs: entry.budgetMs, abortable: source.abortable, fetch: (query, limit, signal) => source.fetch(query, limit, signal) },
      quota: entry.quota,
    });
  }

  sources.push(...(components.backfillSources ?? []));

  const { filters, rules, explorer } = configuredComponents(config);
  const pipeline: FunnelPipeline = {
    surface,
    queryHydrators: components.queryHydrators ?? [],
    sources,
    maxCandidates: config.maxCandidates,
    candidateHydrators: components.candidateHydrators ?? [],
    filters: [...(components.leadingFilters ?? []).map(withFilterPolicy), ...filters],
    scorers: components.scorers ?? [],
    blend: config.blend,
    rules: [...rules, ...(components.closingRules ?? [])],
    sideEffects: components.sideEffects ?? [],
    ...(explorer ? { explorer } : {}),
  };
  return { pipeline, missingSources };
}

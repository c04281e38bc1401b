// The per-surface pipeline configuration stored in RuleSet.config (one version per RuleSet row).
// A surface's pipeline is data: sources with quotas and budgets, filters, ranker blend weights,
// ordered rules, exploration and page limits. Every filter expression is parsed and type-checked
// here, so a bad expression is refused at save time with its column, never at serving time.
import { z } from "zod";
import { eventTypes } from "../api/events.ts";
import { checkFilterExpression } from "./filterExpression.ts";
import { DEFAULT_NUMERIC_ITEM_FIELDS, FIELD_NAME_PATTERN, itemFieldCatalog } from "./itemFields.ts";

const componentId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, "must start with a letter and use letters, digits, '_' or '-'");

/** A filter expression; checked against the config's field whitelist by the surrounding schema. */
const expressionText = z.string().min(1).max(2000);

export const sourceConfigSchema = z.object({
  /** Id of a candidate source the engine knows (e.g. "ann", "trending", "covisitation", "follows", "fresh"). */
  id: componentId,
  enabled: z.boolean().default(true),
  /** How many of this source's top candidates may enter the merged set. */
  quota: z.number().int().min(1).max(5000),
  /** Past this the source is abandoned and the request continues without it. */
  budgetMs: z.number().int().min(1).max(2000),
  /**
   * How much a place in this source's list counts in the retrieval prior (the order used when no
   * ranker is active): prior = Σ over the sources that found the item of weight / (fusion.k + 1 + rank).
   * 0 keeps the source's items as candidates without letting it order them.
   */
  weight: z.number().min(0).max(1000).default(1),
});

/**
 * The retrieval prior's rank fusion. `k` damps the head of every list (reciprocal-rank fusion; 0: the
 * first place of a source is worth twice the second). `cascade tune-fusion` fits `k` and the
 * sources' weights on held-out interactions by replaying the served funnel.
 */
export const fusionConfigSchema = z.object({
  k: z.number().min(0).max(1000).default(0),
  /**
   * Score fusion beside the rank fusion: prior += Σ weight × the source's score of the candidate,
   * standardised over the request's candidates (mean 0, sd 1). `ann` (the two-tower) and `itemToItem`
   * are scored for every candidate (listing them here, even at 0, makes the engine compute it); any
   * other source uses the score its list gave the item (its lowest one for items it did not find).
   * Absent: none.
   */
  scoreWeights: z.record(componentId, z.number().min(0).max(1000)).optional(),
});

/**
 * Items the user consumed are never served on the surface; the engine reads them from the event log
 * (clients need not send them). An event consumes its item when its type is listed and, for a
 * rating, its value is at least `minRating`, and for a watch, its seconds are at least
 * `minWatchFraction` of the item's `durationSeconds` attribute (a watch of an item without a
 * duration then does not count). `windowHours: null`: no time limit.
 */
export const consumedFilterSchema = z.object({
  eventTypes: z
    .array(z.enum(eventTypes).exclude(["impression"]))
    .max(8)
    .refine((types) => new Set(types).size === types.length, "event types must be distinct")
    .default(["purchase", "rating", "watch"]),
  /** Only ratings at least this high consume (null: any rating). */
  minRating: z.number().nullable().default(null),
  /** Only watches of at least this fraction of the item's duration consume (null: any watch). */
  minWatchFraction: z.number().gt(0).max(1).nullable().default(0.9),
  /** Only events within this many hours consume (null: no time limit). */
  windowHours: z
    .number()
    .positive()
    .max(24 * 365 * 20)
    .nullable()
    .default(null),
});
export type ConsumedFilterConfig = z.output<typeof consumedFilterSchema>;
export const DEFAULT_CONSUMED_FILTER: ConsumedFilterConfig = {
  eventTypes: ["purchase", "rating", "watch"],
  minRating: null,
  minWatchFraction: 0.9,
  windowHours: null,
};

export const filtersConfigSchema = z.object({
  /** Drop items the user saw or consumed within the window. 0 disables. */
  seenWindowHours: z
    .number()
    .min(0)
    .max(24 * 365)
    .default(72),
  blocked: z
    .object({
      itemIds: z.array(z.string().min(1).max(128)).max(10_000).default([]),
      categories: z.array(z.string().min(1).max(128)).max(1000).default([]),
      creators: z.array(z.string().min(1).max(128)).max(10_000).default([]),
    })
    .default({ itemIds: [], categories: [], creators: [] }),
  /** Drop items marked unavailable. */
  requireAvailable: z.boolean().default(true),
  /** Drop items the user consumed (see consumedFilterSchema); `null` disables. */
  consumed: consumedFilterSchema.nullable().default(DEFAULT_CONSUMED_FILTER),
  /** Keep only items for which each expression is true (applied in order, after the cheaper filters). */
  expressions: z
    .array(z.object({ id: componentId, keep: expressionText }))
    .max(20)
    .default([]),
});

const freshnessRule = z.object({
  type: z.literal("freshness"),
  id: componentId,
  /** Added score = weight · 0.5^(age_hours / halfLifeHours). */
  halfLifeHours: z
    .number()
    .positive()
    .max(24 * 365),
  weight: z.number().min(-100).max(100),
});
const boostRule = z.object({
  type: z.literal("boost"),
  id: componentId,
  /** Items for which this expression is true get `delta` added to their score (negative = bury). */
  when: expressionText,
  delta: z.number().min(-1000).max(1000),
});
const diversityRule = z.object({
  type: z.literal("diversity"),
  id: componentId,
  attribute: z.enum(["category", "creator"]),
  /** At most maxPerWindow items sharing the attribute value in any `window` consecutive positions. */
  maxPerWindow: z.number().int().min(1).max(100),
  window: z.number().int().min(1).max(200),
  /** How many leading positions the rule arranges; the rest keep their order. */
  depth: z.number().int().min(1).max(1000).default(100),
});
const mmrRule = z.object({
  type: z.literal("mmr"),
  id: componentId,
  /** 1 = pure relevance, 0 = pure novelty. */
  lambda: z.number().min(0).max(1),
  depth: z.number().int().min(1).max(1000).default(50),
});

export const ruleConfigSchema = z.discriminatedUnion("type", [freshnessRule, boostRule, diversityRule, mmrRule]);

const explorationPool = z.object({
  /** Candidates considered for exploration: those ranked after the greedy part of the page, optionally narrowed by an expression (e.g. fresh or rarely shown items). */
  when: expressionText.optional(),
  size: z.number().int().min(1).max(500).default(50),
});
const slots = z
  .array(z.number().int().min(0).max(199))
  .min(1)
  .max(20)
  .refine((positions) => new Set(positions).size === positions.length, "slot positions must be distinct")
  .transform((positions) => [...positions].sort((a, b) => a - b));

export const explorationConfigSchema = z.discriminatedUnion("policy", [
  z.object({ policy: z.literal("none") }),
  z.object({
    policy: z.literal("epsilonGreedy"),
    /** Each slot independently shows a uniformly drawn pool item with this probability. */
    epsilon: z.number().min(0).max(1),
    slots,
    pool: explorationPool.default({ size: 50 }),
    /** With diversity rules, explored items must fit the caps and propensities are estimated from this many replays of the policy (standard error ≤ 0.5/√replays; 500 when unset); without them they are exact. */
    propensityReplays: z.number().int().min(100).max(20_000).optional(),
  }),
  z.object({
    policy: z.literal("thompson"),
    slots,
    pool: explorationPool.default({ size: 50 }),
    /** Beta(alpha + clicks, beta + impressions − clicks) per pool item. */
    prior: z.object({ alpha: z.number().positive().max(1e6), beta: z.number().positive().max(1e6) }).default({ alpha: 1, beta: 20 }),
    impressionsField: z.string().regex(FIELD_NAME_PATTERN).default("item_impressions_3d"),
    clicksField: z.string().regex(FIELD_NAME_PATTERN).default("item_clicks_3d"),
    /** Monte-Carlo replays of the posterior draw used to estimate each slot's propensity (standard error ≤ 0.5/√replays; cost ∝ replays × pool size). */
    propensityReplays: z.number().int().min(100).max(20_000).default(500),
  }),
]);

export const surfaceConfigSchema = z
  .object({
    schemaVersion: z.literal(1).default(1),
    /** Extra numeric item attributes/features filter expressions may read (beyond the built-in ones). */
    numericFields: z.array(z.string().regex(FIELD_NAME_PATTERN, "must be an identifier")).max(100).default([]),
    sources: z.array(sourceConfigSchema).min(1).max(20),
    /** Upper bound on merged candidates after quotas. */
    maxCandidates: z.number().int().min(1).max(5000).default(500),
    /** Budget for query hydration (user history, features) and for each scorer. */
    hydrationBudgetMs: z.number().int().min(1).max(2000).default(30),
    scoringBudgetMs: z.number().int().min(1).max(2000).default(40),
    /**
     * Budget for the lookups the safety filters need (candidates' catalogue attributes, the user's
     * consumed items). Longer than the quality budgets on purpose: past it, items that cannot be
     * checked are dropped, never served, so a miss costs the page rather than a published rule.
     */
    safetyBudgetMs: z.number().int().min(1).max(5000).default(250),
    filters: filtersConfigSchema.default({
      seenWindowHours: 72,
      blocked: { itemIds: [], categories: [], creators: [] },
      requireAvailable: true,
      consumed: DEFAULT_CONSUMED_FILTER,
      expressions: [],
    }),
    fusion: fusionConfigSchema.default({ k: 0 }),
    /** score = Σ weight · prediction[action]; actions the ranker does not predict count as 0. */
    blend: z.record(z.string().regex(FIELD_NAME_PATTERN), z.number().min(-1000).max(1000)),
    /** Applied in this order. Put score-changing rules (freshness, boost) before reordering ones (diversity, mmr): a later score change re-sorts. */
    rules: z.array(ruleConfigSchema).max(30).default([]),
    exploration: explorationConfigSchema.default({ policy: "none" }),
    page: z
      .object({ defaultCount: z.number().int().min(1).max(200).default(20), maxCount: z.number().int().min(1).max(200).default(100) })
      .default({ defaultCount: 20, maxCount: 100 }),
  })
  .superRefine((config, context) => {
    const catalog = (() => {
      try {
        return surfaceFieldCatalog(config);
      } catch (error) {
        context.addIssue({ code: "custom", path: ["numericFields"], message: (error as Error).message });
        return itemFieldCatalog();
      }
    })();
    const checkExpressionAt = (source: string | undefined, path: (string | number)[]) => {
      if (source === undefined) return;
      const checked = checkFilterExpression(source, catalog);
      if (!checked.ok) for (const problem of checked.problems) context.addIssue({ code: "custom", path, message: problem.message });
    };
    const unique = (ids: string[], path: string) => {
      const seen = new Set<string>();
      ids.forEach((id, index) => {
        if (seen.has(id)) context.addIssue({ code: "custom", path: [path, index, "id"], message: `duplicate id "${id}"` });
        seen.add(id);
      });
    };
    unique(
      config.sources.map((source) => source.id),
      "sources",
    );
    unique(
      config.rules.map((rule) => rule.id),
      "rules",
    );
    config.filters.expressions.forEach((filter, index) => checkExpressionAt(filter.keep, ["filters", "expressions", index, "keep"]));
    config.rules.forEach((rule, index) => {
      if (rule.type === "boost") checkExpressionAt(rule.when, ["rules", index, "when"]);
    });
    if (config.exploration.policy !== "none") {
      checkExpressionAt(config.exploration.pool.when, ["exploration", "pool", "when"]);
      const tooFar = config.exploration.slots.find((slot) => slot >= config.page.maxCount);
      if (tooFar !== undefined)
        context.addIssue({ code: "custom", path: ["exploration", "slots"], message: `slot ${tooFar} is beyond page.maxCount ${config.page.maxCount}` });
      if (config.exploration.policy === "thompson") {
        for (const key of ["impressionsField", "clicksField"] as const) {
          if (catalog[config.exploration[key]] !== "number")
            context.addIssue({ code: "custom", path: ["exploration", key], message: `"${config.exploration[key]}" is not a numeric item field` });
        }
      }
    }
    if (config.page.defaultCount > config.page.maxCount)
      context.addIssue({ code: "custom", path: ["page", "defaultCount"], message: "must not exceed page.maxCount" });
  });

/** The config as stored (defaults filled in). */
export type SurfaceConfig = z.output<typeof surfaceConfigSchema>;
/** What an editor may send (defaults optional). */
export type SurfaceConfigInput = z.input<typeof surfaceConfigSchema>;
export type RuleConfig = z.output<typeof ruleConfigSchema>;
export type ExplorationConfig = z.output<typeof explorationConfigSchema>;
export type SourceConfig = z.output<typeof sourceConfigSchema>;

/** The field whitelist for a config's expressions (built-ins, default numeric fields and the declared ones). */
export function surfaceFieldCatalog(config: Pick<SurfaceConfig, "numericFields">) {
  return itemFieldCatalog([...new Set([...DEFAULT_NUMERIC_ITEM_FIELDS, ...config.numericFields])]);
}

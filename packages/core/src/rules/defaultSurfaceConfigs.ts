// Starting configs: DEFAULT_SURFACE_CONFIGS is what the engine serves when a surface has no published
// rule set (a new surface, an imported data set); DEMO_SURFACE_CONFIGS is what `cascade seed --demo`
// publishes as version 1 of the demo surfaces (DEMO_SURFACES). They differ by one business rule:
// the demo caps categories on home (at most 2 per 5), the built-in default does not — on real data a
// category cap trades accuracy for variety (MovieLens-100K: recall@10 0.276 → 0.273, NDCG@10 0.326 →
// 0.322), which is a product choice to make on the Rules page, not a default.
import type { DEMO_SURFACES } from "../demo.ts";
import { surfaceConfigSchema, type SurfaceConfig, type SurfaceConfigInput } from "./surfaceConfig.ts";

type DemoSurfaceId = (typeof DEMO_SURFACES)[number]["id"];

/** Candidate source ids the engine's sources must use. */
export const SOURCE_IDS = {
  ann: "ann",
  itemToItem: "itemToItem",
  trending: "trending",
  covisitation: "covisitation",
  follows: "follows",
  fresh: "fresh",
} as const;

const DEFAULT_BLEND = { click: 1, like: 2, watch_seconds: 0.01, hide: -5 };

// Fusion weights (the order when no ranker is active, serving/retrievalPriorScorer.ts): the sources
// fitted on the user's own history lead, the non-personalised heads (trending, fresh) only break
// ties. `cascade tune-fusion` on MovieLens-100K (seeds 1–3) put item-to-item at 16× and trending
// at ≤ 0.25; these rounder values served within 0.001 recall@10 of the tuned ones there, where
// equal weights served 0.169 (the heads of trending and fresh interleaved with the model's list).
const homeInput: SurfaceConfigInput = {
  sources: [
    { id: SOURCE_IDS.ann, quota: 300, budgetMs: 25, weight: 1 },
    // The user's consumed and recent items' neighbours in the trained item-to-item model (EASE / item kNN).
    { id: SOURCE_IDS.itemToItem, quota: 200, budgetMs: 15, weight: 8 },
    { id: SOURCE_IDS.trending, quota: 100, budgetMs: 15, weight: 0.25 },
    { id: SOURCE_IDS.covisitation, quota: 100, budgetMs: 15, weight: 1 },
    { id: SOURCE_IDS.follows, quota: 100, budgetMs: 15, weight: 1 },
    { id: SOURCE_IDS.fresh, quota: 50, budgetMs: 15, weight: 0.25 },
  ],
  fusion: { k: 10 },
  maxCandidates: 500,
  filters: { seenWindowHours: 72 },
  blend: DEFAULT_BLEND,
  rules: [
    { type: "freshness", id: "freshness", halfLifeHours: 48, weight: 0.05 },
    { type: "diversity", id: "creatorDiversity", attribute: "creator", maxPerWindow: 1, window: 4 },
  ],
  exploration: { policy: "epsilonGreedy", epsilon: 0.1, slots: [4, 9], pool: { when: "age_hours < 72", size: 50 } },
  page: { defaultCount: 20, maxCount: 100 },
};

const relatedInput: SurfaceConfigInput = {
  sources: [
    { id: SOURCE_IDS.covisitation, quota: 200, budgetMs: 15 },
    { id: SOURCE_IDS.ann, quota: 200, budgetMs: 25 },
    { id: SOURCE_IDS.itemToItem, quota: 100, budgetMs: 15 },
    { id: SOURCE_IDS.trending, quota: 50, budgetMs: 15 },
  ],
  maxCandidates: 400,
  filters: { seenWindowHours: 24 },
  blend: DEFAULT_BLEND,
  rules: [{ type: "mmr", id: "mmr", lambda: 0.7, depth: 30 }],
  // "not x >= 200" rather than "x < 200": an item with no impression counter yet (NaN) must count as uncertain.
  exploration: { policy: "thompson", slots: [5], pool: { when: "not item_impressions_3d >= 200", size: 20 } },
  page: { defaultCount: 10, maxCount: 50 },
};

export const DEFAULT_SURFACE_CONFIGS: Record<DemoSurfaceId, SurfaceConfig> = {
  home: surfaceConfigSchema.parse(homeInput),
  related: surfaceConfigSchema.parse(relatedInput),
};

export const DEMO_SURFACE_CONFIGS: Record<DemoSurfaceId, SurfaceConfig> = {
  home: surfaceConfigSchema.parse({
    ...homeInput,
    rules: [...(homeInput.rules ?? []), { type: "diversity", id: "categoryDiversity", attribute: "category", maxPerWindow: 2, window: 5 }],
  }),
  related: DEFAULT_SURFACE_CONFIGS.related,
};

/** The built-in config for a known surface, else the home config (any new surface starts from it). */
export function defaultSurfaceConfig(surfaceId: string): SurfaceConfig {
  return surfaceId === "related" ? DEFAULT_SURFACE_CONFIGS.related : DEFAULT_SURFACE_CONFIGS.home;
}

/** What the demo publishes as version 1 of a demo surface. */
export function demoSurfaceConfig(surfaceId: string): SurfaceConfig {
  return surfaceId === "related" ? DEMO_SURFACE_CONFIGS.related : DEMO_SURFACE_CONFIGS.home;
}

import { z } from "zod";
import { entityId, isoTimestamp, surfaceId } from "./common.ts";

const requestContext = z.record(z.string().max(64), z.union([z.string().max(256), z.number(), z.boolean()])).default({});

export const recommendationsRequest = z.object({
  userId: entityId,
  surface: surfaceId.default("home"),
  count: z.number().int().min(1).max(200).default(20),
  context: requestContext,
  excludeItemIds: z.array(entityId).max(1000).default([]),
  /** Opaque cursor from a previous response; the next page never repeats items. */
  cursor: z.string().max(4096).nullish(),
  /** Full stage trace in the response (API keys with the `admin` scope only). */
  debug: z.boolean().default(false),
});
export type RecommendationsRequest = z.infer<typeof recommendationsRequest>;

export const itemSource = z.object({ id: z.string(), rank: z.number().int(), score: z.number().optional() });

export const recommendedItem = z.object({
  itemId: z.string(),
  position: z.number().int(),
  score: z.number(),
  /** Every candidate source that found the item, with the item's 0-based rank there and its retrieval score. */
  sources: z.array(itemSource),
  /** Probability with which the serving policy placed this item here (1 for deterministic policies). */
  propensity: z.number(),
});
export type RecommendedItem = z.infer<typeof recommendedItem>;

/** Why a response is degraded: the component (its stable id, as in the trace and metrics) and what went wrong. */
export const degradedCause = z.object({ component: z.string(), reason: z.string() });
export type DegradedCause = z.infer<typeof degradedCause>;

export const recommendationsResponse = z.object({
  requestId: z.string(),
  surface: z.string(),
  items: z.array(recommendedItem),
  cursor: z.string().nullable(),
  /** Id of the ranker version that scored the list (null: no active ranker). */
  modelVersion: z.string().nullable(),
  /** Version of the surface's published rule set (null: the built-in default config). */
  ruleSetVersion: z.number().int().nullable(),
  /** Key of the running A/B experiment this response was served under (null: none). */
  experiment: z.string().nullable(),
  /** Key of the experiment's variant that served it (null: the surface's published config). */
  variant: z.string().nullable(),
  /** True when a dependency failed and the list came from what was left (or the cached popularity list). */
  degraded: z.boolean(),
  /** Every cause of `degraded` (empty when not degraded). Published rules still held: a degraded page may be shorter or less relevant, never unsafe. */
  degradedCauses: z.array(degradedCause),
  /** `debug: true` only: the funnel's stage trace. */
  trace: z.unknown().optional(),
});
export type RecommendationsResponse = z.infer<typeof recommendationsResponse>;

/** POST /v1/rerank: client-supplied candidates through the surface's ranking, rules and exploration. */
export const rerankRequest = z.object({
  userId: entityId,
  surface: surfaceId.default("home"),
  /** The candidates, in the client's order (duplicates are dropped). Only these can come back. */
  itemIds: z.array(entityId).min(1).max(1000),
  /** Items to return (default: all surviving candidates, at most 200). */
  count: z.number().int().min(1).max(1000).optional(),
  context: requestContext,
  debug: z.boolean().default(false),
});
export type RerankRequest = z.infer<typeof rerankRequest>;

export const rerankResponse = recommendationsResponse.omit({ cursor: true }).extend({
  /** Supplied candidates that were dropped, with the reason (seen, blocked, unavailable, unknown item, …). */
  removed: z.array(z.object({ itemId: z.string(), reason: z.string() })),
});
export type RerankResponse = z.infer<typeof rerankResponse>;

/** POST /v1/admin/feed-preview (admin): a user's feed with the full trace, optionally under a draft rule set. */
export const feedPreviewRequest = z.object({
  userId: entityId,
  surface: surfaceId.default("home"),
  count: z.number().int().min(1).max(200).default(20),
  context: requestContext,
  /** A draft SurfaceConfig to dry-run instead of the published one (validated like a publish). */
  ruleSetConfig: z.unknown().optional(),
  /** Business time of this preview only ("the feed as it would have been served at T"); default: the engine's clock. */
  asOf: isoTimestamp.optional(),
  /** Preview under an experiment's variant (its overrides on the published config), whatever the user is assigned. */
  variant: z.strictObject({ experiment: z.string().min(1).max(64), variant: z.string().min(1).max(64) }).optional(),
});
export type FeedPreviewRequest = z.infer<typeof feedPreviewRequest>;

export const feedPreviewResponse = z.object({
  response: recommendationsResponse,
  /** The funnel trace at detail "full" (per-item features and scores). */
  trace: z.unknown(),
  /** The user's most recent events, newest first. */
  history: z.array(z.object({ itemId: z.string(), type: z.string(), occurredAt: z.string(), value: z.number().nullable() })),
  /** Which config ran: "draft", or the published version (null: built-in default). */
  config: z.object({ source: z.enum(["draft", "published", "default", "variant"]), ruleSetVersion: z.number().int().nullable() }),
  /**
   * With `asOf`: how T was honoured. "replay": the funnel replayed at T (features, lists and history
   * as of T); "live": the live stack at business time T (windows and history as of T, but today's
   * online features and lists), with the reason in `note`.
   */
  pointInTime: z.object({ mode: z.enum(["replay", "live"]), note: z.string() }).optional(),
});
export type FeedPreviewResponse = z.infer<typeof feedPreviewResponse>;

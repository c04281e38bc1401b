import { z } from "zod";
import { entityId, surfaceId } from "./common.ts";

export const recommendationsRequest = z.object({
  userId: entityId,
  surface: surfaceId.default("home"),
  count: z.number().int().min(1).max(200).default(20),
  context: z.record(z.string().max(64), z.union([z.string().max(256), z.number(), z.boolean()])).default({}),
  excludeItemIds: z.array(entityId).max(1000).default([]),
  /** Opaque cursor from a previous response; the next page never repeats items. */
  cursor: z.string().max(4096).nullish(),
  debug: z.boolean().default(false),
});
export type RecommendationsRequest = z.infer<typeof recommendationsRequest>;

export const recommendedItem = z.object({
  itemId: z.string(),
  position: z.number().int(),
  score: z.number(),
  sources: z.array(z.object({ id: z.string(), rank: z.number().int(), score: z.number().optional() })),
  /** Probability with which the serving policy placed this item here (1 for deterministic policies). */
  propensity: z.number(),
});
export type RecommendedItem = z.infer<typeof recommendedItem>;

export const recommendationsResponse = z.object({
  requestId: z.string(),
  surface: z.string(),
  items: z.array(recommendedItem),
  cursor: z.string().nullable(),
  modelVersion: z.string().nullable(),
  ruleSetVersion: z.number().int().nullable(),
  variant: z.string().nullable(),
  /** True when a dependency failed and the list came from a fallback. */
  degraded: z.boolean(),
  trace: z.unknown().optional(),
});
export type RecommendationsResponse = z.infer<typeof recommendationsResponse>;

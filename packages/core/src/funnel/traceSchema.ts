// The trace as a zod schema, for whoever receives one over HTTP (the console parses the engine's
// feed-preview answer with it). Annotated with the TypeScript types so the two cannot drift apart.
import { z } from "zod";
import { STAGE_NAMES, type ComponentTrace, type FunnelTrace, type RuleEffect, type ServedItemTrace, type SourceHit } from "./trace.ts";

const numberRecord = z.record(z.string(), z.number());

export const sourceHitSchema: z.ZodType<SourceHit> = z.object({ id: z.string(), rank: z.number(), score: z.number().optional() });

export const ruleEffectSchema: z.ZodType<RuleEffect> = z.object({
  itemId: z.string(),
  kind: z.enum(["boosted", "buried", "moved", "explored", "removed"]),
  from: z.number().optional(),
  to: z.number().optional(),
  delta: z.number().optional(),
  propensity: z.number().optional(),
  reason: z.string().optional(),
});

export const componentTraceSchema: z.ZodType<ComponentTrace> = z.object({
  id: z.string(),
  status: z.enum(["ok", "timeout", "error"]),
  ms: z.number(),
  in: z.number(),
  out: z.number(),
  error: z.string().optional(),
  removed: z.array(z.object({ itemId: z.string(), reason: z.string() })).optional(),
  writes: z.array(z.string()).optional(),
  effects: z.array(ruleEffectSchema).optional(),
  effectsOmitted: z.number().optional(),
});

export const servedItemTraceSchema: z.ZodType<ServedItemTrace> = z.object({
  itemId: z.string(),
  position: z.number(),
  score: z.number(),
  scores: numberRecord,
  sources: z.array(sourceHitSchema),
  propensity: z.number(),
  slot: z.enum(["ranked", "explore"]),
  features: numberRecord.optional(),
});

export const funnelTraceSchema: z.ZodType<FunnelTrace> = z.object({
  requestId: z.string(),
  surface: z.string(),
  nowMs: z.number(),
  totalMs: z.number(),
  detail: z.enum(["summary", "full"]),
  degraded: z.boolean(),
  stages: z.array(z.object({ stage: z.enum(STAGE_NAMES), ms: z.number(), in: z.number(), out: z.number(), components: z.array(componentTraceSchema) })),
  served: z.array(servedItemTraceSchema),
  ranked: z.array(z.string()).optional(),
  candidates: z.record(z.string(), z.object({ sources: z.array(sourceHitSchema), scores: numberRecord, features: numberRecord })).optional(),
});

import { z } from "zod";
import { isoTimestamp } from "./common.ts";
import { servingModels } from "./models.ts";

export const componentHealth = z.object({
  status: z.enum(["ok", "degraded", "down"]),
  detail: z.string().optional(),
  latencyMs: z.number().optional(),
});

/**
 * The online features' readiness. `source`: how this engine's features were built at start —
 * "snapshot" (embedded store loaded from its snapshot, then the events after it replayed), "rebuild"
 * (replayed from the whole event log), "redis" (kept by Redis across restarts), "live" (no warm-up:
 * only what the event stream delivered since the start).
 */
export const onlineFeaturesHealth = z.object({
  status: z.enum(["ready", "warming", "failed"]),
  source: z.enum(["snapshot", "rebuild", "redis", "live"]),
  /** Events replayed from the event log at start so far. */
  eventsReplayed: z.number().int().nonnegative(),
  /** Share of the start-up replay done, 0…1. */
  progress: z.number().min(0).max(1),
  /** When the snapshot the features were loaded from (or last written to) was taken. */
  snapshotAt: z.string().datetime().nullable(),
  detail: z.string().optional(),
});
export type OnlineFeaturesHealth = z.infer<typeof onlineFeaturesHealth>;

/** The first start's background training (`cascade train --promote` child of `cascade start`). */
export const trainingHealth = z.object({
  state: z.enum(["idle", "running", "done", "failed"]),
  /** The step running now (or the last one), e.g. "ranker epoch 2/4". */
  step: z.string().nullable(),
  /** Share of the pipeline's steps done, 0…1 (steps differ in length: a rough guide). */
  progress: z.number().min(0).max(1).nullable(),
  /** Seconds left in the current step, when it reports them. */
  stepEtaSeconds: z.number().nonnegative().nullable(),
  startedAt: z.string().datetime().nullable(),
  finishedAt: z.string().datetime().nullable(),
  detail: z.string().optional(),
});
export type TrainingHealth = z.infer<typeof trainingHealth>;

/** What one surface's published (or default) config asks for, and what can serve it right now. */
export const surfaceServingHealth = z.object({
  surfaceId: z.string(),
  /** "published v3", or "default" when nothing is published. */
  config: z.string(),
  sources: z.array(
    z.object({
      id: z.string(),
      enabled: z.boolean(),
      /** Enabled and able to return candidates now. */
      serving: z.boolean(),
      detail: z.string().optional(),
    }),
  ),
  /** "<ranker> v<n>", or "ordered by retrieval rank" without an active ranker. */
  ranking: z.string(),
});

export const servingHealth = z.object({
  surfaces: z.array(surfaceServingHealth),
});
export type ServingHealth = z.infer<typeof servingHealth>;

/**
 * The engine's business time (CASCADE_CLOCK): "wall" in production; "data" serves a historical log
 * from its newest event on, at wall speed; "fixed" stands still "as of" one instant.
 */
export const clockHealth = z.object({
  mode: z.enum(["wall", "data", "fixed"]),
  /** Business time when the health was read. */
  now: isoTimestamp,
});
export type ClockHealth = z.infer<typeof clockHealth>;

export const healthResponse = z.object({
  status: z.enum(["ok", "degraded", "down"]),
  version: z.string(),
  uptimeSeconds: z.number(),
  database: componentHealth.extend({ mode: z.enum(["embedded", "external"]) }),
  store: componentHealth.extend({ mode: z.enum(["memory", "redis"]) }),
  model: componentHealth.extend({ active: z.string().nullable() }),
  /** the model versions this engine serves (see api/models.ts) */
  models: servingModels,
  onlineFeatures: onlineFeaturesHealth,
  training: trainingHealth,
  serving: servingHealth,
  clock: clockHealth,
});
export type HealthResponse = z.infer<typeof healthResponse>;

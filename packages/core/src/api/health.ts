import { z } from "zod";
import { servingModels } from "./models.ts";

export const componentHealth = z.object({
  status: z.enum(["ok", "degraded", "down"]),
  detail: z.string().optional(),
  latencyMs: z.number().optional(),
});

export const healthResponse = z.object({
  status: z.enum(["ok", "degraded", "down"]),
  version: z.string(),
  uptimeSeconds: z.number(),
  database: componentHealth.extend({ mode: z.enum(["embedded", "external"]) }),
  store: componentHealth.extend({ mode: z.enum(["memory", "redis"]) }),
  model: componentHealth.extend({ active: z.string().nullable() }),
  /** the model versions this engine serves (see api/models.ts) */
  models: servingModels,
});
export type HealthResponse = z.infer<typeof healthResponse>;

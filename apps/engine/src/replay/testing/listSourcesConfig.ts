// A surface config for replay tests: trending, co-visitation and fresh (which lists a small
// catalogue whole), no rules and no exploration, so the served page is the prefix of the fused order.
import { surfaceConfigSchema, type SurfaceConfig, type SurfaceConfigInput } from "@cascade/core";

export function listSourcesConfig(overrides: Partial<SurfaceConfigInput> = {}): SurfaceConfig {
  return surfaceConfigSchema.parse({
    sources: [
      { id: "trending", quota: 100, budgetMs: 15 },
      { id: "covisitation", quota: 100, budgetMs: 15 },
      { id: "fresh", quota: 100, budgetMs: 15 },
    ],
    filters: { seenWindowHours: 72 },
    blend: { click: 1 },
    rules: [],
    exploration: { policy: "none" },
    ...overrides,
  } satisfies SurfaceConfigInput);
}

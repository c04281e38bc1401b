// The `serving` section of GET /v1/health: per surface, the sources its published config (or the
// built-in default) enables and whether each can return candidates right now, and how the
// candidates are ranked. Published configs are read with the rule-set repository's query and kept
// for CONFIG_CACHE_MS, so a load balancer polling health does not query rule sets every time.
import {
  DEFAULT_SURFACE_CONFIGS,
  defaultSurfaceConfig,
  SOURCE_IDS,
  surfaceConfigSchema,
  type OnlineFeaturesHealth,
  type ServingHealth,
  type SurfaceConfig,
} from "@cascade/core";
import type { Database } from "@cascade/db";
import type { ActiveModelsStatus } from "../../models/activeModels.ts";

const CONFIG_CACHE_MS = 10_000;

type SurfaceConfigView = { surfaceId: string; label: string; config: SurfaceConfig };

export function createServingHealth(db: Database): (models: ActiveModelsStatus | null, features: OnlineFeaturesHealth) => Promise<ServingHealth> {
  let cached: { at: number; surfaces: Promise<SurfaceConfigView[]> } | null = null;
  const surfaces = () => {
    if (!cached || performance.now() - cached.at > CONFIG_CACHE_MS) {
      const loading = readSurfaceConfigs(db);
      cached = { at: performance.now(), surfaces: loading };
      loading.catch(() => (cached = null));
    }
    return cached.surfaces;
  };
  return async (models, features) => ({
    surfaces: (await surfaces()).map((surface) => describeSurface(surface, models, features)),
  });
}

async function readSurfaceConfigs(db: Database): Promise<SurfaceConfigView[]> {
  const rows = await db.$queryRaw<{ surfaceId: string; version: number; config: unknown }[]>`
    SELECT DISTINCT ON (surface_id) surface_id AS "surfaceId", version, config
    FROM rule_sets WHERE status = 'published'
    ORDER BY surface_id, version DESC`;
  const views = new Map<string, SurfaceConfigView>();
  for (const surfaceId of Object.keys(DEFAULT_SURFACE_CONFIGS)) views.set(surfaceId, { surfaceId, label: "default", config: defaultSurfaceConfig(surfaceId) });
  for (const row of rows) {
    const parsed = surfaceConfigSchema.safeParse(row.config);
    views.set(
      row.surfaceId,
      parsed.success
        ? { surfaceId: row.surfaceId, label: `published v${row.version}`, config: parsed.data }
        : { surfaceId: row.surfaceId, label: `default (published v${row.version} is invalid)`, config: defaultSurfaceConfig(row.surfaceId) },
    );
  }
  return [...views.values()].sort((a, b) => a.surfaceId.localeCompare(b.surfaceId));
}

function describeSurface(surface: SurfaceConfigView, models: ActiveModelsStatus | null, features: OnlineFeaturesHealth): ServingHealth["surfaces"][number] {
  const sources = surface.config.sources.map(({ id, enabled }) => {
    if (!enabled) return { id, enabled, serving: false, detail: "disabled in the config" };
    const blocker = sourceBlocker(id, models, features);
    if (blocker?.blocks) return { id, enabled, serving: false, detail: blocker.detail };
    return { id, enabled, serving: true, ...(blocker ? { detail: blocker.detail } : {}) };
  });
  const ranker = models?.ranker;
  return {
    surfaceId: surface.surfaceId,
    config: surface.label,
    sources,
    ranking: ranker ? `${ranker.name} v${ranker.version}` : "ordered by retrieval rank (no active ranker)",
  };
}

/** Why a source cannot serve (blocks) or serves less than usual (does not block); null when fine. */
function sourceBlocker(id: string, models: ActiveModelsStatus | null, features: OnlineFeaturesHealth): { blocks: boolean; detail: string } | null {
  switch (id) {
    case SOURCE_IDS.ann:
      return models?.retrieval ? null : { blocks: true, detail: "needs an active two-tower model" };
    case SOURCE_IDS.itemToItem:
      return models?.itemToItem ? null : { blocks: true, detail: "needs an active item-to-item model" };
    case SOURCE_IDS.covisitation:
      // It starts from the user's recent items, an online feature.
      return features.status === "ready" ? null : { blocks: false, detail: `online features ${features.status}: recent items incomplete` };
    case SOURCE_IDS.trending:
    case SOURCE_IDS.follows:
    case SOURCE_IDS.fresh:
      return null;
    default:
      return { blocks: true, detail: "not a source this engine knows" };
  }
}

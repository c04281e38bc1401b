// The feature registry as the engine mirrors it into feature_definitions (synced from the code at
// engine boot), with the freshness and coverage that the engine's featureStatus() last measured
// and persisted there. The table is as small as the registry in code, so it is read whole and
// filtered here (the counts per entity stay exact whatever the filter).
import { type Database, FeatureEntity, FeatureValueType } from "@cascade/db";
import { z } from "zod";
import { FEATURE_ENTITIES, type FeatureListQuery } from "../../lib/feature-list-query.ts";

/** A feature whose last online update is older than this is shown as stale. */
export const FEATURE_STALE_AFTER_MS = 60 * 60_000;

export const FEATURE_FRESHNESS = ["fresh", "stale", "never", "per_request"] as const;
export type FeatureFreshness = (typeof FEATURE_FRESHNESS)[number];

export const featureRowSchema = z.object({
  name: z.string(),
  entity: z.enum(FeatureEntity),
  valueType: z.enum(FeatureValueType),
  /** "5m", "half-life 6h"; null for timeless features. */
  window: z.string().nullable(),
  defaultValue: z.number(),
  description: z.string(),
  /** Digest of the definition in code: changes when the definition changes. */
  digest: z.string(),
  /** When the online store last applied an event to this feature, as last measured. */
  lastOnlineUpdateAt: z.date().nullable(),
  /** ms from lastOnlineUpdateAt to `asOf` (null when never updated). */
  freshnessMs: z.number().int().nullable(),
  /**
   * fresh / stale (older than FEATURE_STALE_AFTER_MS) / never updated online / per_request:
   * context features are computed from the request itself and have no online state.
   */
  freshness: z.enum(FEATURE_FRESHNESS),
  /** Share (0–1) of sampled entities for which the feature has a value; null when never measured. */
  coverage: z.number().nullable(),
});
export type FeatureRow = z.infer<typeof featureRowSchema>;

export const featureListSchema = z.object({
  /** The server's clock when freshness was computed. */
  asOf: z.date(),
  staleAfterMs: z.number().int(),
  rows: z.array(featureRowSchema),
  /** Features in the registry, before filtering. */
  total: z.number().int(),
  byEntity: z.record(z.enum(FeatureEntity), z.number().int()),
  /** Stale or never-updated features (context features excluded), before filtering. */
  needsAttention: z.number().int(),
});
export type FeatureList = z.infer<typeof featureListSchema>;

export function featureFreshness(
  entity: FeatureEntity,
  lastOnlineUpdateAt: Date | null,
  now: Date,
): { freshness: FeatureFreshness; freshnessMs: number | null } {
  if (entity === "context") return { freshness: "per_request", freshnessMs: null };
  if (!lastOnlineUpdateAt) return { freshness: "never", freshnessMs: null };
  const freshnessMs = Math.max(0, now.getTime() - lastOnlineUpdateAt.getTime());
  return { freshness: freshnessMs > FEATURE_STALE_AFTER_MS ? "stale" : "fresh", freshnessMs };
}

export async function listFeatures(db: Database, query: FeatureListQuery, now = new Date()): Promise<FeatureList> {
  const definitions = await db.featureDefinition.findMany({
    select: {
      name: true,
      entity: true,
      valueType: true,
      window: true,
      defaultValue: true,
      description: true,
      definitionDigest: true,
      lastOnlineUpdateAt: true,
      coverage: true,
    },
  });
  const entityOrder = (entity: FeatureEntity) => FEATURE_ENTITIES.indexOf(entity);
  const all: FeatureRow[] = definitions
    .map((definition) => ({
      name: definition.name,
      entity: definition.entity,
      valueType: definition.valueType,
      window: definition.window,
      defaultValue: definition.defaultValue,
      description: definition.description,
      digest: definition.definitionDigest,
      lastOnlineUpdateAt: definition.lastOnlineUpdateAt,
      coverage: definition.coverage,
      ...featureFreshness(definition.entity, definition.lastOnlineUpdateAt, now),
    }))
    .sort((a, b) => entityOrder(a.entity) - entityOrder(b.entity) || a.name.localeCompare(b.name));

  const byEntity = Object.fromEntries(FEATURE_ENTITIES.map((entity) => [entity, 0])) as Record<FeatureEntity, number>;
  for (const row of all) byEntity[row.entity] += 1;
  const search = query.q.toLowerCase();
  const rows = all.filter((row) => (query.entity === "all" || row.entity === query.entity) && row.name.toLowerCase().includes(search));
  return {
    asOf: now,
    staleAfterMs: FEATURE_STALE_AFTER_MS,
    rows,
    total: all.length,
    byEntity,
    needsAttention: all.filter((row) => row.freshness === "stale" || row.freshness === "never").length,
  };
}

// Mirrors the registry into the feature_definitions table at boot, so the console lists exactly the
// features the code computes. Rows of features no longer in the code are removed; a changed
// definition gets a new digest. Observed freshness/coverage columns are left alone (featureStatus
// writes them).
import type { Database } from "@cascade/db";
import { definitionDigest } from "./definitionDigest.ts";
import { featureRegistry, type FeatureRegistry } from "./registry.ts";

export type FeatureSyncResult = { created: string[]; changed: string[]; unchanged: number; removed: string[] };

export async function syncFeatureDefinitions(db: Database, registry: FeatureRegistry = featureRegistry): Promise<FeatureSyncResult> {
  return db.$transaction(async (tx) => {
    const existing = new Map(
      (await tx.featureDefinition.findMany({ select: { name: true, definitionDigest: true } })).map((row) => [row.name, row.definitionDigest]),
    );
    const result: FeatureSyncResult = { created: [], changed: [], unchanged: 0, removed: [] };
    for (const feature of registry.features) {
      const digest = definitionDigest(feature);
      const previous = existing.get(feature.name);
      if (previous === digest) {
        result.unchanged += 1;
        continue;
      }
      const data = {
        entity: feature.entity,
        valueType: feature.type,
        window: feature.window,
        defaultValue: feature.default,
        description: feature.description,
        definitionDigest: digest,
      };
      await tx.featureDefinition.upsert({ where: { name: feature.name }, create: { name: feature.name, ...data }, update: data });
      (previous === undefined ? result.created : result.changed).push(feature.name);
    }
    const removed = [...existing.keys()].filter((name) => !registry.get(name));
    if (removed.length > 0) await tx.featureDefinition.deleteMany({ where: { name: { in: removed } } });
    result.removed = removed;
    return result;
  });
}

// Freshness and coverage per feature, for the console's Features page.
//
// - Freshness: the writer stamps `feature name → ms` in one store hash each time it applies events
//   that touch the feature; the age of that stamp is the time since the last online update.
// - Coverage: the share of entities for which the feature has data (not its default), estimated on
//   a random sample: `sampleUsers` users × `sampleItems` items, read with the serving reader (one
//   store round trip per sampled user). User features are measured per user, item features per
//   item, user × item features per pair; context features always have a value.
// The results are also written to feature_definitions (last_online_update_at, coverage).
import type { Database } from "@cascade/db";
import type { OnlineStore } from "../stores/onlineStore.ts";
import { definitionDigest } from "./definitionDigest.ts";
import type { FeatureEntity } from "./featureDefinition.ts";
import { FEATURE_FRESHNESS_KEY } from "./featureKeys.ts";
import type { ItemCategoryLookup } from "./itemCategories.ts";
import { readOnlineFeatures } from "./onlineFeatureReader.ts";
import { featureRegistry, type FeatureRegistry } from "./registry.ts";

export type FeatureStatus = {
  name: string;
  entity: FeatureEntity;
  type: "number";
  window: string | null;
  default: number;
  description: string;
  digest: string;
  lastOnlineUpdateAt: Date | null;
  /** ms since the last online update (null: never updated online, or a context feature). */
  freshnessMs: number | null;
  /** 0–1; null when there was nothing to sample (no users or items yet). */
  coverage: number | null;
  /** Observations the coverage is based on. */
  coverageSample: number;
};

export type FeatureStatusOptions = {
  sampleUsers?: number;
  sampleItems?: number;
  now?: Date;
  registry?: FeatureRegistry;
  itemCategories?: ItemCategoryLookup;
  /** Write freshness and coverage into feature_definitions (default true). */
  persist?: boolean;
};

/** An item id no catalogue holds: lets user features be sampled when there are no items yet. */
const PROBE_ITEM = "__coverage_probe__";

export async function featureStatus(db: Database, store: OnlineStore, options: FeatureStatusOptions = {}): Promise<FeatureStatus[]> {
  const registry = options.registry ?? featureRegistry;
  const now = options.now ?? new Date();
  const [stamps] = await store.readHashes([FEATURE_FRESHNESS_KEY]);
  const users = await sampleIds(db, "users", options.sampleUsers ?? 50);
  const items = await sampleIds(db, "items", options.sampleItems ?? 20);

  const covered = new Map(registry.names.map((name) => [name, { hits: 0, total: 0 }]));
  const observe = (name: string, hasValue: boolean) => {
    const tally = covered.get(name)!;
    tally.total += 1;
    if (hasValue) tally.hits += 1;
  };
  for (const [userIndex, userId] of users.entries()) {
    const vectors = await readOnlineFeatures(
      store,
      { userId, itemIds: items.length > 0 ? items : [PROBE_ITEM], at: now },
      { registry, ...(options.itemCategories ? { itemCategories: options.itemCategories } : {}) },
    );
    for (const [itemIndex, vector] of vectors.entries()) {
      const defaulted = new Set(vector.defaulted);
      for (const feature of registry.features) {
        const counts =
          feature.entity === "user_item"
            ? items.length > 0
            : feature.entity === "user"
              ? itemIndex === 0
              : feature.entity === "item"
                ? userIndex === 0 && items.length > 0
                : false;
        if (counts) observe(feature.name, !defaulted.has(feature.name));
      }
    }
  }

  const statuses = registry.features.map((feature): FeatureStatus => {
    const stamp = stamps?.[feature.name];
    const tally = covered.get(feature.name)!;
    const context = feature.entity === "context";
    return {
      name: feature.name,
      entity: feature.entity,
      type: feature.type,
      window: feature.window,
      default: feature.default,
      description: feature.description,
      digest: definitionDigest(feature),
      lastOnlineUpdateAt: stamp === undefined ? null : new Date(stamp),
      freshnessMs: stamp === undefined ? null : Math.max(0, now.getTime() - stamp),
      coverage: context ? 1 : tally.total > 0 ? tally.hits / tally.total : null,
      coverageSample: tally.total,
    };
  });

  if (options.persist ?? true) {
    await db.$transaction(
      statuses.map((status) =>
        db.featureDefinition.updateMany({ where: { name: status.name }, data: { lastOnlineUpdateAt: status.lastOnlineUpdateAt, coverage: status.coverage } }),
      ),
    );
  }
  return statuses;
}

/**
 * Up to `count` random ids. Small tables: ORDER BY random(). Large ones (planner estimate above
 * 100k rows): a Bernoulli table sample sized for about 4× the count, which never sorts the table
 * and stops at the LIMIT.
 */
async function sampleIds(db: Database, table: "users" | "items", count: number): Promise<string[]> {
  if (count <= 0) return [];
  const [estimate] = await db.$queryRaw<{ rows: number }[]>`SELECT reltuples::float8 AS rows FROM pg_class WHERE oid = ${table}::regclass`;
  const rows = estimate?.rows ?? 0;
  if (rows > 100_000) {
    const percent = Math.min(100, (100 * 4 * count) / rows);
    const sampled =
      table === "users"
        ? await db.$queryRaw<{ id: string }[]>`SELECT id FROM users TABLESAMPLE BERNOULLI (${percent}) LIMIT ${count}`
        : await db.$queryRaw<{ id: string }[]>`SELECT id FROM items TABLESAMPLE BERNOULLI (${percent}) LIMIT ${count}`;
    if (sampled.length > 0) return sampled.map((row) => row.id);
  }
  const sampled =
    table === "users"
      ? await db.$queryRaw<{ id: string }[]>`SELECT id FROM users ORDER BY random() LIMIT ${count}`
      : await db.$queryRaw<{ id: string }[]>`SELECT id FROM items ORDER BY random() LIMIT ${count}`;
  return sampled.map((row) => row.id);
}

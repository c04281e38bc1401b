// Lookup structures the simulated logging policy draws candidates from: items by popularity
// (overall and per category), items per creator, items in publication order. Derived from the
// world (not part of the ground truth), built once per simulation.
// Memory: about 40 bytes per item (two alias tables at 12 B, creator and publication orders).
import { buildAliasTable, type AliasTable } from "./aliasTable.ts";
import type { DemoWorld } from "./world.ts";

export type CatalogIndex = {
  popularity: AliasTable;
  /** Per category, items by popularity; null for a category without items. */
  categoryPopularity: (AliasTable | null)[];
  /** Items of creator c: creatorItems[creatorItemOffsets[c] .. creatorItemOffsets[c+1]). */
  creatorItemOffsets: Int32Array;
  creatorItems: Int32Array;
  /** Items sorted by publication time, and those times (for "recently published" draws). */
  publishOrder: Int32Array;
  publishTimes: Float64Array;
};

export function buildCatalogIndex(world: DemoWorld): CatalogIndex {
  const { items } = world;
  const popularity = buildAliasTable(items.popularity);

  const byCategory = groupBy(items.count, world.categories.count, (i) => items.category[i]!);
  const categoryPopularity = Array.from({ length: world.categories.count }, (_, k) => {
    const members = byCategory.members.subarray(byCategory.offsets[k]!, byCategory.offsets[k + 1]!);
    return members.length > 0 ? buildAliasTable(items.popularity, members) : null;
  });

  const byCreator = groupBy(items.count, world.creators.count, (i) => items.creator[i]!);

  const publishOrder = new Int32Array(items.count);
  for (let i = 0; i < items.count; i += 1) publishOrder[i] = i;
  publishOrder.sort((a, b) => items.publishedAtMs[a]! - items.publishedAtMs[b]! || a - b);
  const publishTimes = new Float64Array(items.count);
  for (let rank = 0; rank < items.count; rank += 1) publishTimes[rank] = items.publishedAtMs[publishOrder[rank]!]!;

  return {
    popularity,
    categoryPopularity,
    creatorItemOffsets: byCreator.offsets,
    creatorItems: byCreator.members,
    publishOrder,
    publishTimes,
  };
}

/** Counting sort of item indices into groups (compressed sparse rows). */
function groupBy(count: number, groups: number, groupOf: (index: number) => number): { offsets: Int32Array; members: Int32Array } {
  const offsets = new Int32Array(groups + 1);
  for (let index = 0; index < count; index += 1) offsets[groupOf(index) + 1]! += 1;
  for (let group = 0; group < groups; group += 1) offsets[group + 1]! += offsets[group]!;
  const cursor = offsets.slice(0, groups);
  const members = new Int32Array(count);
  for (let index = 0; index < count; index += 1) members[cursor[groupOf(index)]!++] = index;
  return { offsets, members };
}

/** First position in a sorted array whose value is >= target. */
export function lowerBound(sorted: Float64Array, target: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! < target) low = middle + 1;
    else high = middle;
  }
  return low;
}

// The retrieval training data (training/retrieval/retrievalData.ts) built from the demo world and its
// event stream, with no database: for benchmarks and tests. Demo code depends on production code,
// never the reverse.
import { Dictionary, followsCsr, PairColumns, type RetrievalData } from "../training/retrieval/retrievalData.ts";
import { POSITIVE_EVENT_TYPES } from "../training/retrieval/interactions.ts";
import { itemFormatTag } from "./demoNames.ts";
import type { DemoWorld } from "./world.ts";

/**
 * The same data built from the demo world and its event stream (no database): item i ↔ "demo
 * item i", user u ↔ "demo user u". Events after `toMs` are ignored; follows made before it count.
 */
export function demoRetrievalData(
  world: DemoWorld,
  events: Iterable<{ type: string; user: number; item: number; timeMs: number }>,
  options: { toMs?: number; positiveTypes?: readonly string[] } = {},
): RetrievalData {
  const toMs = options.toMs ?? world.windowEndMs + 1;
  const wanted = new Set(options.positiveTypes ?? POSITIVE_EVENT_TYPES);
  const pairs = new PairColumns();
  for (const event of events) {
    if (event.timeMs >= toMs) break;
    if (wanted.has(event.type)) pairs.add(event.user, event.item, event.timeMs);
  }
  const itemCount = world.items.count;
  const userCount = world.users.count;
  // Tags as the demo loader writes them (demoRows.ts): the category name and a format tag.
  const tags = new Dictionary();
  const tagOffsets = new Int32Array(itemCount + 1);
  const tagIds = new Int32Array(2 * itemCount);
  for (let i = 0; i < itemCount; i += 1) {
    tagIds[2 * i] = tags.add(world.categories.names[world.items.category[i]!]!);
    tagIds[2 * i + 1] = tags.add(itemFormatTag(i));
    tagOffsets[i + 1] = 2 * (i + 1);
  }
  const followPairs: { user: number; creator: number }[] = [];
  const { followOffsets, followCreators, followedAtMs } = world.users;
  for (let u = 0; u < userCount; u += 1) {
    for (let f = followOffsets[u]!; f < followOffsets[u + 1]!; f += 1) {
      if (followedAtMs[f]! < toMs) followPairs.push({ user: u, creator: followCreators[f]! + 1 });
    }
  }
  return {
    window: { fromMs: world.windowStartMs, toMs },
    itemIds: Array.from({ length: itemCount }, (_, i) => `demo item ${i}`),
    userIds: Array.from({ length: userCount }, (_, u) => `demo user ${u}`),
    categoryNames: world.categories.names,
    creatorIds: ["", ...Array.from({ length: world.creators.count }, (_, c) => `demo creator ${c}`)],
    tagNames: tags.ids,
    items: {
      category: Int32Array.from(world.items.category),
      creator: Int32Array.from(world.items.creator, (c) => c + 1),
      tagOffsets,
      tagIds,
      publishedAtMs: Float64Array.from(world.items.publishedAtMs),
    },
    follows: followsCsr(userCount, followPairs),
    interactions: pairs.build(),
    skippedEvents: 0,
  };
}

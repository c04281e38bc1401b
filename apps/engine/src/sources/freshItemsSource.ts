// Fresh items (cold start): the newest available items of the catalogue, whoever the user is.
// The list is read from Postgres (items by published_at, indexed) in the background and served
// from memory; score = 1 / (1 + age in hours) at request time. Both "as of" business time
// (platform/clock.ts): the list holds what was published by the clock's now, and a request whose now is
// earlier (a feed preview as of T) skips what was not published yet.
import type { Database } from "@cascade/db";
import type { Logger } from "pino";
import { wallClock, type Clock } from "../platform/clock.ts";
import type { CandidateSource, SourceCandidate } from "../funnel/index.ts";
import { PeriodicSnapshot } from "../caching/periodicSnapshot.ts";
import { ComponentUnavailableError } from "./componentUnavailableError.ts";
import type { ItemSlots } from "../caching/itemSlots.ts";

export const FRESH_SOURCE_ID = "fresh";
const HOUR_MS = 3_600_000;

export type FreshItem = { itemId: string; publishedAtMs: number };

export function createFreshItemsList(
  db: Database,
  logger: Pick<Logger, "warn">,
  options: { size?: number; refreshIntervalMs?: number; clock?: Clock } = {},
): PeriodicSnapshot<FreshItem[]> {
  const size = options.size ?? 1_000;
  const clock = options.clock ?? wallClock;
  return new PeriodicSnapshot<FreshItem[]>({
    name: "fresh items",
    logger,
    refreshIntervalMs: options.refreshIntervalMs ?? 30_000,
    load: async () => {
      const asOf = new Date(clock.nowMs());
      const rows = await db.$queryRaw<{ id: string; publishedAt: Date }[]>`
        SELECT id, published_at AS "publishedAt" FROM items
        WHERE available AND published_at <= ${asOf}::timestamptz
        ORDER BY published_at DESC, id LIMIT ${size}::int`;
      return rows.map((row) => ({ itemId: row.id, publishedAtMs: row.publishedAt.getTime() }));
    },
  });
}

/** `slots`: the serving stack's registry; each candidate is stamped with its slot, memoised per loaded list (itemSlots.ts). */
export function freshItemsSource(list: PeriodicSnapshot<FreshItem[]>, slots?: ItemSlots): CandidateSource {
  return {
    id: FRESH_SOURCE_ID,
    budgetMs: 15,
    async fetch(query, limit): Promise<SourceCandidate[]> {
      const items = list.current;
      if (!items) throw new ComponentUnavailableError("the fresh-items list is not loaded yet");
      // One pass that stops at `limit` (the list holds ~1000 items; a request takes ~50).
      const out: SourceCandidate[] = [];
      const memo = slots?.memoFor(items, items.length);
      for (let index = 0; index < items.length && out.length < limit; index += 1) {
        const item = items[index]!;
        if (item.publishedAtMs > query.nowMs) continue;
        const score = 1 / (1 + (query.nowMs - item.publishedAtMs) / HOUR_MS);
        if (memo) {
          const itemSlot = memo.slotAt(index, item.itemId);
          out.push({ itemId: item.itemId, score, itemSlot, itemSlotEpoch: memo.epoch });
        } else out.push({ itemId: item.itemId, score });
      }
      return out;
    },
  };
}

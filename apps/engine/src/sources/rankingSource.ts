// A source reading the top of a cached ranking snapshot (PopularityRanking), shared by the
// trending and popularity sources: no store or database call on the request path.
import type { CandidateSource, SourceCandidate } from "../funnel/index.ts";
import type { PopularityRanking } from "./popularityRanking.ts";
import { ComponentUnavailableError } from "./componentUnavailableError.ts";
import type { ItemSlots } from "../caching/itemSlots.ts";

/** `slots`: the serving stack's registry; each candidate is stamped with its slot, memoised per snapshot (itemSlots.ts). */
export function rankingSource(id: string, ranking: PopularityRanking, budgetMs: number, slots?: ItemSlots): CandidateSource {
  return {
    id,
    budgetMs,
    async fetch(_query, limit): Promise<SourceCandidate[]> {
      const snapshot = await ranking.currentSnapshot().catch((error: unknown) => {
        throw new ComponentUnavailableError(`no ${id} ranking loaded yet (${error instanceof Error ? error.message : String(error)})`);
      });
      const top = snapshot.items.slice(0, limit);
      if (!slots) return top.map((item) => ({ itemId: item.itemId, score: item.score }));
      const memo = slots.memoFor(snapshot.items, snapshot.items.length);
      return top.map((item, index) => {
        const itemSlot = memo.slotAt(index, item.itemId);
        return { itemId: item.itemId, score: item.score, itemSlot, itemSlotEpoch: memo.epoch };
      });
    },
  };
}

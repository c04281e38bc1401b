// Later pages of a feed keep the diversity caps across page boundaries. The session list was
// arranged under the caps after the first page (recommendationService.firstPage), but a later
// page skips the items its request excludes, which closes gaps: two items of one creator could
// end up closer than the caps allow. So a later page takes, in session order, only items that
// keep every cap after what the previous page actually served (its last window − 1 items, kept
// per cursor offset); an item that fits nowhere on this page is passed over, never placed against
// the caps. Categories and creators come from the item attribute cache (the first page read them
// under a minute ago); if they cannot be read, no item can be checked and none is served.
import type { Candidate, ItemAttributes } from "../funnel/index.ts";
import { fitsAt, type DiversityCap } from "../rules/diversityWindows.ts";
import type { SessionCaps, SessionList } from "./pageSessions.ts";

export type { SessionCaps };

export function tailLength(caps: readonly DiversityCap[]): number {
  return Math.max(0, ...caps.map((cap) => cap.window - 1));
}

export function sessionCaps(caps: readonly DiversityCap[], offset: number, servedIds: readonly string[]): SessionCaps {
  return { caps, tails: new Map([[offset, servedIds.slice(-tailLength(caps))]]) };
}

export type CappedPage = { indexes: number[]; nextOffset: number; passedOver: number };

/**
 * Session indexes for a page of `count` from `offset` (excluded ids skipped), each keeping every
 * cap at its absolute position `served + i` after the previous page's tail. Records the tail for
 * the next offset. Throws when the attributes cannot be read.
 */
export async function pickUnderCaps(input: {
  items: SessionList;
  offset: number;
  served: number;
  count: number;
  excluded: ReadonlySet<string>;
  caps: SessionCaps;
  attributesOf(itemIds: readonly string[]): Promise<Map<string, ItemAttributes>>;
}): Promise<CappedPage> {
  const { items, offset, served, count, excluded, caps } = input;
  // The tail the previous page left; a cursor from before tails were kept falls back to the list before it.
  const tail =
    caps.tails.get(offset) ??
    Array.from({ length: Math.min(offset, tailLength(caps.caps)) }, (_, i) => items.itemIdAt(offset - Math.min(offset, tailLength(caps.caps)) + i));
  const scanned: string[] = [];
  for (let index = offset; index < items.length; index++) scanned.push(items.itemIdAt(index));
  const attributes = await input.attributesOf([...tail, ...scanned]);
  const asCandidate = (itemId: string): Candidate => ({
    itemId,
    sources: [],
    features: {},
    scores: {},
    score: 0,
    ...(attributes.has(itemId) ? { item: attributes.get(itemId)! } : {}),
  });

  // Absolute positions: the tail ends just before `served`.
  const layout: (Candidate | undefined)[] = new Array<Candidate | undefined>(served + count).fill(undefined);
  tail.forEach((itemId, i) => (layout[served - tail.length + i] = asCandidate(itemId)));
  const indexes: number[] = [];
  const placedIds: string[] = [];
  let passedOver = 0;
  let index = offset;
  while (index < items.length && indexes.length < count) {
    const itemId = scanned[index - offset]!;
    index += 1;
    if (excluded.has(itemId)) continue;
    const candidate = asCandidate(itemId);
    const position = served + indexes.length;
    if (fitsAt(layout, position, candidate, caps.caps)) {
      layout[position] = candidate;
      indexes.push(index - 1);
      placedIds.push(itemId);
    } else passedOver += 1;
  }
  caps.tails.set(index, [...tail, ...placedIds].slice(-tailLength(caps.caps)));
  return { indexes, nextOffset: index, passedOver };
}

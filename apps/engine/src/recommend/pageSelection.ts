// Cuts one page out of a ranked list: reads from `offset`, skips excluded items, stops after
// `count` picks. The returned `nextOffset` is where the next page must start, so consecutive pages
// never overlap even when the exclusions change between requests.
export type PageRequest = { offset: number; count: number; excluded: ReadonlySet<string> };

export type PageSelection<T> = {
  picks: { item: T; rank: number }[];
  /** Index after the last item read; equals the list length when the list is exhausted. */
  nextOffset: number;
  /** Items read from the list (picked or skipped). */
  scanned: number;
  /** Items skipped because they were excluded. */
  excludedCount: number;
};

export function selectPage<T extends { itemId: string }>(ranked: readonly T[], request: PageRequest): PageSelection<T> {
  const picks: { item: T; rank: number }[] = [];
  let index = Math.min(request.offset, ranked.length);
  let excludedCount = 0;
  while (index < ranked.length && picks.length < request.count) {
    const item = ranked[index]!;
    if (request.excluded.has(item.itemId)) excludedCount += 1;
    else picks.push({ item, rank: index });
    index += 1;
  }
  return { picks, nextOffset: index, scanned: index - Math.min(request.offset, ranked.length), excludedCount };
}

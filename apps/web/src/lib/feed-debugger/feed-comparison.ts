// "The feed as of T, beside now": two served lists matched by item id, each row carrying where the
// item sits in the other list (null: served in this list only).
export type ComparedRow = { itemId: string; position: number; otherPosition: number | null };
export type FeedComparison = { asOf: ComparedRow[]; now: ComparedRow[]; shared: number };

type Served = { itemId: string; position: number };

function rows(list: readonly Served[], other: readonly Served[]): ComparedRow[] {
  const positions = new Map(other.map((item) => [item.itemId, item.position]));
  return [...list]
    .sort((a, b) => a.position - b.position)
    .map((item) => ({ itemId: item.itemId, position: item.position, otherPosition: positions.get(item.itemId) ?? null }));
}

export function compareFeeds(asOf: readonly Served[], now: readonly Served[]): FeedComparison {
  const asOfRows = rows(asOf, now);
  return { asOf: asOfRows, now: rows(now, asOf), shared: asOfRows.filter((row) => row.otherPosition !== null).length };
}

/** "same place", "#3 now", "#3 as of T" — how a shared item moved; "" for an item in one list only. */
export function describeMove(row: ComparedRow, otherLabel: string): string {
  if (row.otherPosition === null) return "";
  return row.otherPosition === row.position ? "same place" : `#${row.otherPosition + 1} ${otherLabel}`;
}

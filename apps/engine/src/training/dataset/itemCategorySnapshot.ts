// The catalogue's item → category map, read once, for the offline replay. The feature writer and
// reader ask for categories on every event batch and every impression read; through the serving
// cache (features/itemCategories.ts) each first sight of an item is a database round trip, and the
// replay paid thousands of them, each a pause of the single-threaded job. One keyset-paged scan up
// front gives the same answers (the current category of every item; unknown ids absent), because
// the replay's cache never expired entries either.
import type { Database } from "@cascade/db";
import { fixedItemCategories, type ItemCategoryLookup } from "../../features/itemCategories.ts";

const PAGE_ROWS = 50_000;

export async function snapshotItemCategories(db: Database): Promise<ItemCategoryLookup> {
  const categories = new Map<string, string>();
  let afterId = "";
  for (;;) {
    const rows = await db.$queryRaw<{ id: string; category: string }[]>`
      SELECT id, category FROM items WHERE id > ${afterId} ORDER BY id LIMIT ${PAGE_ROWS}::int`;
    for (const row of rows) categories.set(row.id, row.category);
    if (rows.length < PAGE_ROWS) break;
    afterId = rows[rows.length - 1]!.id;
  }
  return fixedItemCategories(categories);
}

// Item categories with how many items each holds: the Items filter and the Overview ranking.
import type { Database } from "@cascade/db";
import { z } from "zod";

export const categoryListInputSchema = z.object({
  /** Largest categories first; the Overview asks for a handful, the Items filter for all. */
  limit: z.number().int().min(1).max(1000).default(1000),
});
export type CategoryListInput = z.infer<typeof categoryListInputSchema>;

export const categorySummarySchema = z.object({
  name: z.string(),
  items: z.number().int(),
  availableItems: z.number().int(),
});
export type CategorySummary = z.infer<typeof categorySummarySchema>;

export const categoryListSchema = z.object({
  categories: z.array(categorySummarySchema),
  /** Number of distinct categories, including those cut off by `limit`. */
  totalCategories: z.number().int(),
});
export type CategoryList = z.infer<typeof categoryListSchema>;

type CategoryRow = { name: string; items: bigint; available_items: bigint; total_categories: bigint };

export async function listCategories(db: Database, input: CategoryListInput): Promise<CategoryList> {
  const rows = await db.$queryRaw<CategoryRow[]>`
    SELECT category AS name,
           count(*) AS items,
           count(*) FILTER (WHERE available) AS available_items,
           count(*) OVER () AS total_categories
    FROM items
    GROUP BY category
    ORDER BY items DESC, category
    LIMIT ${input.limit}`;
  return {
    categories: rows.map((row) => ({
      name: row.name,
      items: Number(row.items),
      availableItems: Number(row.available_items),
    })),
    totalCategories: Number(rows[0]?.total_categories ?? 0),
  };
}

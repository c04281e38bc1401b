// The catalogue as the console sees it: a searchable, filterable, paged list of items.
import type { Database, Prisma } from "@cascade/db";
import { z } from "zod";
import { ITEM_PAGE_SIZES, type ItemListQuery } from "../../lib/item-list-query.ts";

export const itemRowSchema = z.object({
  id: z.string(),
  title: z.string(),
  category: z.string(),
  creator: z.object({ id: z.string(), name: z.string() }).nullable(),
  tags: z.array(z.string()),
  publishedAt: z.date(),
  available: z.boolean(),
});
export type ItemRow = z.infer<typeof itemRowSchema>;

export const itemPageSchema = z.object({
  rows: z.array(itemRowSchema),
  /** Items matching the search and filters, over all pages (exact). */
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.literal(ITEM_PAGE_SIZES),
});
export type ItemPage = z.infer<typeof itemPageSchema>;

/** Prisma's `contains` passes % and _ through to ILIKE as wildcards; users mean them literally. */
function escapeLikePattern(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

export function itemWhere(query: Pick<ItemListQuery, "q" | "category" | "availability">): Prisma.ItemWhereInput {
  const where: Prisma.ItemWhereInput = {};
  if (query.category) where.category = query.category;
  if (query.availability !== "all") where.available = query.availability === "available";
  if (query.q) {
    const contains = { contains: escapeLikePattern(query.q), mode: "insensitive" as const };
    where.OR = [
      { id: contains },
      { title: contains },
      { category: contains },
      { creatorId: contains },
      { creator: { is: { name: contains } } },
    ];
  }
  return where;
}

/**
 * One page of items plus the exact number of matches. Offset paging keeps every page linkable
 * (?page=7); a tie-break on id keeps the order stable when many items share a publish time.
 */
export async function listItems(db: Database, query: ItemListQuery): Promise<ItemPage> {
  const where = itemWhere(query);
  const direction = query.sort === "published_asc" ? "asc" : "desc";
  const [total, items] = await Promise.all([
    db.item.count({ where }),
    db.item.findMany({
      where,
      orderBy: [{ publishedAt: direction }, { id: direction }],
      skip: (query.page - 1) * query.pageSize,
      take: query.pageSize,
      select: {
        id: true,
        title: true,
        category: true,
        tags: true,
        publishedAt: true,
        available: true,
        creator: { select: { id: true, name: true } },
      },
    }),
  ]);
  return { rows: items, total, page: query.page, pageSize: query.pageSize };
}

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

/**
 * Creators matched by name, looked up before the item query. Up to this many, the item query
 * names them (an indexed `creator_id IN (…)`); beyond it the search is unselective anyway and the
 * item query joins creators instead (a scan, but a correct one, and bind parameters stay few).
 */
const MAX_NAMED_CREATORS = 500;

/** The creators whose name matches the search: their ids, or "many" past MAX_NAMED_CREATORS. */
export type CreatorNameMatches = readonly string[] | "many";

/**
 * The filters as a Prisma where. Search is a case-insensitive substring match on the item's id,
 * title, category and creator id (the trigram index items_search_trgm_idx serves each of them) or
 * on its creator's name. With the creators matching by name given as ids, every branch of the OR
 * is an indexed condition on items, so PostgreSQL combines index scans; a join to creators inside
 * the OR would make it scan the whole catalogue.
 */
export function itemWhere(query: Pick<ItemListQuery, "q" | "category" | "availability">, creatorsByName: CreatorNameMatches = "many"): Prisma.ItemWhereInput {
  const where: Prisma.ItemWhereInput = {};
  if (query.category) where.category = query.category;
  if (query.availability !== "all") where.available = query.availability === "available";
  if (query.q) {
    const contains = { contains: escapeLikePattern(query.q), mode: "insensitive" as const };
    const byCreatorName: Prisma.ItemWhereInput =
      creatorsByName === "many" ? { creator: { is: { name: contains } } } : { creatorId: { in: [...creatorsByName] } };
    where.OR = [{ id: contains }, { title: contains }, { category: contains }, { creatorId: contains }, byCreatorName];
  }
  return where;
}

/** The creators whose name contains `q` (case-insensitive). */
export async function creatorsMatchingName(db: Database, q: string): Promise<CreatorNameMatches> {
  if (!q) return [];
  const creators = await db.creator.findMany({
    where: { name: { contains: escapeLikePattern(q), mode: "insensitive" } },
    select: { id: true },
    take: MAX_NAMED_CREATORS + 1,
  });
  return creators.length > MAX_NAMED_CREATORS ? "many" : creators.map((creator) => creator.id);
}

/**
 * One page of items plus the exact number of matches. Offset paging keeps every page linkable
 * (?page=7); a tie-break on id keeps the order stable when many items share a publish time.
 */
export async function listItems(db: Database, query: ItemListQuery): Promise<ItemPage> {
  const where = itemWhere(query, await creatorsMatchingName(db, query.q));
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

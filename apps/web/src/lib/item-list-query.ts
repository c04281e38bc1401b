// What the Items page is showing — search text, filters, sort, page — and how that state is
// written in the URL. Shared by the server (which prefetches the first page from the URL) and the
// browser (which reads and writes the URL), so both always build the same query.
import { z } from "zod";

export const ITEM_PAGE_SIZES = [25, 50, 100] as const;
export type ItemPageSize = (typeof ITEM_PAGE_SIZES)[number];

export const ITEM_SORTS = ["published_desc", "published_asc"] as const;
export type ItemSort = (typeof ITEM_SORTS)[number];

export const ITEM_AVAILABILITIES = ["all", "available", "unavailable"] as const;
export type ItemAvailability = (typeof ITEM_AVAILABILITIES)[number];

export const MAX_SEARCH_LENGTH = 200;

/** The strict shape the item.list procedure accepts. */
export const itemListQuerySchema = z.object({
  /** Case-insensitive substring of id, title, category, creator id or creator name. */
  q: z.string().trim().max(MAX_SEARCH_LENGTH).default(""),
  /** Exact category, or "" for every category. */
  category: z.string().max(200).default(""),
  availability: z.enum(ITEM_AVAILABILITIES).default("all"),
  sort: z.enum(ITEM_SORTS).default("published_desc"),
  page: z.number().int().min(1).max(1_000_000).default(1),
  pageSize: z.literal(ITEM_PAGE_SIZES).default(25),
});

export type ItemListQuery = {
  q: string;
  category: string;
  availability: ItemAvailability;
  sort: ItemSort;
  page: number;
  pageSize: ItemPageSize;
};

export const DEFAULT_ITEM_LIST_QUERY: ItemListQuery = {
  q: "",
  category: "",
  availability: "all",
  sort: "published_desc",
  page: 1,
  pageSize: 25,
};

function oneOf<T extends string | number>(allowed: readonly T[], value: T | undefined, fallback: T): T {
  return value !== undefined && allowed.includes(value) ? value : fallback;
}

/**
 * Reads the query from URL parameters. URLs are typed and edited by people, so anything invalid
 * falls back to its default instead of failing the page.
 */
export function parseItemListQuery(get: (name: string) => string | null | undefined): ItemListQuery {
  const page = Number.parseInt(get("page") ?? "", 10);
  const pageSize = Number.parseInt(get("pageSize") ?? "", 10);
  return {
    q: (get("q") ?? "").trim().slice(0, MAX_SEARCH_LENGTH),
    category: (get("category") ?? "").slice(0, 200),
    availability: oneOf(ITEM_AVAILABILITIES, (get("availability") ?? undefined) as ItemAvailability, "all"),
    sort: oneOf(ITEM_SORTS, (get("sort") ?? undefined) as ItemSort, "published_desc"),
    page: Number.isSafeInteger(page) && page >= 1 && page <= 1_000_000 ? page : 1,
    pageSize: oneOf(ITEM_PAGE_SIZES, pageSize as ItemPageSize, 25),
  };
}

/** The query as URL parameters, leaving out defaults so that links stay short. */
export function itemListQueryToSearchParams(query: ItemListQuery): URLSearchParams {
  const params = new URLSearchParams();
  if (query.q) params.set("q", query.q);
  if (query.category) params.set("category", query.category);
  if (query.availability !== DEFAULT_ITEM_LIST_QUERY.availability) params.set("availability", query.availability);
  if (query.sort !== DEFAULT_ITEM_LIST_QUERY.sort) params.set("sort", query.sort);
  if (query.pageSize !== DEFAULT_ITEM_LIST_QUERY.pageSize) params.set("pageSize", String(query.pageSize));
  if (query.page !== 1) params.set("page", String(query.page));
  return params;
}

export function itemListHref(query: ItemListQuery): string {
  const search = itemListQueryToSearchParams(query).toString();
  return search ? `/items?${search}` : "/items";
}

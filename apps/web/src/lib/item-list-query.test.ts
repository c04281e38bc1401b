import { describe, expect, it } from "vitest";
import { DEFAULT_ITEM_LIST_QUERY, itemListHref, itemListQuerySchema, itemListQueryToSearchParams, parseItemListQuery } from "./item-list-query.ts";

function parse(search: string) {
  const params = new URLSearchParams(search);
  return parseItemListQuery((name) => params.get(name));
}

describe("item list query in the URL", () => {
  it("reads every field", () => {
    expect(parse("q=%20Shoes%20&category=fashion&availability=unavailable&sort=published_asc&page=3&pageSize=50")).toEqual({
      q: "Shoes",
      category: "fashion",
      availability: "unavailable",
      sort: "published_asc",
      page: 3,
      pageSize: 50,
    });
  });

  it("falls back to defaults for missing or invalid values instead of failing", () => {
    expect(parse("")).toEqual(DEFAULT_ITEM_LIST_QUERY);
    expect(parse("page=-2&pageSize=30&sort=random&availability=maybe")).toEqual(DEFAULT_ITEM_LIST_QUERY);
    expect(parse("page=abc").page).toBe(1);
    expect(parse("page=1.5").page).toBe(1);
  });

  it("round-trips through search params and leaves defaults out of links", () => {
    const query = { ...DEFAULT_ITEM_LIST_QUERY, q: "a&b", category: "film", page: 2, pageSize: 100 as const };
    expect(parse(itemListQueryToSearchParams(query).toString())).toEqual(query);
    expect(itemListHref(DEFAULT_ITEM_LIST_QUERY)).toBe("/items");
    expect(itemListHref({ ...DEFAULT_ITEM_LIST_QUERY, page: 2 })).toBe("/items?page=2");
  });

  it("always produces input the item.list procedure accepts", () => {
    for (const search of ["", "page=999999999", "pageSize=100&q=" + "x".repeat(500), "category=" + "c".repeat(500)]) {
      expect(itemListQuerySchema.safeParse(parse(search)).success).toBe(true);
    }
  });
});

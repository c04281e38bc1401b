"use client";
// Search box and filters. A real GET form, so it works before hydration (and without JS);
// once hydrated, typing searches as you go and every change updates the URL in place.
import { FilterBar, SearchField, Select } from "@cascade/ui";
import type { ReactNode } from "react";
import type { ItemAvailability, ItemListQuery, ItemSort } from "@/lib/item-list-query.ts";
import { useUrlSearchDraft } from "@/components/use-url-search-draft.ts";
import type { HistoryMode } from "./use-item-list-query.ts";

/** Wait this long after the last keystroke before searching (one query per pause, not per key). */
const SEARCH_DEBOUNCE_MS = 300;

export type ItemFiltersProps = {
  query: ItemListQuery;
  categories: readonly string[];
  navigate: (next: ItemListQuery, mode?: HistoryMode) => void;
  /** What the filters show ("1,204 matching items"), at the end of the bar. */
  summary?: ReactNode;
};

export function ItemFilters({ query, categories, navigate, summary }: ItemFiltersProps) {
  const { draft, setDraft, submit } = useUrlSearchDraft(query.q, (search, mode) => navigate({ ...query, q: search, page: 1 }, mode), SEARCH_DEBOUNCE_MS);

  const categoryOptions = query.category && !categories.includes(query.category) ? [query.category, ...categories] : categories;

  return (
    <FilterBar form={{ method: "get", action: "/items", onSubmit: submit }} summary={summary}>
      <SearchField
        label="Search items"
        visibleLabel="Search"
        name="q"
        value={draft}
        onChange={(event) => setDraft(event.target.value)}
        placeholder="Id, title, category or creator"
      />
      <Select
        label="Category"
        name="category"
        value={query.category}
        onChange={(event) => navigate({ ...query, category: event.target.value, page: 1 })}
        options={[{ value: "", label: "All categories" }, ...categoryOptions.map((category) => ({ value: category, label: category }))]}
      />
      <Select
        label="Availability"
        name="availability"
        value={query.availability}
        onChange={(event) => navigate({ ...query, availability: event.target.value as ItemAvailability, page: 1 })}
        options={[
          { value: "all", label: "Any availability" },
          { value: "available", label: "Available only" },
          { value: "unavailable", label: "Unavailable only" },
        ]}
      />
      <Select
        label="Sort"
        name="sort"
        value={query.sort}
        onChange={(event) => navigate({ ...query, sort: event.target.value as ItemSort, page: 1 })}
        options={[
          { value: "published_desc", label: "Newest first" },
          { value: "published_asc", label: "Oldest first" },
        ]}
      />
      {query.pageSize !== 25 ? <input type="hidden" name="pageSize" value={query.pageSize} /> : null}
    </FilterBar>
  );
}

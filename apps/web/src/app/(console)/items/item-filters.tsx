"use client";
// Search box and filters. A real GET form, so it works before hydration (and without JS);
// once hydrated, typing searches as you go and every change updates the URL in place.
import { useEffect, useState } from "react";
import type { ItemAvailability, ItemListQuery, ItemSort } from "@/lib/item-list-query.ts";
import type { HistoryMode } from "./use-item-list-query.ts";
import styles from "./items.module.css";

/** Wait this long after the last keystroke before searching (one query per pause, not per key). */
const SEARCH_DEBOUNCE_MS = 300;

export type ItemFiltersProps = {
  query: ItemListQuery;
  categories: readonly string[];
  navigate: (next: ItemListQuery, mode?: HistoryMode) => void;
};

export function ItemFilters({ query, categories, navigate }: ItemFiltersProps) {
  const [draft, setDraft] = useState(query.q);
  // The search text the URL had when `draft` was last synced with it. When the URL changes by
  // other means (back button, "Clear filters"), the box follows; our own debounced updates do
  // not overwrite what the user has typed since.
  const [syncedSearch, setSyncedSearch] = useState(query.q);
  if (query.q !== syncedSearch) {
    setSyncedSearch(query.q);
    setDraft(query.q);
  }

  useEffect(() => {
    const search = draft.trim();
    if (search === query.q) return;
    const timer = setTimeout(() => {
      setSyncedSearch(search);
      // Replace, not push: typing "shoes" should not leave five history entries behind.
      navigate({ ...query, q: search, page: 1 }, "replace");
    }, SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [draft, query, navigate]);

  const categoryOptions = query.category && !categories.includes(query.category)
    ? [query.category, ...categories]
    : categories;

  return (
    <form
      role="search"
      method="get"
      action="/items"
      className={styles.toolbar}
      onSubmit={(event) => {
        event.preventDefault();
        // Read the field, not `draft`: text typed before hydration is in the DOM only.
        const search = String(new FormData(event.currentTarget).get("q") ?? "").trim();
        setDraft(search);
        setSyncedSearch(search);
        navigate({ ...query, q: search, page: 1 });
      }}
    >
      <label className={styles.search}>
        <span className={styles.filterLabel}>Search</span>
        <svg className={styles.searchIcon} width="16" height="16" viewBox="0 0 20 20" fill="none" aria-hidden="true">
          <circle cx="9" cy="9" r="5.5" stroke="currentColor" strokeWidth="1.8" />
          <path d="m13.2 13.2 3.8 3.8" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
        </svg>
        <input
          className={styles.input}
          type="search"
          name="q"
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
          placeholder="Id, title, category or creator"
          aria-label="Search items"
          autoComplete="off"
          spellCheck={false}
        />
      </label>
      <label className={styles.filter}>
        <span className={styles.filterLabel}>Category</span>
        <select
          className={styles.select}
          name="category"
          value={query.category}
          onChange={(event) => navigate({ ...query, category: event.target.value, page: 1 })}
        >
          <option value="">All categories</option>
          {categoryOptions.map((category) => (
            <option key={category} value={category}>
              {category}
            </option>
          ))}
        </select>
      </label>
      <label className={styles.filter}>
        <span className={styles.filterLabel}>Availability</span>
        <select
          className={styles.select}
          name="availability"
          value={query.availability}
          onChange={(event) =>
            navigate({ ...query, availability: event.target.value as ItemAvailability, page: 1 })
          }
        >
          <option value="all">Any availability</option>
          <option value="available">Available only</option>
          <option value="unavailable">Unavailable only</option>
        </select>
      </label>
      <label className={styles.filter}>
        <span className={styles.filterLabel}>Sort</span>
        <select
          className={styles.select}
          name="sort"
          value={query.sort}
          onChange={(event) => navigate({ ...query, sort: event.target.value as ItemSort, page: 1 })}
        >
          <option value="published_desc">Newest first</option>
          <option value="published_asc">Oldest first</option>
        </select>
      </label>
      {query.pageSize !== 25 ? <input type="hidden" name="pageSize" value={query.pageSize} /> : null}
    </form>
  );
}

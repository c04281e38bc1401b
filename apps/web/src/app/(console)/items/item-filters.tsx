"use client";
// Search box and filters. A real GET form, so it works before hydration (and without JS);
// once hydrated, typing searches as you go and every change updates the URL in place.
import { SearchIcon } from "@/components/search-icon.tsx";
import type { ItemAvailability, ItemListQuery, ItemSort } from "@/lib/item-list-query.ts";
import { useUrlSearchDraft } from "@/lib/use-url-search-draft.ts";
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
  const { draft, setDraft, submit } = useUrlSearchDraft(
    query.q,
    (search, mode) => navigate({ ...query, q: search, page: 1 }, mode),
    SEARCH_DEBOUNCE_MS,
  );

  const categoryOptions = query.category && !categories.includes(query.category)
    ? [query.category, ...categories]
    : categories;

  return (
    <form
      role="search"
      method="get"
      action="/items"
      className={styles.toolbar}
      onSubmit={submit}
    >
      <label className={styles.search}>
        <span className={styles.filterLabel}>Search</span>
        <SearchIcon className={styles.searchIcon} />
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

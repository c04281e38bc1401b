"use client";
// The name search. A real GET form, so it works before hydration; once hydrated, typing filters
// as you go (debounced) and the URL follows.
import { SearchField } from "@cascade/ui";
import type { FeatureListQuery } from "@/lib/feature-list-query.ts";
import { useUrlSearchDraft } from "@/components/use-url-search-draft.ts";
import type { HistoryMode } from "./use-feature-list-query.ts";
import styles from "./features.module.css";

const SEARCH_DEBOUNCE_MS = 250;

export function FeatureSearch({ query, navigate }: { query: FeatureListQuery; navigate: (next: FeatureListQuery, mode?: HistoryMode) => void }) {
  const { draft, setDraft, submit } = useUrlSearchDraft(query.q, (search, mode) => navigate({ ...query, q: search }, mode), SEARCH_DEBOUNCE_MS);

  return (
    <form role="search" method="get" action="/features" className={styles.search} onSubmit={submit}>
      {query.entity !== "all" ? <input type="hidden" name="entity" value={query.entity} /> : null}
      <SearchField
        label="Search features"
        grow={false}
        name="q"
        value={draft}
        onChange={(event) => setDraft(event.target.value)}
        placeholder="Search by name"
      />
    </form>
  );
}

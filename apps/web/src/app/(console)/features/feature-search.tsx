"use client";
// The name search. A real GET form, so it works before hydration; once hydrated, typing filters
// as you go (debounced) and the URL follows.
import { useEffect, useState } from "react";
import type { FeatureListQuery } from "@/lib/feature-list-query.ts";
import type { HistoryMode } from "./use-feature-list-query.ts";
import styles from "./features.module.css";

const SEARCH_DEBOUNCE_MS = 250;

export function FeatureSearch({
  query,
  navigate,
}: {
  query: FeatureListQuery;
  navigate: (next: FeatureListQuery, mode?: HistoryMode) => void;
}) {
  const [draft, setDraft] = useState(query.q);
  // Follow URL changes made elsewhere (back button, "Clear filters") without overwriting typing.
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
      navigate({ ...query, q: search }, "replace");
    }, SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [draft, query, navigate]);

  return (
    <form
      role="search"
      method="get"
      action="/features"
      className={styles.search}
      onSubmit={(event) => {
        event.preventDefault();
        const search = String(new FormData(event.currentTarget).get("q") ?? "").trim();
        setDraft(search);
        setSyncedSearch(search);
        navigate({ ...query, q: search });
      }}
    >
      {query.entity !== "all" ? <input type="hidden" name="entity" value={query.entity} /> : null}
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
        placeholder="Search by name"
        aria-label="Search features"
        autoComplete="off"
        spellCheck={false}
      />
    </form>
  );
}

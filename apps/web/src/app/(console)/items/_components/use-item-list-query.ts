"use client";
// The Items page's state lives in the URL (linkable, survives reloads, back/forward work).
// Changes go through the History API, which Next's router observes: useSearchParams() updates
// and React Query fetches the new page, without re-rendering the server page.
import { useSearchParams } from "next/navigation";
import { useCallback, useMemo } from "react";
import { type ItemListQuery, itemListHref, parseItemListQuery } from "@/lib/item-list-query.ts";

export type HistoryMode = "push" | "replace";

export function useItemListQuery(): {
  query: ItemListQuery;
  navigate: (next: ItemListQuery, mode?: HistoryMode) => void;
} {
  const searchParams = useSearchParams();
  const query = useMemo(() => parseItemListQuery((name) => searchParams.get(name)), [searchParams]);
  const navigate = useCallback((next: ItemListQuery, mode: HistoryMode = "push") => {
    const href = itemListHref(next);
    if (mode === "push") window.history.pushState(null, "", href);
    else window.history.replaceState(null, "", href);
  }, []);
  return { query, navigate };
}

"use client";
// The registry's filters live in the URL (linkable, back/forward work). Changes go through the
// History API, which Next's router observes: useSearchParams() updates and React Query fetches.
import { useSearchParams } from "next/navigation";
import { useCallback, useMemo } from "react";
import { type FeatureListQuery, featureListHref, parseFeatureListQuery } from "@/lib/feature-list-query.ts";

export type HistoryMode = "push" | "replace";

export function useFeatureListQuery(): {
  query: FeatureListQuery;
  navigate: (next: FeatureListQuery, mode?: HistoryMode) => void;
} {
  const searchParams = useSearchParams();
  const query = useMemo(() => parseFeatureListQuery((name) => searchParams.get(name)), [searchParams]);
  const navigate = useCallback((next: FeatureListQuery, mode: HistoryMode = "push") => {
    const href = featureListHref(next);
    if (mode === "push") window.history.pushState(null, "", href);
    else window.history.replaceState(null, "", href);
  }, []);
  return { query, navigate };
}

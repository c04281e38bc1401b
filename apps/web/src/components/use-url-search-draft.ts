"use client";
// A search box whose text lives in the URL: typing searches as you go (debounced, replacing the
// history entry so "shoes" does not leave five entries behind), submitting searches at once
// (pushing an entry). Shared by the list pages' search boxes.
import { type FormEvent, useEffect, useRef, useState } from "react";

export function useUrlSearchDraft(
  /** The search text in the URL now. */
  urlSearch: string,
  /** Puts a new search into the URL (and resets paging, if the page has any). */
  applySearch: (search: string, mode: "push" | "replace") => void,
  /** Wait this long after the last keystroke (one query per pause, not per key). */
  debounceMs: number,
): { draft: string; setDraft: (text: string) => void; submit: (event: FormEvent<HTMLFormElement>) => void } {
  const [draft, setDraft] = useState(urlSearch);
  // The URL's search text when `draft` was last synced with it. When the URL changes by other
  // means (back button, "Clear filters"), the box follows; our own debounced updates do not
  // overwrite what the user has typed since.
  const [syncedSearch, setSyncedSearch] = useState(urlSearch);
  if (urlSearch !== syncedSearch) {
    setSyncedSearch(urlSearch);
    setDraft(urlSearch);
  }

  // The latest callback, so a re-render with a new closure does not restart the debounce.
  const latestApply = useRef(applySearch);
  useEffect(() => {
    latestApply.current = applySearch;
  }, [applySearch]);

  useEffect(() => {
    const search = draft.trim();
    if (search === urlSearch) return;
    const timer = setTimeout(() => {
      setSyncedSearch(search);
      latestApply.current(search, "replace");
    }, debounceMs);
    return () => clearTimeout(timer);
  }, [draft, urlSearch, debounceMs]);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    // Read the field, not `draft`: text typed before hydration is in the DOM only.
    const search = String(new FormData(event.currentTarget).get("q") ?? "").trim();
    setDraft(search);
    setSyncedSearch(search);
    latestApply.current(search, "push");
  };

  return { draft, setDraft, submit };
}

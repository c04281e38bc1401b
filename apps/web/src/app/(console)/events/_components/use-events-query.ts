"use client";
// The Events page's range and rejection filter live in the URL (linkable, back/forward work).
import { useSearchParams } from "next/navigation";
import { useCallback, useMemo } from "react";
import { type EventsQuery, eventsHref, parseEventsQuery } from "@/lib/event-range.ts";

export function useEventsQuery(): { query: EventsQuery; navigate: (next: EventsQuery) => void } {
  const searchParams = useSearchParams();
  const query = useMemo(() => parseEventsQuery((name) => searchParams.get(name)), [searchParams]);
  const navigate = useCallback((next: EventsQuery) => {
    window.history.pushState(null, "", eventsHref(next));
  }, []);
  return { query, navigate };
}

// The Overview's queries, memoised per request: two cards that need the same data (the chart
// and the event mix) share one database query.
import "server-only";
import { cache } from "react";
import { getServerCaller } from "@/trpc/server.tsx";

export const TOP_CATEGORY_COUNT = 10;

export const loadOverview = cache(async () => (await getServerCaller()).overview.get());

export const loadEventVolume = cache(async () => (await getServerCaller()).event.volume());

export const loadTopCategories = cache(async () => (await getServerCaller()).item.categories({ limit: TOP_CATEGORY_COUNT }));

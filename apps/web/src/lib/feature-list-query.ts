// What the Features page's registry is showing — entity filter and name search — and how that
// state is written in the URL. Shared by the server (prefetch from the URL) and the browser.
import type { FeatureEntity } from "@cascade/db";
import { z } from "zod";

/** Display names of the entities a feature describes, in the page's order. */
export const FEATURE_ENTITY_LABELS: Record<FeatureEntity, string> = {
  user: "User",
  item: "Item",
  user_item: "User × item",
  context: "Context",
};

export const FEATURE_ENTITIES = Object.keys(FEATURE_ENTITY_LABELS) as FeatureEntity[];

export const FEATURE_ENTITY_FILTERS = ["all", "user", "item", "user_item", "context"] as const satisfies readonly (FeatureEntity | "all")[];
export type FeatureEntityFilter = (typeof FEATURE_ENTITY_FILTERS)[number];

export const MAX_FEATURE_SEARCH_LENGTH = 100;

export const featureListQuerySchema = z.object({
  entity: z.enum(FEATURE_ENTITY_FILTERS).default("all"),
  /** Case-insensitive substring of the feature name. */
  q: z.string().trim().max(MAX_FEATURE_SEARCH_LENGTH).default(""),
});

export type FeatureListQuery = { entity: FeatureEntityFilter; q: string };

export const DEFAULT_FEATURE_LIST_QUERY: FeatureListQuery = { entity: "all", q: "" };

/** Reads the query from URL parameters; anything invalid falls back to its default. */
export function parseFeatureListQuery(get: (name: string) => string | null | undefined): FeatureListQuery {
  const entity = get("entity");
  return {
    entity: FEATURE_ENTITY_FILTERS.includes(entity as FeatureEntityFilter) ? (entity as FeatureEntityFilter) : "all",
    q: (get("q") ?? "").trim().slice(0, MAX_FEATURE_SEARCH_LENGTH),
  };
}

export function featureListHref(query: FeatureListQuery): string {
  const params = new URLSearchParams();
  if (query.entity !== "all") params.set("entity", query.entity);
  if (query.q) params.set("q", query.q);
  const search = params.toString();
  return search ? `/features?${search}` : "/features";
}

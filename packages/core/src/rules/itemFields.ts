// The whitelist of item fields a filter expression may read, with their types. Expressions never
// reach arbitrary properties: a name outside the catalog is an error at save time.

export type FieldType = "string" | "number" | "boolean" | "stringList";
export type FieldCatalog = Readonly<Record<string, FieldType>>;

/** Fields every item has (from the catalogue tables). */
export const BASE_ITEM_FIELDS = {
  id: "string",
  category: "string",
  creator: "string",
  tags: "stringList",
  age_hours: "number",
  available: "boolean",
} as const satisfies FieldCatalog;

/**
 * Numeric fields known without declaring them: the demo catalogue's item attributes and the
 * engine's item features (apps/engine/src/features/definitions/itemPopularity.ts).
 */
export const DEFAULT_NUMERIC_ITEM_FIELDS = [
  "price",
  "durationSeconds",
  "item_trending_6h",
  "item_popularity_3d",
  "item_impressions_3d",
  "item_clicks_3d",
  "item_ctr_3d",
] as const;

export const FIELD_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Base fields plus the given numeric item attributes/features (names must not shadow a base field). */
export function itemFieldCatalog(numericFields: readonly string[] = DEFAULT_NUMERIC_ITEM_FIELDS): FieldCatalog {
  const catalog: Record<string, FieldType> = { ...BASE_ITEM_FIELDS };
  for (const name of numericFields) {
    if (!FIELD_NAME_PATTERN.test(name)) throw new Error(`numeric field name "${name}" is not an identifier`);
    if (name in BASE_ITEM_FIELDS) throw new Error(`numeric field "${name}" shadows a built-in item field`);
    catalog[name] = "number";
  }
  return catalog;
}

/**
 * What a compiled predicate reads. `numbers` holds numeric attributes and features, and
 * `sharedNumbers` the numbers every item of a request shares (the user's and the context's
 * features: one object for all items, not copied into each), read where `numbers` has no value
 * (itemNumber). A missing number reads as NaN, so every comparison with it is false except `!=`.
 */
export type FilterableItem = {
  id: string;
  category: string;
  creator: string | null;
  tags: readonly string[];
  ageHours: number;
  available: boolean;
  numbers: Readonly<Record<string, number>>;
  sharedNumbers?: Readonly<Record<string, number>>;
};

/** The item's number `name`: its own (`numbers`), else the request's (`sharedNumbers`); undefined when neither has one. */
export function itemNumber(item: FilterableItem, name: string): number | undefined {
  if (Object.hasOwn(item.numbers, name)) return item.numbers[name];
  const shared = item.sharedNumbers;
  return shared !== undefined && Object.hasOwn(shared, name) ? shared[name] : undefined;
}

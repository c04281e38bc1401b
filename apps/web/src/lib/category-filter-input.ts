/**
 * The item.categories input for the Items filter (every category). One constant, so that the
 * server's prefetch and the browser's query share a cache key.
 */
export const CATEGORY_FILTER_INPUT = { limit: 1000 } as const;

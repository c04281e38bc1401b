// Logging the feature vectors the engine actually served, for the skew check (jobs/skewReport.ts).
//
// Sampling is per request and deterministic (a hash of the request id against the rate), so a
// request's whole slate is logged or none of it, and re-running a request makes the same decision.
// `hydrateAndLogServedFeatures` is a side effect in the funnel's sense: callers do not await it on
// the response path and it never rejects.
import { createHash } from "node:crypto";
import type { Database } from "@cascade/db";
import type { Logger } from "pino";
import type { OnlineStore } from "../stores/onlineStore.ts";
import type { ItemCategoryLookup } from "./itemCategories.ts";
import { readOnlineFeatures, type FeatureVector } from "./onlineFeatureReader.ts";

export type ServedFeatureRow = {
  requestId: string;
  userId: string;
  itemId: string;
  surface: string;
  /** The "as of" time the vector was read at. */
  servedAt: Date;
  features: FeatureVector;
  modelVersion?: string | null;
};

/** True for a `rate` share of request ids (0 → never, 1 → always), the same answer every time. */
export function isRequestSampled(requestId: string, rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  const hash = createHash("sha256").update(requestId).digest();
  return hash.readUInt32BE(0) / 0x1_0000_0000 < rate;
}

/** Inserts the rows of sampled requests; returns how many rows were written. */
export async function logServedFeatures(db: Database, rows: readonly ServedFeatureRow[], options: { sampleRate?: number } = {}): Promise<number> {
  const rate = options.sampleRate ?? 1;
  const sampled = rows.filter((row) => isRequestSampled(row.requestId, rate));
  if (sampled.length === 0) return 0;
  const result = await db.servedFeatureLog.createMany({
    data: sampled.map((row) => ({
      requestId: row.requestId,
      userId: row.userId,
      itemId: row.itemId,
      surface: row.surface,
      servedAt: row.servedAt,
      features: row.features,
      modelVersion: row.modelVersion ?? null,
    })),
  });
  return result.count;
}

export type HydrateAndLogInput = {
  db: Database;
  store: OnlineStore;
  userId: string;
  itemIds: readonly string[];
  requestId: string;
  surface: string;
  /** Request time: the features are read as of it. */
  at: Date;
  sampleRate: number;
  modelVersion?: string | null;
  itemCategories?: ItemCategoryLookup;
  logger?: Pick<Logger, "warn">;
};

/**
 * For a sampled request: reads the online features of the served items as of `at` and logs them.
 * Never rejects (a failure is logged as a warning); resolves to the number of rows written.
 */
export async function hydrateAndLogServedFeatures(input: HydrateAndLogInput): Promise<number> {
  if (input.itemIds.length === 0 || !isRequestSampled(input.requestId, input.sampleRate)) return 0;
  try {
    const vectors = await readOnlineFeatures(
      input.store,
      { userId: input.userId, itemIds: input.itemIds, at: input.at },
      input.itemCategories ? { itemCategories: input.itemCategories } : {},
    );
    return await logServedFeatures(
      input.db,
      vectors.map((vector) => ({
        requestId: input.requestId,
        userId: input.userId,
        itemId: vector.itemId,
        surface: input.surface,
        servedAt: input.at,
        features: vector.features,
        modelVersion: input.modelVersion ?? null,
      })),
    );
  } catch (error) {
    input.logger?.warn({ err: error, requestId: input.requestId }, "served-feature logging failed; the response was not affected");
    return 0;
  }
}

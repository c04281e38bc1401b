// Rebuilds online feature state from the Postgres event log, for events that reached the log
// without passing through the real-time consumer (a demo seed, a bulk import, a flushed Redis).
// Streams the log in time order through `applyEventsToOnlineStore` with the wall clock as `now`,
// so expired windows are skipped exactly as they would be live. Idempotent by default (the same
// ledger as the consumer, so running it while the consumer also delivers some of the events does
// not double count); pass idempotent: false for a first fill of an empty store to save the ledger's
// memory (48 h of event ids per entity).
import type { Database } from "@cascade/db";
import { silentProgress, type ProgressReporter } from "../cli/progress.ts";
import { createItemCategoryCache, type ItemCategoryLookup } from "../features/itemCategories.ts";
import { applyEventsToOnlineStore } from "../features/onlineFeatureWriter.ts";
import type { OnlineStore } from "../stores/onlineStore.ts";
import { countEventLog, readEventLog } from "./eventLog.ts";

export type BackfillOptions = {
  /** Default: the first event (long half-lives remember months). */
  from?: Date;
  /** Default: now. */
  to?: Date;
  idempotent?: boolean;
  pageSize?: number;
  itemCategories?: ItemCategoryLookup;
  progress?: ProgressReporter;
  now?: () => Date;
};

export async function backfillOnlineFeatures(db: Database, store: OnlineStore, options: BackfillOptions = {}): Promise<{ events: number; duplicates: number }> {
  const now = options.now ?? (() => new Date());
  const range = { ...(options.from ? { from: options.from } : {}), to: options.to ?? now(), pageSize: options.pageSize ?? 2_000 };
  const itemCategories = options.itemCategories ?? createItemCategoryCache(db);
  const progress = options.progress ?? silentProgress;
  let events = 0;
  let duplicates = 0;
  progress.start("online features: backfill", await countEventLog(db, range));
  try {
    for await (const page of readEventLog(db, range)) {
      const result = await applyEventsToOnlineStore(store, page, now(), { itemCategories, idempotent: options.idempotent ?? true });
      events += page.length;
      duplicates += result.duplicates;
      progress.increment(page.length);
    }
  } finally {
    progress.stop();
  }
  return { events, duplicates };
}

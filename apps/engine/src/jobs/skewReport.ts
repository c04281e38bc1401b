// Train/serve skew check: for every logged served vector in [from, to), recompute the same
// features offline — the event log replayed through the same definitions (featureReplay.ts) as of
// the same served_at — and compare feature by feature.
//
// A value mismatches when |served − offline| > absTolerance + relTolerance · max(|served|, |offline|)
// (the tolerance absorbs float summation order: Redis adds in arrival order, the replay in time
// order). Per feature: compared, mismatches, mismatch rate, mean and max |difference|; a feature is
// flagged when its mismatch rate exceeds `threshold`. The report is stored in skew_reports.
//
// Merge order: before the event run stamped t is applied, every served row with served_at ≤ t is
// recomputed, so its state holds exactly the events with occurred_at < served_at.
import type { Database } from "@cascade/db";
import { silentProgress, type ProgressReporter } from "../telemetry/progress.ts";
import { createItemCategoryCache, type ItemCategoryLookup } from "../features/itemCategories.ts";
import { featureRegistry, type FeatureRegistry } from "../features/registry.ts";
import { countEventLog, groupByTimestamp, readEventLog } from "../training/dataset/eventLog.ts";
import { FeatureReplay } from "../training/dataset/featureReplay.ts";
import { ServedLogCursor, type ServedRow } from "./servedFeatureLogReader.ts";

export type SkewReportOptions = {
  from: Date;
  to: Date;
  /** Mismatch rate above which a feature is flagged (default 0.01). */
  threshold?: number;
  absTolerance?: number;
  relTolerance?: number;
  /** Where the replay starts (default: the first event in the log). */
  warmupFrom?: Date;
  itemCategories?: ItemCategoryLookup;
  registry?: FeatureRegistry;
  progress?: ProgressReporter;
  /** Store the report in skew_reports (default true). */
  persist?: boolean;
};

export type FeatureSkew = {
  compared: number;
  mismatches: number;
  mismatchRate: number;
  meanAbsDiff: number;
  maxAbsDiff: number;
  flagged: boolean;
};

export type SkewReport = {
  /** skew_reports row id (null when not persisted). */
  id: string | null;
  windowStart: Date;
  windowEnd: Date;
  /** Served rows compared. */
  sampleSize: number;
  threshold: number;
  flagged: boolean;
  features: Record<string, FeatureSkew>;
  /** Feature names found in served vectors that the registry does not define (renamed or removed); not persisted. */
  unknownFeatures: string[];
};

export const DEFAULT_SKEW_THRESHOLD = 0.01;

export async function computeSkewReport(db: Database, options: SkewReportOptions): Promise<SkewReport> {
  const registry = options.registry ?? featureRegistry;
  const threshold = options.threshold ?? DEFAULT_SKEW_THRESHOLD;
  const absTolerance = options.absTolerance ?? 1e-6;
  const relTolerance = options.relTolerance ?? 1e-6;
  const progress = options.progress ?? silentProgress;
  const replay = new FeatureReplay({
    itemCategories: options.itemCategories ?? createItemCategoryCache(db, { ttlMs: Number.MAX_SAFE_INTEGER, maxEntries: 2_000_000 }),
    registry,
  });
  const served = new ServedLogCursor(db, { from: options.from, to: options.to });

  const tallies = new Map(registry.names.map((name) => [name, { compared: 0, mismatches: 0, sumAbsDiff: 0, maxAbsDiff: 0 }]));
  const unknownFeatures = new Set<string>();
  let sampleSize = 0;

  const compareUpTo = async (limitMs: number) => {
    for (;;) {
      const first = await served.peek();
      if (!first || first.servedAtMs > limitMs) return;
      // One read per (request, user, time): the rows of a slate are consecutive.
      const slate: ServedRow[] = [];
      for (
        let row = await served.peek();
        row && row.servedAtMs === first.servedAtMs && row.requestId === first.requestId && row.userId === first.userId;
        row = await served.peek()
      ) {
        slate.push((await served.next())!);
      }
      const offline = await replay.read(
        first.userId,
        slate.map((row) => row.itemId),
        first.servedAtMs,
      );
      slate.forEach((row, index) => {
        sampleSize += 1;
        for (const [name, servedValue] of Object.entries(row.features)) {
          const tally = tallies.get(name);
          if (!tally) {
            unknownFeatures.add(name);
            continue;
          }
          const offlineValue = offline[index]!.features[name]!;
          const difference = typeof servedValue === "number" ? Math.abs(servedValue - offlineValue) : Number.POSITIVE_INFINITY;
          tally.compared += 1;
          if (difference > absTolerance + relTolerance * Math.max(Math.abs(offlineValue), typeof servedValue === "number" ? Math.abs(servedValue) : 0)) {
            tally.mismatches += 1;
          }
          if (Number.isFinite(difference)) {
            tally.sumAbsDiff += difference;
            tally.maxAbsDiff = Math.max(tally.maxAbsDiff, difference);
          }
        }
      });
    }
  };

  const range = { ...(options.warmupFrom ? { from: options.warmupFrom } : {}), to: options.to };
  progress.start("skew: events", await countEventLog(db, range));
  try {
    for await (const group of groupByTimestamp(readEventLog(db, range))) {
      progress.increment(group.events.length);
      await compareUpTo(group.atMs);
      await replay.apply(group.events, group.atMs);
    }
    await compareUpTo(Number.POSITIVE_INFINITY);
  } finally {
    progress.stop();
    await replay.close();
  }

  const features: Record<string, FeatureSkew> = {};
  for (const [name, tally] of tallies) {
    if (tally.compared === 0) continue;
    const mismatchRate = tally.mismatches / tally.compared;
    features[name] = {
      compared: tally.compared,
      mismatches: tally.mismatches,
      mismatchRate,
      meanAbsDiff: tally.sumAbsDiff / tally.compared,
      maxAbsDiff: tally.maxAbsDiff,
      flagged: mismatchRate > threshold,
    };
  }
  const report: SkewReport = {
    id: null,
    windowStart: options.from,
    windowEnd: options.to,
    sampleSize,
    threshold,
    flagged: Object.values(features).some((feature) => feature.flagged),
    features,
    unknownFeatures: [...unknownFeatures].sort(),
  };
  if (options.persist ?? true) {
    const row = await db.skewReport.create({
      data: { windowStart: report.windowStart, windowEnd: report.windowEnd, sampleSize, features, flagged: report.flagged, threshold },
    });
    report.id = row.id;
  }
  return report;
}

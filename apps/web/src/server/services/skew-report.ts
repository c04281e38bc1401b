// Train/serve skew reports (skew_reports), written by `cascade skew` (the engine's
// computeSkewReport): served feature vectors compared with their offline recomputation, per
// feature. The console shows the latest report, or one by id.
import type { Database } from "@cascade/db";
import { z } from "zod";

export const skewReportGetInputSchema = z.object({
  /** A report id; without it, the latest report. */
  id: z.string().min(1).max(64).optional(),
});
export type SkewReportGetInput = z.infer<typeof skewReportGetInputSchema>;

export const skewFeatureSchema = z.object({
  name: z.string(),
  /** Served values compared with their recomputation. */
  compared: z.number().int(),
  /** Values that differed beyond the tolerance (null in reports that did not record it). */
  mismatches: z.number().int().nullable(),
  mismatchRate: z.number(),
  meanAbsDiff: z.number(),
  maxAbsDiff: z.number(),
  /** Mismatch rate above the report's threshold. */
  flagged: z.boolean(),
  /** Whether feature_definitions still holds this feature (null when the table is empty). */
  registered: z.boolean().nullable(),
});
export type SkewFeature = z.infer<typeof skewFeatureSchema>;

export const skewReportSchema = z.object({
  id: z.string(),
  createdAt: z.date(),
  windowStart: z.date(),
  windowEnd: z.date(),
  /** Served (user, item) rows compared. */
  sampleSize: z.number().int(),
  threshold: z.number(),
  flagged: z.boolean(),
  /** Flagged first, then by mismatch rate, highest first. */
  features: z.array(skewFeatureSchema),
  /** Entries of the stored JSON that are not a readable per-feature result (kept out of `features`). */
  unreadableFeatures: z.array(z.string()),
  /** Reports stored in all. */
  reportCount: z.number().int(),
});
export type SkewReportView = z.infer<typeof skewReportSchema>;

/** One feature's entry in skew_reports.features, as computeSkewReport writes it. */
const storedFeatureSkewSchema = z.object({
  compared: z.number(),
  mismatches: z.number().optional(),
  mismatchRate: z.number(),
  meanAbsDiff: z.number(),
  maxAbsDiff: z.number(),
  flagged: z.boolean().optional(),
});

/** Reads the stored per-feature JSON defensively: one bad entry does not hide the others. */
export function parseSkewFeatures(
  stored: unknown,
  threshold: number,
  registeredNames: ReadonlySet<string> | null,
): { features: SkewFeature[]; unreadable: string[] } {
  const features: SkewFeature[] = [];
  const unreadable: string[] = [];
  if (typeof stored !== "object" || stored === null || Array.isArray(stored)) return { features, unreadable };
  for (const [name, value] of Object.entries(stored)) {
    const parsed = storedFeatureSkewSchema.safeParse(value);
    if (!parsed.success) {
      unreadable.push(name);
      continue;
    }
    const skew = parsed.data;
    features.push({
      name,
      compared: Math.round(skew.compared),
      mismatches: skew.mismatches === undefined ? null : Math.round(skew.mismatches),
      mismatchRate: skew.mismatchRate,
      meanAbsDiff: skew.meanAbsDiff,
      maxAbsDiff: skew.maxAbsDiff,
      flagged: skew.flagged ?? skew.mismatchRate > threshold,
      registered: registeredNames ? registeredNames.has(name) : null,
    });
  }
  features.sort((a, b) => Number(b.flagged) - Number(a.flagged) || b.mismatchRate - a.mismatchRate || a.name.localeCompare(b.name));
  return { features, unreadable: unreadable.sort() };
}

export async function getSkewReport(db: Database, input: SkewReportGetInput): Promise<SkewReportView | null> {
  const [report, reportCount, definitions] = await Promise.all([
    input.id ? db.skewReport.findUnique({ where: { id: input.id } }) : db.skewReport.findFirst({ orderBy: [{ createdAt: "desc" }, { id: "desc" }] }),
    db.skewReport.count(),
    db.featureDefinition.findMany({ select: { name: true } }),
  ]);
  if (!report) return null;
  const registered = definitions.length > 0 ? new Set(definitions.map((definition) => definition.name)) : null;
  const { features, unreadable } = parseSkewFeatures(report.features, report.threshold, registered);
  return {
    id: report.id,
    createdAt: report.createdAt,
    windowStart: report.windowStart,
    windowEnd: report.windowEnd,
    sampleSize: report.sampleSize,
    threshold: report.threshold,
    flagged: report.flagged,
    features,
    unreadableFeatures: unreadable,
    reportCount,
  };
}

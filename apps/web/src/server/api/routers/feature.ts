// The feature registry and its training/serving skew reports.
import { featureListQuerySchema } from "../../../lib/feature-list-query.ts";
import { featureListSchema, listFeatures } from "../../services/feature.ts";
import { getSkewReport, skewReportGetInputSchema, skewReportSchema } from "../../services/skew-report.ts";
import { createTRPCRouter, protectedProcedure } from "../trpc.ts";

export const featureRouter = createTRPCRouter({
  list: protectedProcedure
    .input(featureListQuerySchema)
    .output(featureListSchema)
    .query(({ ctx, input }) => listFeatures(ctx.db, input)),

  /** A report by id, or the latest one; null when there is none. */
  skewReport: protectedProcedure
    .input(skewReportGetInputSchema)
    .output(skewReportSchema.nullable())
    .query(({ ctx, input }) => getSkewReport(ctx.db, input)),
});

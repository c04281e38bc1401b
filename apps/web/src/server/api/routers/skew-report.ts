import { getSkewReport, skewReportGetInputSchema, skewReportSchema } from "../../services/skew-report.ts";
import { createTRPCRouter, protectedProcedure } from "../trpc.ts";

export const skewReportRouter = createTRPCRouter({
  /** A report by id, or the latest one; null when there is none. */
  get: protectedProcedure
    .input(skewReportGetInputSchema)
    .output(skewReportSchema.nullable())
    .query(({ ctx, input }) => getSkewReport(ctx.db, input)),
});

import { getIngestRate, ingestRateInputSchema, ingestRateSchema } from "../../services/ingest-rate.ts";
import { createTRPCRouter, protectedProcedure } from "../trpc.ts";

export const ingestRateRouter = createTRPCRouter({
  get: protectedProcedure
    .input(ingestRateInputSchema)
    .output(ingestRateSchema)
    .query(({ ctx, input }) => getIngestRate(ctx.db, input)),
});

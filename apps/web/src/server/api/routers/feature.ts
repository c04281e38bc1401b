import { featureListQuerySchema } from "../../../lib/feature-list-query.ts";
import { featureListSchema, listFeatures } from "../../services/feature.ts";
import { createTRPCRouter, protectedProcedure } from "../trpc.ts";

export const featureRouter = createTRPCRouter({
  list: protectedProcedure
    .input(featureListQuerySchema)
    .output(featureListSchema)
    .query(({ ctx, input }) => listFeatures(ctx.db, input)),
});

import { z } from "zod";
import { getOverview, overviewSchema } from "../../services/overview.ts";
import { createTRPCRouter, protectedProcedure } from "../trpc.ts";

export const overviewRouter = createTRPCRouter({
  get: protectedProcedure
    .input(z.void())
    .output(overviewSchema)
    .query(({ ctx }) => getOverview(ctx.db)),
});

import { categoryListInputSchema, categoryListSchema, listCategories } from "../../services/category.ts";
import { createTRPCRouter, protectedProcedure } from "../trpc.ts";

export const categoryRouter = createTRPCRouter({
  list: protectedProcedure
    .input(categoryListInputSchema)
    .output(categoryListSchema)
    .query(({ ctx, input }) => listCategories(ctx.db, input)),
});

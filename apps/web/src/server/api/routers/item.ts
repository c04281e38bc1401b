// The catalogue: items (paged, filtered) and their categories with counts.
import { itemListQuerySchema } from "../../../lib/item-list-query.ts";
import { categoryListInputSchema, categoryListSchema, listCategories } from "../../services/category.ts";
import { itemPageSchema, listItems } from "../../services/item.ts";
import { createTRPCRouter, protectedProcedure } from "../trpc.ts";

export const itemRouter = createTRPCRouter({
  list: protectedProcedure
    .input(itemListQuerySchema)
    .output(itemPageSchema)
    .query(({ ctx, input }) => listItems(ctx.db, input)),

  categories: protectedProcedure
    .input(categoryListInputSchema)
    .output(categoryListSchema)
    .query(({ ctx, input }) => listCategories(ctx.db, input)),
});

import { itemListQuerySchema } from "../../../lib/item-list-query.ts";
import { itemPageSchema, listItems } from "../../services/item.ts";
import { createTRPCRouter, protectedProcedure } from "../trpc.ts";

export const itemRouter = createTRPCRouter({
  list: protectedProcedure
    .input(itemListQuerySchema)
    .output(itemPageSchema)
    .query(({ ctx, input }) => listItems(ctx.db, input)),
});

import { TRPCError } from "@trpc/server";
import {
  getRejectedEvent,
  rejectedEventDetailSchema,
  rejectedEventGetInputSchema,
  rejectedEventListInputSchema,
  rejectedEventListSchema,
  listRejectedEvents,
} from "../../services/rejected-event.ts";
import { createTRPCRouter, protectedProcedure } from "../trpc.ts";

export const rejectedEventRouter = createTRPCRouter({
  list: protectedProcedure
    .input(rejectedEventListInputSchema)
    .output(rejectedEventListSchema)
    .query(({ ctx, input }) => listRejectedEvents(ctx.db, input)),
  get: protectedProcedure
    .input(rejectedEventGetInputSchema)
    .output(rejectedEventDetailSchema)
    .query(async ({ ctx, input }) => {
      const detail = await getRejectedEvent(ctx.db, input);
      if (!detail) throw new TRPCError({ code: "NOT_FOUND", message: `No rejected event with id ${input.id}.` });
      return detail;
    }),
});

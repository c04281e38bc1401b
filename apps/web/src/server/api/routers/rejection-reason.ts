import {
  listRejectionReasons,
  rejectionReasonListInputSchema,
  rejectionReasonListSchema,
} from "../../services/rejection-reason.ts";
import { createTRPCRouter, protectedProcedure } from "../trpc.ts";

export const rejectionReasonRouter = createTRPCRouter({
  list: protectedProcedure
    .input(rejectionReasonListInputSchema)
    .output(rejectionReasonListSchema)
    .query(({ ctx, input }) => listRejectionReasons(ctx.db, input)),
});

// The event log: volume per day (Overview), received per bucket and type (Events), and its dead
// letters (`rejected_events`): grouped by field and reason, the latest ones, one with its payload.
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { eventVolumeSchema, listEventVolume } from "../../services/event-volume.ts";
import { getIngestRate, ingestRateInputSchema, ingestRateSchema } from "../../services/ingest-rate.ts";
import {
  getRejectedEvent,
  listRejectedEvents,
  rejectedEventDetailSchema,
  rejectedEventGetInputSchema,
  rejectedEventListInputSchema,
  rejectedEventListSchema,
} from "../../services/rejected-event.ts";
import { listRejectionReasons, rejectionReasonListInputSchema, rejectionReasonListSchema } from "../../services/rejection-reason.ts";
import { createTRPCRouter, protectedProcedure } from "../trpc.ts";

export const eventRouter = createTRPCRouter({
  volume: protectedProcedure
    .input(z.void())
    .output(eventVolumeSchema)
    .query(({ ctx }) => listEventVolume(ctx.db)),

  ingestRate: protectedProcedure
    .input(ingestRateInputSchema)
    .output(ingestRateSchema)
    .query(({ ctx, input }) => getIngestRate(ctx.db, input)),

  rejectionReasons: protectedProcedure
    .input(rejectionReasonListInputSchema)
    .output(rejectionReasonListSchema)
    .query(({ ctx, input }) => listRejectionReasons(ctx.db, input)),

  listRejected: protectedProcedure
    .input(rejectedEventListInputSchema)
    .output(rejectedEventListSchema)
    .query(({ ctx, input }) => listRejectedEvents(ctx.db, input)),

  getRejected: protectedProcedure
    .input(rejectedEventGetInputSchema)
    .output(rejectedEventDetailSchema)
    .query(async ({ ctx, input }) => {
      const detail = await getRejectedEvent(ctx.db, input);
      if (!detail) throw new TRPCError({ code: "NOT_FOUND", message: `No rejected event with id ${input.id}.` });
      return detail;
    }),
});

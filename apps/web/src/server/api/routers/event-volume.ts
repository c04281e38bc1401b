import { z } from "zod";
import { eventVolumeSchema, listEventVolume } from "../../services/event-volume.ts";
import { createTRPCRouter, protectedProcedure } from "../trpc.ts";

export const eventVolumeRouter = createTRPCRouter({
  list: protectedProcedure
    .input(z.void())
    .output(eventVolumeSchema)
    .query(({ ctx }) => listEventVolume(ctx.db)),
});

// The feed debugger: a user's feed on a surface with the engine's full funnel trace, optionally as
// of a past business time (`asOf`, refused when unparseable or more than a minute in the future).
import { feedPreviewInputSchema, feedPreviewResultSchema, previewFeed } from "../../services/feed-preview.ts";
import { createTRPCRouter, procedureFor } from "../trpc.ts";

export const feedRouter = createTRPCRouter({
  /** A query, not a mutation: it changes nothing (the engine logs no impressions for previews). */
  preview: procedureFor("feed.preview")
    .input(feedPreviewInputSchema)
    .output(feedPreviewResultSchema)
    .query(({ ctx, input }) => previewFeed(ctx.db, input)),
});

// The feed debugger: a user's feed on a surface with the engine's full funnel trace, optionally as
// of a past business time (`asOf`, refused when unparseable or more than a minute in the future).
import { FEED_DEBUGGER_ROLES } from "../../../lib/rules/rule-roles.ts";
import { feedPreviewInputSchema, feedPreviewResultSchema, previewFeed } from "../../services/feed-preview.ts";
import { createTRPCRouter, procedureForRoles } from "../trpc.ts";

export const feedPreviewRouter = createTRPCRouter({
  /** A query, not a mutation: it changes nothing (the engine logs no impressions for previews). */
  get: procedureForRoles(FEED_DEBUGGER_ROLES)
    .input(feedPreviewInputSchema)
    .output(feedPreviewResultSchema)
    .query(({ ctx, input }) => previewFeed(ctx.db, input)),
});

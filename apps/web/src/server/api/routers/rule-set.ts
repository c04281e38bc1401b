// Surface rule sets: list versions, read one, save a draft, publish, roll back (editors only;
// publishing NOTIFYs engines, which hot-reload the surface's config).
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import {
  discardDraft,
  getRuleSet,
  getRuleSetEditorState,
  listSurfaceRuleSets,
  publishRuleSet,
  rollbackToRuleSet,
  RuleSetChangeRefused,
  ruleSetChangeSchema,
  ruleSetEditorStateSchema,
  ruleSetVersionSchema,
  ruleSetWithConfigSchema,
  saveDraft,
  surfaceRuleSetsSchema,
} from "../../services/rule-set.ts";
import { createTRPCRouter, procedureFor, protectedProcedure } from "../trpc.ts";

const surfaceIdInput = z.string().min(1).max(64);
const noteInput = z.string().trim().max(500).default("");
/** The config is checked by the service with the SurfaceConfig schema, so its issues can name config paths. */
const configInput = z.unknown();

async function refusalAsTRPCError<T>(change: Promise<T>): Promise<T> {
  try {
    return await change;
  } catch (error) {
    if (error instanceof RuleSetChangeRefused) {
      throw new TRPCError({ code: error.reason === "not_found" ? "NOT_FOUND" : "BAD_REQUEST", message: error.message });
    }
    throw error;
  }
}

const ruleEditorProcedure = procedureFor("ruleSet.edit");
const actorOf = (user: { id: string }) => ({ type: "console_user", id: user.id });

export const ruleSetRouter = createTRPCRouter({
  list: protectedProcedure
    .input(z.void())
    .output(surfaceRuleSetsSchema)
    .query(({ ctx }) => listSurfaceRuleSets(ctx.db)),

  get: protectedProcedure
    .input(z.object({ id: z.string().min(1) }))
    .output(ruleSetWithConfigSchema)
    .query(({ ctx, input }) => refusalAsTRPCError(getRuleSet(ctx.db, input.id))),

  /** The surface's published version, its draft and the built-in default, for the editor. */
  editorState: protectedProcedure
    .input(z.object({ surfaceId: surfaceIdInput }))
    .output(ruleSetEditorStateSchema)
    .query(({ ctx, input }) => refusalAsTRPCError(getRuleSetEditorState(ctx.db, input.surfaceId))),

  saveDraft: ruleEditorProcedure
    .input(z.object({ surfaceId: surfaceIdInput, config: configInput, note: noteInput }))
    .output(ruleSetVersionSchema)
    .mutation(({ ctx, input }) =>
      refusalAsTRPCError(saveDraft(ctx.db, { surfaceId: input.surfaceId, config: input.config, note: input.note }, actorOf(ctx.user))),
    ),

  discardDraft: ruleEditorProcedure
    .input(z.object({ surfaceId: surfaceIdInput }))
    .output(z.object({ discarded: z.number().int() }))
    .mutation(({ ctx, input }) => discardDraft(ctx.db, input.surfaceId)),

  publish: ruleEditorProcedure
    .input(z.object({ surfaceId: surfaceIdInput, config: configInput, note: noteInput }))
    .output(ruleSetChangeSchema)
    .mutation(({ ctx, input }) =>
      refusalAsTRPCError(publishRuleSet(ctx.db, { surfaceId: input.surfaceId, config: input.config, note: input.note }, actorOf(ctx.user))),
    ),

  rollback: ruleEditorProcedure
    .input(z.object({ id: z.string().min(1), note: z.string().trim().max(500).optional() }))
    .output(ruleSetChangeSchema)
    .mutation(({ ctx, input }) => refusalAsTRPCError(rollbackToRuleSet(ctx.db, { ruleSetId: input.id, note: input.note }, actorOf(ctx.user)))),
});

// Model versions: the registry's list, what the engine currently serves, and promote / roll back
// (model editors only, see lib/permissions.ts; the registry notifies engines, which hot-swap).
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { engineTrainingSchema, fetchDeclarableFeatures, fetchEngineServedModels } from "../../engine/engine-models.ts";
import {
  declarableFeatureListSchema,
  listDeclarableFeatures,
  listModelVersionRows,
  ModelChangeRefused,
  modelChangeSchema,
  modelSlotSchema,
  modelVersionListSchema,
  promoteVersion,
  rollbackSlot,
} from "../../services/model-version.ts";
import { createTRPCRouter, procedureFor, protectedProcedure } from "../trpc.ts";

const servedModelSchema = z.object({
  id: z.string(),
  version: z.number().int().nullable(),
  name: z.string().nullable(),
  loadedAt: z.date().nullable(),
});

const servingSchema = z.discriminatedUnion("reachable", [
  z.object({
    reachable: z.literal(true),
    status: z.string().nullable(),
    reportsModels: z.boolean(),
    retrieval: servedModelSchema.nullable(),
    ranker: servedModelSchema.nullable(),
    itemToItem: servedModelSchema.nullable(),
    lastError: z.string().nullable(),
    training: engineTrainingSchema.nullable(),
    checkedAt: z.date(),
  }),
  z.object({ reachable: z.literal(false), message: z.string(), checkedAt: z.date() }),
]);
export type ModelServing = z.infer<typeof servingSchema>;

function served(model: { id: string; version?: number | null; name?: string | null; loadedAt?: Date | null } | null) {
  return model ? { id: model.id, version: model.version ?? null, name: model.name ?? null, loadedAt: model.loadedAt ?? null } : null;
}

async function refusalAsBadRequest<T>(change: Promise<T>): Promise<T> {
  try {
    return await change;
  } catch (error) {
    if (error instanceof ModelChangeRefused) {
      throw new TRPCError({ code: error.reason === "not_found" ? "NOT_FOUND" : "BAD_REQUEST", message: error.message });
    }
    throw error;
  }
}

export const modelRouter = createTRPCRouter({
  list: protectedProcedure
    .input(z.void())
    .output(modelVersionListSchema)
    .query(({ ctx }) => listModelVersionRows(ctx.db)),

  /** The engine's /v1/health view of loaded models; an unreachable engine is a value, not an error. */
  serving: protectedProcedure
    .input(z.void())
    .output(servingSchema)
    .query(async () => {
      const checkedAt = new Date();
      const result = await fetchEngineServedModels();
      if (!result.ok) return { reachable: false as const, message: result.message, checkedAt };
      const { status, reportsModels, retrieval, ranker, itemToItem, lastError, training } = result.data;
      return {
        reachable: true as const,
        status,
        reportsModels,
        retrieval: served(retrieval),
        ranker: served(ranker),
        itemToItem: served(itemToItem),
        lastError,
        training,
        checkedAt,
      };
    }),

  /** Input names an external ranker may declare (registry features + serving inputs). */
  declarableFeatures: protectedProcedure
    .input(z.void())
    .output(declarableFeatureListSchema)
    .query(({ ctx }) => listDeclarableFeatures(ctx.db, fetchDeclarableFeatures)),

  promote: procedureFor("model.promote")
    .input(z.object({ id: z.string().min(1) }))
    .output(modelChangeSchema)
    .mutation(({ ctx, input }) => refusalAsBadRequest(promoteVersion(ctx.db, input.id, { type: "console_user", id: ctx.user.id }))),

  rollback: procedureFor("model.rollback")
    .input(z.object({ slot: modelSlotSchema }))
    .output(modelChangeSchema)
    .mutation(({ ctx, input }) => refusalAsBadRequest(rollbackSlot(ctx.db, input.slot, { type: "console_user", id: ctx.user.id }))),
});

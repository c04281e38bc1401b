// A/B experiments: list, read, results (everyone signed in), and the changes — create, edit (a
// draft, or a running experiment, optionally starting a new phase), start, stop, stop a variant,
// ship a variant — for the roles of lib/permissions.ts (`experiment.edit`, `experiment.run`). The
// engine's admin API does the work; its refusals come back as values naming the fields.
import { z } from "zod";
import {
  createExperiment,
  experimentListInputSchema,
  experimentListResultSchema,
  experimentResults,
  experimentResultSchema,
  experimentResultsResultSchema,
  getExperiment,
  listExperiments,
  shipResultSchema,
  shipVariant,
  stopVariant,
  transitionExperiment,
  updateExperiment,
} from "../../services/experiment.ts";
import { experimentBaseline, experimentBaselineSchema } from "../../services/experiment-baseline.ts";
import { createTRPCRouter, procedureFor, protectedProcedure } from "../trpc.ts";
import { hasLoneSurrogate } from "../../../lib/storable-text.ts";

// Both go into the engine's URL paths: a lone surrogate cannot be percent-encoded (URIError), so it is refused here.
const pathText = z
  .string()
  .min(1)
  .max(64)
  .refine((value) => !hasLoneSurrogate(value), "Must be valid Unicode text (no lone surrogate).");
const idInput = pathText;
const variantKey = pathText;
/** The experiment config / patch is checked by the engine (core's schemas), so its issues name the experiment's own fields. */
const configInput = z.record(z.string(), z.unknown());

export const experimentRouter = createTRPCRouter({
  list: protectedProcedure
    .input(experimentListInputSchema)
    .output(experimentListResultSchema)
    .query(({ input }) => listExperiments(input)),

  get: protectedProcedure
    .input(z.object({ id: idInput }))
    .output(experimentResultSchema)
    .query(({ input }) => getExperiment(input.id)),

  /** `cuped: false` asks for the unadjusted per-user comparisons. */
  results: protectedProcedure
    .input(z.object({ id: idInput, cuped: z.boolean().default(true) }))
    .output(experimentResultsResultSchema)
    .query(({ input }) => experimentResults(input.id, input.cuped)),

  /** The power estimate's starting values: the surface's last 14 days of events (CTR, per-user means and deviations, daily users). */
  baseline: protectedProcedure
    .input(z.object({ surface: z.string().min(1).max(64) }))
    .output(experimentBaselineSchema)
    .query(({ ctx, input }) => experimentBaseline(ctx.db, input.surface)),

  create: procedureFor("experiment.edit")
    .input(z.object({ config: configInput }))
    .output(experimentResultSchema)
    .mutation(({ ctx, input }) => createExperiment(input.config, ctx.user)),

  /** Any field but the key; `update.newPhase: true` accepts a change that would bias a running experiment by starting a new phase. */
  update: procedureFor("experiment.edit")
    .input(z.object({ id: idInput, update: configInput }))
    .output(experimentResultSchema)
    .mutation(({ ctx, input }) => updateExperiment(input.id, input.update, ctx.user)),

  start: procedureFor("experiment.run")
    .input(z.object({ id: idInput }))
    .output(experimentResultSchema)
    .mutation(({ ctx, input }) => transitionExperiment(input.id, "start", ctx.user)),

  stop: procedureFor("experiment.run")
    .input(z.object({ id: idInput }))
    .output(experimentResultSchema)
    .mutation(({ ctx, input }) => transitionExperiment(input.id, "stop", ctx.user)),

  stopVariant: procedureFor("experiment.run")
    .input(z.object({ id: idInput, variant: variantKey, reason: z.string().trim().min(1, "Say why the variant is stopped").max(500) }))
    .output(experimentResultSchema)
    .mutation(({ ctx, input }) => stopVariant(input.id, input.variant, input.reason, ctx.user)),

  /** Publishes the variant's config as the surface's next rule-set version and stops the experiment. */
  ship: procedureFor("experiment.run")
    .input(z.object({ id: idInput, variant: variantKey }))
    .output(shipResultSchema)
    .mutation(({ ctx, input }) => shipVariant(input.id, input.variant, ctx.user)),
});

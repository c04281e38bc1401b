// Experiments: the console's calls to the engine's admin API (the lifecycle's one owner is
// @cascade/db's experiments.ts behind the engine; the console never writes experiment rows itself).
// Every call answers a value: the engine's data, or its refusal with the fields it named, so forms
// can show each issue next to its field and a 409 (a change that would bias a running experiment)
// can offer to start a new phase.
import "server-only";
import { experimentResultsResponse, experimentView, type ExperimentView } from "@cascade/core";
import { z } from "zod";
import { callEngineAdmin, type EngineResult } from "../engine/engine-client.ts";

export const engineRefusalSchema = z.object({
  ok: z.literal(false),
  /** HTTP status; null when the engine was not reached. 409: the change would bias a running experiment (or the status forbids it). */
  status: z.number().int().nullable(),
  code: z.string().nullable(),
  message: z.string(),
  /** Dotted paths as the engine names them (`variants.1.weight`, `rampUp.0.coverage`). */
  issues: z.array(z.object({ path: z.string(), message: z.string() })),
});
export type EngineRefusal = z.infer<typeof engineRefusalSchema>;

function answerSchema<T extends z.ZodRawShape>(shape: T) {
  return z.discriminatedUnion("ok", [z.object({ ok: z.literal(true), ...shape }), engineRefusalSchema]);
}

export const experimentListResultSchema = answerSchema({ experiments: z.array(experimentView) });
export const experimentResultSchema = answerSchema({ experiment: experimentView });
export const experimentResultsResultSchema = answerSchema({ results: experimentResultsResponse });
export const shipResultSchema = answerSchema({ experiment: experimentView, ruleSetVersion: z.number().int() });
export type ExperimentAnswer = z.infer<typeof experimentResultSchema>;
export type ExperimentResultsAnswer = z.infer<typeof experimentResultsResultSchema>;

export const experimentListInputSchema = z.object({
  surface: z.string().min(1).max(64).optional(),
  status: z.enum(["draft", "running", "stopped", "shipped"]).optional(),
});
export type ExperimentListInput = z.infer<typeof experimentListInputSchema>;

function refusal<T>(result: EngineResult<T>): EngineRefusal | null {
  if (result.ok) return null;
  const missing = result.status === 404 && result.code !== "not_found";
  return {
    ok: false,
    status: result.status,
    code: result.code,
    message: missing ? "This engine has no experiments admin API for this call; update the engine." : result.message,
    issues: result.issues,
  };
}

function experimentAnswer(result: EngineResult<ExperimentView>): ExperimentAnswer {
  return refusal(result) ?? { ok: true, experiment: (result as { data: ExperimentView }).data };
}

/** Whom the engine's audit log records: the console user's email (`x-cascade-actor`). */
export type Actor = { email: string };

export async function listExperiments(input: ExperimentListInput) {
  const result = await callEngineAdmin({ name: "GET /v1/admin/experiments" }, (admin, options) => admin.listExperiments(input, options));
  return refusal(result) ?? { ok: true as const, experiments: result.ok ? result.data.experiments : [] };
}

export async function getExperiment(id: string): Promise<ExperimentAnswer> {
  // The client has no single-experiment call; the list is short (experiments are few) and checked against the contract.
  const result = await callEngineAdmin({ name: "GET /v1/admin/experiments" }, (admin, options) => admin.listExperiments({}, options));
  if (!result.ok) return refusal(result)!;
  const found = result.data.experiments.find((experiment) => experiment.id === id || experiment.key === id);
  return found ? { ok: true, experiment: found } : { ok: false, status: 404, code: "not_found", message: `There is no experiment "${id}".`, issues: [] };
}

export async function experimentResults(id: string, cuped: boolean): Promise<ExperimentResultsAnswer> {
  // Results are computed from stored rows on request; a long-running experiment takes a while.
  const result = await callEngineAdmin({ name: "GET /v1/admin/experiments/{id}/results", timeoutMs: 30_000 }, (admin, options) =>
    admin.experimentResults(id, { ...options, cuped }),
  );
  return refusal(result) ?? { ok: true, results: (result as { data: z.infer<typeof experimentResultsResponse> }).data };
}

export async function createExperiment(config: unknown, actor: Actor): Promise<ExperimentAnswer> {
  return experimentAnswer(
    await callEngineAdmin({ name: "POST /v1/admin/experiments" }, (admin, options) =>
      // The engine validates the whole config (core's experimentConfigSchema and the references) and names each field it refuses.
      admin.createExperiment(config as Parameters<typeof admin.createExperiment>[0], { ...options, actor: actor.email }),
    ),
  );
}

export async function updateExperiment(id: string, update: unknown, actor: Actor): Promise<ExperimentAnswer> {
  return experimentAnswer(
    await callEngineAdmin({ name: "PATCH /v1/admin/experiments/{id}" }, (admin, options) =>
      admin.updateExperiment(id, update as Parameters<typeof admin.updateExperiment>[1], { ...options, actor: actor.email }),
    ),
  );
}

export async function transitionExperiment(id: string, verb: "start" | "stop", actor: Actor): Promise<ExperimentAnswer> {
  return experimentAnswer(
    await callEngineAdmin({ name: `POST /v1/admin/experiments/{id}/${verb}` }, (admin, options) =>
      verb === "start" ? admin.startExperiment(id, { ...options, actor: actor.email }) : admin.stopExperiment(id, { ...options, actor: actor.email }),
    ),
  );
}

export async function stopVariant(id: string, variant: string, reason: string, actor: Actor): Promise<ExperimentAnswer> {
  return experimentAnswer(
    await callEngineAdmin({ name: "POST /v1/admin/experiments/{id}/variants/{key}/stop" }, (admin, options) =>
      admin.stopVariant(id, variant, reason, { ...options, actor: actor.email }),
    ),
  );
}

export async function shipVariant(id: string, variant: string, actor: Actor): Promise<z.infer<typeof shipResultSchema>> {
  const result = await callEngineAdmin({ name: "POST /v1/admin/experiments/{id}/ship" }, (admin, options) =>
    admin.shipVariant(id, variant, { ...options, actor: actor.email }),
  );
  if (!result.ok) return refusal(result)!;
  return { ok: true, experiment: result.data.experiment, ruleSetVersion: result.data.ruleSetVersion };
}

// What the engine serves (from its /v1/health) and the external-ranker registration of its admin
// API, as typed calls over engine-client.ts (which goes through @cascade/client).
import "server-only";
import type { RegisterExternalRankerInput } from "@cascade/client";
import { z } from "zod";
import { callEngine, callEngineAdmin, type EngineResult } from "./engine-client.ts";

export const servedModelSchema = z.object({
  id: z.string(),
  version: z.number().int().nullable().optional(),
  name: z.string().nullable().optional(),
  loadedAt: z.coerce.date().nullable().optional(),
});
export type ServedModel = z.infer<typeof servedModelSchema>;

/** The first start's background training, as health reports it (lenient like the rest). */
export const engineTrainingSchema = z.object({
  state: z.string(),
  step: z.string().nullable().optional(),
  progress: z.number().nullable().optional(),
  stepEtaSeconds: z.number().nullable().optional(),
  detail: z.string().optional(),
});
export type EngineTraining = z.infer<typeof engineTrainingSchema>;

// Lenient on purpose: the console must keep showing registry state whatever else health grows, so
// it reads only these fields of the client's (unparsed) health answer.
const healthModelsSchema = z.object({
  status: z.string().optional(),
  training: engineTrainingSchema.optional().catch(undefined),
  models: z
    .object({
      retrieval: servedModelSchema.nullable().optional(),
      ranker: servedModelSchema.nullable().optional(),
      itemToItem: servedModelSchema.nullable().optional(),
      lastError: z
        .union([
          z.string(),
          z
            .object({ slot: z.string().optional(), version: z.number().optional(), message: z.string() })
            .transform((error) => `${error.slot ?? "model"}${error.version !== undefined ? ` v${error.version}` : ""}: ${error.message}`),
        ])
        .nullable()
        .optional(),
    })
    .optional(),
});

export type EngineServedModels = {
  /** The engine's overall health status (ok / degraded / down). */
  status: string | null;
  /** False when this engine version does not report models in its health yet. */
  reportsModels: boolean;
  retrieval: ServedModel | null;
  ranker: ServedModel | null;
  itemToItem: ServedModel | null;
  lastError: string | null;
  /** Null when this engine version does not report training. */
  training: EngineTraining | null;
};

export async function fetchEngineServedModels(): Promise<EngineResult<EngineServedModels>> {
  const result = await callEngine({ name: "GET /v1/health", timeoutMs: 5_000 }, (client, options) => client.health(options));
  if (!result.ok) return result;
  const parsed = healthModelsSchema.safeParse(result.data);
  if (!parsed.success) {
    console.error("engine /v1/health answered with an unexpected body:", parsed.error.issues);
    return {
      ok: false,
      status: null,
      code: "unexpected_response",
      field: null,
      issues: [],
      message: "The engine answered /v1/health in a shape this console does not understand (is it a different version?).",
    };
  }
  const models = parsed.data.models;
  return {
    ok: true,
    data: {
      status: parsed.data.status ?? null,
      reportsModels: models !== undefined,
      retrieval: models?.retrieval ?? null,
      ranker: models?.ranker ?? null,
      itemToItem: models?.itemToItem ?? null,
      lastError: models?.lastError ?? null,
      training: parsed.data.training ?? null,
    },
  };
}

export type RegisteredExternalRanker = { id: string; version: number };

export async function registerExternalRanker(input: RegisterExternalRankerInput, actor: string): Promise<EngineResult<RegisteredExternalRanker>> {
  // Validation loads the model in ONNX Runtime and runs it once; allow it time.
  const result = await callEngineAdmin({ name: "POST /v1/admin/models/external-rankers", timeoutMs: 60_000 }, (admin, options) =>
    admin.registerExternalRanker(input, { ...options, actor }),
  );
  return result.ok ? { ok: true, data: { id: result.data.model.id, version: result.data.model.version } } : result;
}

export type DeclarableFeature = { name: string; description: string };

/**
 * Names an external ranker may declare, as the engine that validates registrations sees them:
 * registry features plus the inputs the serving funnel supplies (position, retrieval_score).
 */
export async function fetchDeclarableFeatures(): Promise<EngineResult<DeclarableFeature[]>> {
  const result = await callEngineAdmin({ name: "GET /v1/admin/models", timeoutMs: 5_000 }, (admin, options) => admin.listModels({ status: "active" }, options));
  return result.ok ? { ok: true, data: result.data.availableFeatures } : result;
}

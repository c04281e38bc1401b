// What the engine serves (from its /v1/health) and the external-ranker registration of its admin
// API, as typed calls over engine-client.ts.
import "server-only";
import { z } from "zod";
import { type EngineResult, engineRequest } from "./engine-client.ts";

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

// Lenient on purpose: the console must keep showing registry state whatever else health grows.
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
          z.object({ slot: z.string().optional(), version: z.number().optional(), message: z.string() }).transform(
            (error) => `${error.slot ?? "model"}${error.version !== undefined ? ` v${error.version}` : ""}: ${error.message}`,
          ),
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
  const result = await engineRequest({ path: "/v1/health", acceptStatuses: [503], timeoutMs: 5_000 }, healthModelsSchema);
  if (!result.ok) return result;
  const models = result.data.models;
  return {
    ok: true,
    status: result.status,
    data: {
      status: result.data.status ?? null,
      reportsModels: models !== undefined,
      retrieval: models?.retrieval ?? null,
      ranker: models?.ranker ?? null,
      itemToItem: models?.itemToItem ?? null,
      lastError: models?.lastError ?? null,
      training: result.data.training ?? null,
    },
  };
}

export type ExternalRankerRegistration = {
  name: string;
  features: string[];
  outputs: string[];
  notes?: string;
  onnxBase64: string;
};

// The engine answers 201 with the registered version (bare or under `model`); only id/version are needed.
const registeredVersionSchema = z.object({ id: z.string(), version: z.number().int().optional() });
const registrationResponseSchema = z.union([
  z.object({ model: registeredVersionSchema }).transform((body) => body.model),
  registeredVersionSchema,
  z.object({ modelVersion: registeredVersionSchema }).transform((body) => body.modelVersion),
]);
export type RegisteredExternalRanker = z.infer<typeof registeredVersionSchema>;

export async function registerExternalRanker(input: ExternalRankerRegistration): Promise<EngineResult<RegisteredExternalRanker>> {
  // Validation loads the model in ONNX Runtime and runs it once; allow it time.
  return engineRequest(
    { method: "POST", path: "/v1/admin/models/external-rankers", body: input, authenticated: true, timeoutMs: 60_000 },
    registrationResponseSchema,
  );
}

export type DeclarableFeature = { name: string; description: string };

const listModelsSchema = z.object({
  availableFeatures: z.array(z.object({ name: z.string(), description: z.string().default("") })),
});

/**
 * Names an external ranker may declare, as the engine that validates registrations sees them:
 * registry features plus the inputs the serving funnel supplies (position, retrieval_score).
 */
export async function fetchDeclarableFeatures(): Promise<EngineResult<DeclarableFeature[]>> {
  const result = await engineRequest({ path: "/v1/admin/models?status=active", authenticated: true, timeoutMs: 5_000 }, listModelsSchema);
  return result.ok ? { ...result, data: result.data.availableFeatures } : result;
}

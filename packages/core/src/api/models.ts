// Model registry admin API (`/v1/admin/models…`, scope `admin`): list versions, promote, roll back,
// register an external ONNX ranker. Shared by the engine (validation), the console and the client.
import { z } from "zod";

export const modelKind = z.enum(["two_tower", "ranker", "external_ranker", "item_item"]);
export type ModelKindName = z.infer<typeof modelKind>;
export const modelStatus = z.enum(["candidate", "active", "retired"]);
export type ModelStatusName = z.infer<typeof modelStatus>;
/** Serving slots: "retrieval" holds a two_tower version, "ranker" a ranker or external_ranker, "itemToItem" an item_item version. */
export const modelSlot = z.enum(["retrieval", "ranker", "itemToItem"]);
export type ModelSlotName = z.infer<typeof modelSlot>;

export const modelVersionView = z.object({
  id: z.string(),
  kind: modelKind,
  version: z.number().int(),
  name: z.string(),
  status: modelStatus,
  artifactPath: z.string(),
  artifactDigest: z.string(),
  indexPath: z.string().nullable(),
  indexDigest: z.string().nullable(),
  buildDigest: z.string().nullable(),
  trainingWindowStart: z.string().nullable(),
  trainingWindowEnd: z.string().nullable(),
  features: z.array(z.string()),
  outputs: z.array(z.string()),
  config: z.unknown(),
  metrics: z.unknown(),
  notes: z.string(),
  createdAt: z.string(),
  promotedAt: z.string().nullable(),
  retiredAt: z.string().nullable(),
});
export type ModelVersionView = z.infer<typeof modelVersionView>;

/** What one engine has loaded for a slot (may lag the registry by a moment, or refuse a version). */
export const servingModel = z.object({
  id: z.string(),
  kind: z.string(),
  version: z.number().int(),
  name: z.string(),
  loadedAt: z.string(),
});
export type ServingModel = z.infer<typeof servingModel>;

export const modelLoadError = z.object({
  slot: modelSlot,
  modelId: z.string(),
  version: z.number().int(),
  message: z.string(),
  at: z.string(),
});

export const servingModels = z.object({
  retrieval: servingModel.nullable(),
  ranker: servingModel.nullable(),
  /** the item-to-item model the itemToItem source serves from (absent from engines older than the slot) */
  itemToItem: servingModel.nullable().optional(),
  /** the last version this engine refused to load (corrupt/incompatible), until the slot loads a newer one */
  lastError: modelLoadError.optional(),
});
export type ServingModels = z.infer<typeof servingModels>;

export const listModelsResponse = z.object({
  models: z.array(modelVersionView),
  /** what this engine serves right now */
  serving: servingModels,
  /** names an external ranker may declare as input features */
  availableFeatures: z.array(z.object({ name: z.string(), description: z.string() })),
});
export type ListModelsResponse = z.infer<typeof listModelsResponse>;

const declaredName = z
  .string()
  .min(1, "must not be empty")
  .max(128)
  .regex(/^[A-Za-z_][A-Za-z0-9_.:-]*$/, "must start with a letter or _ and contain only letters, digits and _ . : -");

export const registerExternalRankerRequest = z.object({
  name: z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters"),
  /** input columns in the order the model's [N, F] input expects them */
  features: z.array(declaredName).min(1, "declare at least one feature").max(1000),
  /** output names; each must exist in the model with one value per row */
  outputs: z.array(declaredName).min(1, "declare at least one output").max(32),
  notes: z.string().max(2000).optional(),
  /** the .onnx file, base64 */
  onnxBase64: z
    .string()
    .min(1, "must not be empty")
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, "must be base64"),
  /** make it the active ranker right away */
  promote: z.boolean().optional(),
});
export type RegisterExternalRankerRequest = z.infer<typeof registerExternalRankerRequest>;

export const registerExternalRankerResponse = z.object({
  model: modelVersionView,
  validation: z.object({
    inputName: z.string(),
    featureCount: z.number().int(),
    outputs: z.array(z.object({ name: z.string(), shape: z.array(z.union([z.number(), z.string()])) })),
    dryRunSample: z.record(z.string(), z.number()),
  }),
  promoted: z.boolean(),
});
export type RegisterExternalRankerResponse = z.infer<typeof registerExternalRankerResponse>;

export const promoteModelResponse = z.object({ promoted: modelVersionView, retired: modelVersionView.nullable(), serving: servingModels });
export type PromoteModelResponse = z.infer<typeof promoteModelResponse>;

export const rollbackModelRequest = z.object({ slot: modelSlot });
export type RollbackModelRequest = z.infer<typeof rollbackModelRequest>;

export const rollbackModelResponse = z.object({ restored: modelVersionView, retired: modelVersionView.nullable(), serving: servingModels });
export type RollbackModelResponse = z.infer<typeof rollbackModelResponse>;

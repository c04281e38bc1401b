// Model registry admin API (scope `admin`; the console calls it server-side with its own key).
//
//   GET  /v1/admin/models                      versions (newest first; ?slot= ?kind= ?status=), what
//                                              this engine serves, and the feature names an external
//                                              ranker may declare
//   POST /v1/admin/models/:id/promote          make a version the active one of its slot → {promoted, retired, serving}
//   POST /v1/admin/models/rollback {slot}      re-activate the slot's most recently retired version → {restored, retired, serving}
//   POST /v1/admin/models/external-rankers     {name, features, outputs, notes?, onnxBase64, promote?}
//                                              → 201 {model, validation, promoted}
//
// Errors: 400 `validation_failed` naming the field (`features`, `outputs`, `onnxBase64`, …) for a bad
// body or an ONNX file that does not meet the external-ranker contract; 404 `not_found` for an
// unknown id; 409 `no_previous_version` when a rollback has nothing to go back to; 413 when the
// upload exceeds `modelUploadLimitBytes`. After a promote/rollback this engine reloads at once
// (others follow via NOTIFY), and the response's `serving` shows what it now serves.
// Artifact paths (and absolute paths in a version's config) are answered relative to the data dir,
// or as a bare file name outside it: the API never reveals the server's directory layout.
// An `x-cascade-actor` header (e.g. the console user's email) is recorded in the audit log.
import {
  listModelsResponse,
  modelKind,
  modelSlot,
  modelStatus,
  promoteModelResponse,
  registerExternalRankerRequest,
  registerExternalRankerResponse,
  rollbackModelRequest,
  rollbackModelResponse,
  type ListModelsResponse,
  type ModelVersionView,
  type ServingModels,
} from "@cascade/core";
import { ModelRegistryError, listModelVersions, promoteModelVersion, rollbackModelSlot, type ModelVersion } from "@cascade/db";
import type { FastifyInstance } from "fastify";
import { basename, isAbsolute, relative, resolve, sep } from "node:path";
import { z } from "zod";
import { featureRegistry } from "../../features/registry.ts";
import { ExternalRankerError, SERVING_INPUTS } from "../../models/externalRanker.ts";
import { registerExternalRanker } from "../../models/registerExternalRanker.ts";
import { HttpError, validationFailed, issuesFromZod } from "../errors.ts";
import { parseInput } from "../../ingest/parseInput.ts";
import { declareRoute } from "../routeDeclaration.ts";
import { actorOf, idParams } from "./adminRequest.ts";
import type { RouteContext } from "../routeContext.ts";

export const DEFAULT_MODEL_UPLOAD_LIMIT_BYTES = 64 * 1024 * 1024;

const listQuery = z.object({ slot: modelSlot.optional(), kind: modelKind.optional(), status: modelStatus.optional() });

/**
 * A server path as a client may see it: relative to the data dir (`models/ranker/…/model.onnx`) when
 * the file is inside it, else the file's name alone. The API never reveals the server's layout.
 */
export function clientPath(path: string, dataDir: string | undefined): string {
  if (!isAbsolute(path)) return path;
  if (dataDir) {
    const inside = relative(resolve(dataDir), path);
    if (inside !== "" && !inside.startsWith("..") && !isAbsolute(inside)) return inside.split(sep).join("/");
  }
  return basename(path);
}

// A JSON string value that is an absolute POSIX path (as config fields such as `itemVectorsPath` hold them).
const ABSOLUTE_PATH = /^\/[^\0]*[^/]$/;

/** `clientPath` applied to every string in a JSON value that is an absolute path (e.g. `config.itemVectorsPath`). */
function withClientPaths(value: unknown, dataDir: string | undefined): unknown {
  if (typeof value === "string") return ABSOLUTE_PATH.test(value) && value.includes("/", 1) ? clientPath(value, dataDir) : value;
  if (Array.isArray(value)) return value.map((entry) => withClientPaths(entry, dataDir));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, withClientPaths(entry, dataDir)]));
  }
  return value;
}

export function modelVersionView(row: ModelVersion, dataDir?: string): ModelVersionView {
  const iso = (date: Date | null) => (date ? date.toISOString() : null);
  return {
    id: row.id,
    kind: row.kind,
    version: row.version,
    name: row.name,
    status: row.status,
    artifactPath: clientPath(row.artifactPath, dataDir),
    artifactDigest: row.artifactDigest,
    indexPath: row.indexPath === null ? null : clientPath(row.indexPath, dataDir),
    indexDigest: row.indexDigest,
    buildDigest: row.buildDigest,
    trainingWindowStart: iso(row.trainingWindowStart),
    trainingWindowEnd: iso(row.trainingWindowEnd),
    features: row.features,
    outputs: row.outputs,
    config: withClientPaths(row.config, dataDir) as ModelVersion["config"],
    metrics: row.metrics,
    notes: row.notes,
    createdAt: row.createdAt.toISOString(),
    promotedAt: iso(row.promotedAt),
    retiredAt: iso(row.retiredAt),
  };
}

/** Feature names an external ranker may declare (registry features, then serving inputs). */
export function declarableFeatures(): ListModelsResponse["availableFeatures"] {
  return [
    ...featureRegistry.features.map((feature) => ({ name: feature.name, description: feature.description })),
    ...Object.entries(SERVING_INPUTS).map(([name, description]) => ({ name, description })),
  ];
}

export function registerAdminModelRoutes(app: FastifyInstance, context: RouteContext): void {
  const { db } = context.deps;
  const view = (row: ModelVersion) => modelVersionView(row, context.deps.dataDir);

  const serving = (): ServingModels => {
    const status = context.deps.activeModels?.status();
    return {
      retrieval: status?.retrieval ?? null,
      ranker: status?.ranker ?? null,
      itemToItem: status?.itemToItem ?? null,
      ...(status?.lastError ? { lastError: status.lastError } : {}),
    };
  };
  /** This engine follows the change at once rather than at the next NOTIFY/poll. */
  const reload = async () => {
    await context.deps.activeModels?.refresh();
    return serving();
  };

  declareRoute(
    app,
    context.auth,
    {
      method: "get",
      path: "/v1/admin/models",
      operationId: "listModels",
      tag: "admin",
      summary: "Model versions (newest first), what this engine serves, and the features an external ranker may declare",
      scope: "admin",
      query: listQuery,
      responses: { 200: { description: "The registry", schema: listModelsResponse } },
      errors: [400, 401, 403, 503],
    },
    async (request) => {
      const parsed = listQuery.safeParse(request.query);
      if (!parsed.success) throw validationFailed(issuesFromZod(parsed.error));
      const rows = await listModelVersions(db, parsed.data);
      const body: ListModelsResponse = { models: rows.map(view), serving: serving(), availableFeatures: declarableFeatures() };
      return listModelsResponse.parse(body);
    },
  );

  declareRoute(
    app,
    context.auth,
    {
      method: "post",
      path: "/v1/admin/models/{id}/promote",
      operationId: "promoteModel",
      tag: "admin",
      summary: "Make a model version the active one of its slot",
      description: "This engine reloads at once; others follow within seconds. An `x-cascade-actor` header is recorded in the audit log.",
      scope: "admin",
      params: idParams,
      responses: { 200: { description: "Promoted; `serving` shows what this engine now serves", schema: promoteModelResponse } },
      errors: [400, 401, 403, 404, 409, 503],
    },
    async (request) => {
      const params = idParams.safeParse(request.params);
      if (!params.success) throw validationFailed(issuesFromZod(params.error, ["id"]));
      const result = await registryCall(() => promoteModelVersion(db, params.data.id, actorOf(request)));
      return { promoted: view(result.promoted), retired: result.retired ? view(result.retired) : null, serving: await reload() };
    },
  );

  declareRoute(
    app,
    context.auth,
    {
      method: "post",
      path: "/v1/admin/models/rollback",
      operationId: "rollbackModel",
      tag: "admin",
      summary: "Re-activate the slot's most recently retired version",
      scope: "admin",
      body: { schema: rollbackModelRequest, sendable: false, example: { slot: "ranker" } },
      responses: { 200: { description: "Rolled back", schema: rollbackModelResponse } },
      errors: [400, 401, 403, 409, 415, 503],
    },
    async (request) => {
      const { slot } = parseInput(rollbackModelRequest, request.body);
      const result = await registryCall(() => rollbackModelSlot(db, slot, actorOf(request)));
      return { restored: view(result.restored), retired: result.retired ? view(result.retired) : null, serving: await reload() };
    },
  );

  declareRoute(
    app,
    context.auth,
    {
      method: "post",
      path: "/v1/admin/models/external-rankers",
      operationId: "registerExternalRanker",
      tag: "admin",
      summary: "Register an externally trained ONNX ranker",
      description:
        "The ONNX file (base64) must take an [N, F] float input with the declared features in order and produce each declared output with one value per row; it is dry-run before it is stored. 400 names the field (`features`, `outputs`, `onnxBase64`, …) that breaks the contract.",
      scope: "admin",
      body: {
        schema: registerExternalRankerRequest,
        sendable: false,
        example: {
          name: "partner-ranker",
          features: ["item_ctr_3d", "item_trending_6h", "context_hour_of_day"],
          outputs: ["p_click"],
          onnxBase64: "CAcSB3B5dG9yY2g=",
          promote: false,
        },
      },
      responses: { 201: { description: "Stored (and promoted if asked)", schema: registerExternalRankerResponse } },
      errors: [400, 401, 403, 413, 415, 503],
    },
    async (request, reply) => {
      const body = parseInput(registerExternalRankerRequest, request.body);
      const dataDir = context.deps.dataDir;
      if (!dataDir) throw new HttpError(503, "dependency_unavailable", "this engine has no data directory for model artifacts");
      const onnxBytes = Buffer.from(body.onnxBase64, "base64");
      try {
        const result = await registerExternalRanker(db, {
          dataDir,
          name: body.name,
          features: body.features,
          outputs: body.outputs,
          ...(body.notes !== undefined ? { notes: body.notes } : {}),
          onnxBytes,
          promote: body.promote ?? false,
          actor: actorOf(request),
        });
        if (result.promotion) await reload();
        return reply.status(201).send({ model: view(result.version), validation: result.validation, promoted: result.promotion !== null });
      } catch (error) {
        if (error instanceof ExternalRankerError) {
          throw validationFailed([{ path: error.field === "onnx" ? "onnxBase64" : error.field, message: error.message }]);
        }
        throw error;
      }
    },
    { bodyLimit: context.deps.modelUploadLimitBytes ?? DEFAULT_MODEL_UPLOAD_LIMIT_BYTES },
  );
}

async function registryCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ModelRegistryError) {
      throw error.code === "not_found" ? new HttpError(404, "not_found", error.message) : new HttpError(409, error.code, error.message);
    }
    throw error;
  }
}

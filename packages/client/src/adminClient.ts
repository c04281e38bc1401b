// The engine's admin API (`/v1/admin/…`, a key with scope `admin`), as the Cascade console uses it:
// the model registry (list, promote, roll back, register an external ONNX ranker), A/B experiments
// (list, create, start, stop, ship) and the feed preview behind the feed debugger. Server-side only: an admin key must never reach a browser.
//
// Unlike the public calls, every answer is checked against its zod contract from @cascade/core, so
// an engine of another version fails loudly (`invalid_response`) instead of half-rendering. Only
// the GET is retried; promote, roll back and register change the registry, and a feed preview at a
// new `asOf` builds a replay, so each of those is sent once.
import {
  experimentResultsResponse,
  experimentView,
  feedPreviewResponse,
  listExperimentsResponse,
  listModelsResponse,
  promoteModelResponse,
  registerExternalRankerResponse,
  rollbackModelResponse,
  shipVariantResponse,
} from "@cascade/core";
import type {
  ExperimentConfigInput,
  ExperimentResultsResponse,
  ExperimentUpdateInput,
  ExperimentView,
  FeedPreviewResponse,
  feedPreviewRequest,
  ListModelsResponse,
  ModelKindName,
  ModelSlotName,
  ModelStatusName,
  PromoteModelResponse,
  registerExternalRankerRequest,
  RegisterExternalRankerResponse,
  RollbackModelResponse,
} from "@cascade/core";
import type { z } from "zod";
import { type CallOptions, createTransport, type TransportOptions } from "./transport.ts";

export type CascadeAdminClientOptions = TransportOptions & { apiKey: string };

export type ListExperimentsQuery = { surface?: string; status?: ExperimentView["status"] };
export type ListModelsQuery = { slot?: ModelSlotName; kind?: ModelKindName; status?: ModelStatusName };
export type RegisterExternalRankerInput = z.input<typeof registerExternalRankerRequest>;
export type FeedPreviewInput = z.input<typeof feedPreviewRequest>;
/** Who asked, recorded in the engine's audit log (`x-cascade-actor`), e.g. the console user's email. */
export type AdminCallOptions = CallOptions & { actor?: string };

export type CascadeAdminClient = {
  /** Versions (newest first), what this engine serves, and the names an external ranker may declare. */
  listModels(query?: ListModelsQuery, options?: CallOptions): Promise<ListModelsResponse>;
  promoteModel(id: string, options?: AdminCallOptions): Promise<PromoteModelResponse>;
  /** Re-activates the slot's most recently retired version (409 `no_previous_version` when none). */
  rollbackModel(slot: ModelSlotName, options?: AdminCallOptions): Promise<RollbackModelResponse>;
  /** The engine loads the model and runs it once before answering (allow it time: `timeoutMs`). */
  registerExternalRanker(request: RegisterExternalRankerInput, options?: AdminCallOptions): Promise<RegisterExternalRankerResponse>;
  listExperiments(query?: ListExperimentsQuery, options?: CallOptions): Promise<{ experiments: ExperimentView[] }>;
  /** A draft; 400 names each field the engine refuses (weights, surface, overrides). */
  createExperiment(experiment: ExperimentConfigInput, options?: AdminCallOptions): Promise<ExperimentView>;
  startExperiment(id: string, options?: AdminCallOptions): Promise<ExperimentView>;
  stopExperiment(id: string, options?: AdminCallOptions): Promise<ExperimentView>;
  /** Edits an experiment (any field but the key); a running one refuses biasing changes (409) unless `newPhase: true`. */
  updateExperiment(id: string, update: ExperimentUpdateInput, options?: AdminCallOptions): Promise<ExperimentView>;
  /** Stops one variant of a running experiment (its units get the control's config), with the reason for the audit log. */
  stopVariant(id: string, variant: string, reason: string, options?: AdminCallOptions): Promise<ExperimentView>;
  /** Publishes the variant's config as the surface's new rule set and stops the experiment. */
  shipVariant(id: string, variant: string, options?: AdminCallOptions): Promise<{ experiment: ExperimentView; ruleSetVersion: number }>;
  /** Per-variant metrics, lifts against the control (CIs, p-values) and the sample-ratio check, computed from stored exposures and events. */
  experimentResults(id: string, options?: CallOptions & { cuped?: boolean }): Promise<ExperimentResultsResponse>;
  /** Recomputes the current phase's rollups from the exposure and event logs (events stored before their exposure), then the results. */
  rebuildExperimentResults(id: string, options?: AdminCallOptions): Promise<ExperimentResultsResponse>;
  /** A user's page with the full funnel trace (`trace` is left `unknown` by the contract). */
  feedPreview(request: FeedPreviewInput, options?: CallOptions): Promise<FeedPreviewResponse>;
};

function actorHeader(options: AdminCallOptions | undefined): Record<string, string> | undefined {
  return options?.actor ? { "x-cascade-actor": options.actor } : undefined;
}

function queryString(query: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, value);
  const text = params.toString();
  return text ? `?${text}` : "";
}

export function createCascadeAdminClient(options: CascadeAdminClientOptions): CascadeAdminClient {
  const send = createTransport(options);
  return {
    listModels: (query = {}, callOptions) =>
      send({ method: "GET", path: `/v1/admin/models${queryString(query)}`, idempotent: true, parse: (body) => listModelsResponse.parse(body) }, callOptions),
    promoteModel: (id, callOptions) =>
      send(
        {
          method: "POST",
          path: `/v1/admin/models/${encodeURIComponent(id)}/promote`,
          idempotent: false,
          headers: actorHeader(callOptions),
          parse: (body) => promoteModelResponse.parse(body),
        },
        callOptions,
      ),
    rollbackModel: (slot, callOptions) =>
      send(
        {
          method: "POST",
          path: "/v1/admin/models/rollback",
          body: { slot },
          idempotent: false,
          headers: actorHeader(callOptions),
          parse: (body) => rollbackModelResponse.parse(body),
        },
        callOptions,
      ),
    registerExternalRanker: (request, callOptions) =>
      send(
        {
          method: "POST",
          path: "/v1/admin/models/external-rankers",
          body: request,
          idempotent: false,
          headers: actorHeader(callOptions),
          parse: (body) => registerExternalRankerResponse.parse(body),
        },
        callOptions,
      ),
    listExperiments: (query = {}, callOptions) =>
      send(
        { method: "GET", path: `/v1/admin/experiments${queryString(query)}`, idempotent: true, parse: (body) => listExperimentsResponse.parse(body) },
        callOptions,
      ),
    createExperiment: (experiment, callOptions) =>
      send(
        {
          method: "POST",
          path: "/v1/admin/experiments",
          body: experiment,
          idempotent: false,
          headers: actorHeader(callOptions),
          parse: (body) => experimentView.parse(body),
        },
        callOptions,
      ),
    startExperiment: (id, callOptions) => send(experimentTransition(id, "start", callOptions), callOptions),
    stopExperiment: (id, callOptions) => send(experimentTransition(id, "stop", callOptions), callOptions),
    updateExperiment: (id, update, callOptions) =>
      send(
        {
          method: "PATCH",
          path: `/v1/admin/experiments/${encodeURIComponent(id)}`,
          body: update,
          idempotent: false,
          headers: actorHeader(callOptions),
          parse: (body) => experimentView.parse(body),
        },
        callOptions,
      ),
    stopVariant: (id, variant, reason, callOptions) =>
      send(
        {
          method: "POST",
          path: `/v1/admin/experiments/${encodeURIComponent(id)}/variants/${encodeURIComponent(variant)}/stop`,
          body: { reason },
          idempotent: false,
          headers: actorHeader(callOptions),
          parse: (body) => experimentView.parse(body),
        },
        callOptions,
      ),
    shipVariant: (id, variant, callOptions) =>
      send(
        {
          method: "POST",
          path: `/v1/admin/experiments/${encodeURIComponent(id)}/ship`,
          body: { variant },
          idempotent: false,
          headers: actorHeader(callOptions),
          parse: (body) => shipVariantResponse.parse(body),
        },
        callOptions,
      ),
    experimentResults: (id, callOptions) =>
      send(
        {
          method: "GET",
          path: `/v1/admin/experiments/${encodeURIComponent(id)}/results${callOptions?.cuped === false ? "?cuped=false" : ""}`,
          idempotent: true,
          parse: (body) => experimentResultsResponse.parse(body),
        },
        callOptions,
      ),
    rebuildExperimentResults: (id, callOptions) =>
      send(
        {
          method: "POST",
          path: `/v1/admin/experiments/${encodeURIComponent(id)}/results/rebuild`,
          idempotent: false,
          headers: actorHeader(callOptions),
          parse: (body) => experimentResultsResponse.parse(body),
        },
        callOptions,
      ),
    feedPreview: (request, callOptions) =>
      send({ method: "POST", path: "/v1/admin/feed-preview", body: request, idempotent: false, parse: (body) => feedPreviewResponse.parse(body) }, callOptions),
  };
}

function experimentTransition(id: string, verb: "start" | "stop", options: AdminCallOptions | undefined) {
  return {
    method: "POST" as const,
    path: `/v1/admin/experiments/${encodeURIComponent(id)}/${verb}`,
    idempotent: false,
    headers: actorHeader(options),
    parse: (body: unknown) => experimentView.parse(body),
  };
}

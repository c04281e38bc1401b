// The engine's admin API (`/v1/admin/…`, a key with scope `admin`), as the Cascade console uses it:
// the model registry (list, promote, roll back, register an external ONNX ranker) and the feed
// preview behind the feed debugger. Server-side only: an admin key must never reach a browser.
//
// Unlike the public calls, every answer is checked against its zod contract from @cascade/core, so
// an engine of another version fails loudly (`invalid_response`) instead of half-rendering. Only
// the GET is retried; promote, roll back and register change the registry, and a feed preview at a
// new `asOf` builds a replay, so each of those is sent once.
import { feedPreviewResponse, listModelsResponse, promoteModelResponse, registerExternalRankerResponse, rollbackModelResponse } from "@cascade/core";
import type {
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
  /** A user's page with the full funnel trace (`trace` is left `unknown` by the contract). */
  feedPreview(request: FeedPreviewInput, options?: CallOptions): Promise<FeedPreviewResponse>;
};

function actorHeader(options: AdminCallOptions | undefined): Record<string, string> | undefined {
  return options?.actor ? { "x-cascade-actor": options.actor } : undefined;
}

function queryString(query: ListModelsQuery): string {
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
    feedPreview: (request, callOptions) =>
      send({ method: "POST", path: "/v1/admin/feed-preview", body: request, idempotent: false, parse: (body) => feedPreviewResponse.parse(body) }, callOptions),
  };
}

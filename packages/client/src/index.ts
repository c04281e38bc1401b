// Typed client for the Cascade engine API: `createCascadeClient({ baseUrl, apiKey })`; the admin API
// (model registry, feed preview) for server-side tools: `createCascadeAdminClient({ baseUrl, apiKey })`.
export { createCascadeClient, type CallOptions, type CascadeClient, type CascadeClientOptions } from "./cascadeClient.ts";
export {
  createCascadeAdminClient,
  type AdminCallOptions,
  type CascadeAdminClient,
  type CascadeAdminClientOptions,
  type FeedPreviewInput,
  type ListModelsQuery,
  type RegisterExternalRankerInput,
} from "./adminClient.ts";
export { CascadeApiError, type CascadeApiIssue } from "./cascadeApiError.ts";
export type * from "./types.ts";
// Client-side experiment assignment: the engine's own function (core's assignVariant, MurmurHash3
// x86_32 with the experiment's seed, variants in key order as the engine lists them), so a client
// can bucket users itself — e.g. for experiments outside the recommendation calls — and agree with
// every engine replica.
export { assignVariant, type Assignment, type ExperimentAssignmentSpec, type HoldoutSpec } from "@cascade/core";

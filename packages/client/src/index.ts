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

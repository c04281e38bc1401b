// Typed client for the Cascade engine API: `createCascadeClient({ baseUrl, apiKey })`.
export { createCascadeClient, type CallOptions, type CascadeClient, type CascadeClientOptions } from "./cascadeClient.ts";
export { CascadeApiError, type CascadeApiIssue } from "./cascadeApiError.ts";
export type * from "./types.ts";

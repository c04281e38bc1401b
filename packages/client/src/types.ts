// Request and response types of the engine API, inferred from the zod contracts in @cascade/core.
// Type-only imports: they vanish at compile time, so a client app ships neither zod nor the
// schemas. Requests use the contracts' input types (fields with server defaults are optional),
// responses their output types.
import type {
  eventInput,
  followInput,
  HealthResponse,
  IngestEventsResponse,
  itemInput,
  recommendationsRequest,
  rerankRequest,
  RerankResponse,
  RecommendationsResponse,
  RecommendedItem,
  UpsertResponse,
  userInput,
} from "@cascade/core";
import type { z } from "zod";

export type RecommendRequest = z.input<typeof recommendationsRequest>;
export type RerankRequest = z.input<typeof rerankRequest>;
export type { HealthResponse, IngestEventsResponse, RecommendationsResponse, RecommendedItem, RerankResponse, UpsertResponse };
export type EventToSend = z.input<typeof eventInput>;
export type ItemToUpsert = z.input<typeof itemInput>;
export type UserToUpsert = z.input<typeof userInput>;
export type FollowToUpsert = z.input<typeof followInput>;

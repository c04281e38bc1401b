// A typed client for the Cascade engine API. Uses the platform's fetch (Node 18+, browsers, edge
// runtimes) or one passed in; no runtime dependencies (answers are typed, not parsed). The admin API
// is a separate client, createCascadeAdminClient in adminClient.ts, which parses with the zod contracts.
//
// Retries: only idempotent calls are retried — the PUT upserts (a re-sent batch changes nothing),
// POST /v1/events (idempotent by `eventId`; a retried batch may answer `duplicate` for events the
// lost first attempt accepted) and health — and only when no answer came (timeout, connection
// error) or the answer was 429/502/503/504. Recommendations are not retried: each answer has its
// own requestId that events are attributed to, and a caller with a latency budget should fall
// back rather than wait twice. Client mistakes (4xx) are never retried.
import { type CallOptions, createTransport, type TransportOptions } from "./transport.ts";
import type {
  EventToSend,
  FollowToUpsert,
  HealthResponse,
  IngestEventsResponse,
  ItemToUpsert,
  RecommendationsResponse,
  RecommendRequest,
  RerankRequest,
  RerankResponse,
  UpsertResponse,
  UserToUpsert,
} from "./types.ts";

export type CascadeClientOptions = TransportOptions;
export type { CallOptions };

export type CascadeClient = {
  recommend(request: RecommendRequest, options?: CallOptions): Promise<RecommendationsResponse>;
  /** Ranks client-supplied candidates through the same features, ranker and rules; never retried. */
  rerank(request: RerankRequest, options?: CallOptions): Promise<RerankResponse>;
  sendEvents(events: EventToSend[], options?: CallOptions): Promise<IngestEventsResponse>;
  upsertItems(items: ItemToUpsert[], options?: CallOptions): Promise<UpsertResponse>;
  upsertUsers(users: UserToUpsert[], options?: CallOptions): Promise<UpsertResponse>;
  upsertFollows(follows: FollowToUpsert[], options?: CallOptions): Promise<UpsertResponse>;
  /** Resolves for "ok", "degraded" and "down" (503) alike: the body says which. */
  health(options?: CallOptions): Promise<HealthResponse>;
};

export function createCascadeClient(options: CascadeClientOptions): CascadeClient {
  const send = createTransport(options);

  return {
    recommend: (request, callOptions) => send({ method: "POST", path: "/v1/recommendations", body: request, idempotent: false }, callOptions),
    rerank: (request, callOptions) => send({ method: "POST", path: "/v1/rerank", body: request, idempotent: false }, callOptions),
    sendEvents: (events, callOptions) => send({ method: "POST", path: "/v1/events", body: { events }, idempotent: true }, callOptions),
    upsertItems: (items, callOptions) => send({ method: "PUT", path: "/v1/items", body: { items }, idempotent: true }, callOptions),
    upsertUsers: (users, callOptions) => send({ method: "PUT", path: "/v1/users", body: { users }, idempotent: true }, callOptions),
    upsertFollows: (follows, callOptions) => send({ method: "PUT", path: "/v1/follows", body: { follows }, idempotent: true }, callOptions),
    health: (callOptions) => send({ method: "GET", path: "/v1/health", idempotent: true, answerStatuses: [503] }, callOptions),
  };
}

// A typed client for the Cascade engine API. Uses the platform's fetch (Node 18+, browsers, edge
// runtimes) or one passed in; no runtime dependencies.
//
// Retries: only idempotent calls are retried — the PUT upserts (a re-sent batch changes nothing),
// POST /v1/events (idempotent by `eventId`; a retried batch may answer `duplicate` for events the
// lost first attempt accepted) and health — and only when no answer came (timeout, connection
// error) or the answer was 429/502/503/504. Recommendations are not retried: each answer has its
// own requestId that events are attributed to, and a caller with a latency budget should fall
// back rather than wait twice. Client mistakes (4xx) are never retried.
import { CascadeApiError, errorFromResponse } from "./cascadeApiError.ts";
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

export type CascadeClientOptions = {
  /** e.g. `https://engine.example.com` (paths such as `/v1/recommendations` are appended). */
  baseUrl: string;
  /** `csk_…` key; sent as `Authorization: Bearer`. Health works without one. */
  apiKey?: string;
  fetch?: typeof fetch;
  /** Per attempt; default 10 s. */
  timeoutMs?: number;
  /** Extra attempts for idempotent calls; default 2. */
  retries?: number;
  /** Wait before the first retry, doubled for each further one; default 100 ms. */
  retryDelayMs?: number;
};

export type CallOptions = { signal?: AbortSignal; timeoutMs?: number };

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

type Call = {
  method: "GET" | "POST" | "PUT";
  path: string;
  body?: unknown;
  idempotent: boolean;
  /** Error statuses whose body is still the answer (health's 503). */
  answerStatuses?: number[];
};

export function createCascadeClient(options: CascadeClientOptions): CascadeClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const retries = options.retries ?? 2;
  const retryDelayMs = options.retryDelayMs ?? 100;

  async function attempt<T>(call: Call, callOptions: CallOptions): Promise<T> {
    const timeout = AbortSignal.timeout(callOptions.timeoutMs ?? timeoutMs);
    const signal = callOptions.signal ? AbortSignal.any([callOptions.signal, timeout]) : timeout;
    const headers: Record<string, string> = { accept: "application/json" };
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
    if (call.body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    let text: string;
    try {
      response = await fetchImpl(`${baseUrl}${call.path}`, {
        method: call.method,
        headers,
        ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
        signal,
      });
      text = await response.text();
    } catch (error) {
      // The caller's own abort is theirs to handle: rethrow it unchanged.
      if (callOptions.signal?.aborted) throw callOptions.signal.reason;
      if (timeout.aborted) {
        throw new CascadeApiError({ status: 0, code: "timeout", message: `no answer from ${call.method} ${call.path} within ${callOptions.timeoutMs ?? timeoutMs} ms`, cause: error });
      }
      throw new CascadeApiError({ status: 0, code: "network_error", message: `${call.method} ${call.path} failed: ${(error as Error).message}`, cause: error });
    }
    const requestId = response.headers.get("x-request-id");
    if (!response.ok && !call.answerStatuses?.includes(response.status)) throw errorFromResponse(response.status, text, requestId);
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new CascadeApiError({ status: response.status, code: "invalid_response", message: "the engine's answer is not JSON", requestId, cause: error });
    }
  }

  async function send<T>(call: Call, callOptions: CallOptions = {}): Promise<T> {
    for (let attemptIndex = 0; ; attemptIndex++) {
      try {
        return await attempt<T>(call, callOptions);
      } catch (error) {
        const retryable = call.idempotent && error instanceof CascadeApiError && error.transient && attemptIndex < retries;
        if (!retryable || callOptions.signal?.aborted) throw error;
        await delay(retryDelayMs * 2 ** attemptIndex, callOptions.signal);
      }
    }
  }

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

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

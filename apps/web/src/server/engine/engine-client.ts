// The console's calls to the engine's HTTP API (ENGINE_URL) go through the public client,
// `@cascade/client`: `createCascadeClient` for health, `createCascadeAdminClient` (answers checked
// against the @cascade/core contracts) for the admin routes, with ENGINE_API_KEY, the admin-scoped
// key that `cascade start` hands the console. Every failure comes back as a value with a sentence a
// console user can act on (unreachable, key refused, the engine's own 4xx message); details for
// operators go to the server log.
import "server-only";
import { CascadeApiError, type CascadeAdminClient, type CascadeClient, createCascadeAdminClient, createCascadeClient } from "@cascade/client";
import { serverEnv } from "../../env.ts";
import { describeEngineError } from "./engine-error.ts";

const DEFAULT_TIMEOUT_MS = 10_000;

export type EngineFailure = {
  ok: false;
  /** HTTP status, or null when the engine could not be reached at all. */
  status: number | null;
  /** The engine's machine-readable code (`bad_request`, `invalid_model`…), when it sent one. */
  code: string | null;
  message: string;
  /** The request field the engine blamed, when it named one. */
  field: string | null;
  /** Every field the engine blamed (dotted paths such as `variants.1.weight`), for forms that show issues next to fields. */
  issues: { path: string; message: string }[];
};
export type EngineResult<T> = { ok: true; data: T } | EngineFailure;

type EngineCall = {
  /** What the call is, for the log and the "did not answer" sentence, e.g. `POST /v1/admin/feed-preview`. */
  name: string;
  timeoutMs?: number;
};

// The console asks again on its own schedule (polling, the user's retry), so the client never
// retries; Next must not cache engine answers.
const noStoreFetch: typeof fetch = (input, init) => fetch(input, { ...init, cache: "no-store" });

function clientOptions() {
  const { ENGINE_URL } = serverEnv();
  return { baseUrl: ENGINE_URL, fetch: noStoreFetch, retries: 0, timeoutMs: DEFAULT_TIMEOUT_MS };
}

/** One call to the engine's public API (no key: health); never throws. */
export function callEngine<T>(call: EngineCall, run: (client: CascadeClient, options: { timeoutMs: number }) => Promise<T>): Promise<EngineResult<T>> {
  return settle(call, () => run(createCascadeClient(clientOptions()), { timeoutMs: call.timeoutMs ?? DEFAULT_TIMEOUT_MS }));
}

/** One call to the engine's admin API with the console's key; never throws. */
export function callEngineAdmin<T>(call: EngineCall, run: (admin: CascadeAdminClient, options: { timeoutMs: number }) => Promise<T>): Promise<EngineResult<T>> {
  const { ENGINE_API_KEY } = serverEnv();
  if (!ENGINE_API_KEY) {
    return Promise.resolve(
      failure(null, "missing_api_key", "The console has no engine API key (ENGINE_API_KEY is not set), so it cannot call the engine's admin API."),
    );
  }
  return settle(call, () => run(createCascadeAdminClient({ ...clientOptions(), apiKey: ENGINE_API_KEY }), { timeoutMs: call.timeoutMs ?? DEFAULT_TIMEOUT_MS }));
}

async function settle<T>(call: EngineCall, run: () => Promise<T>): Promise<EngineResult<T>> {
  try {
    return { ok: true, data: await run() };
  } catch (error) {
    if (!(error instanceof CascadeApiError)) throw error;
    return describeClientError(call, error);
  }
}

function describeClientError(call: EngineCall, error: CascadeApiError): EngineFailure {
  const origin = new URL(serverEnv().ENGINE_URL).origin;
  if (error.status === 0) {
    console.error(`engine request ${call.name} failed:`, error.cause ?? error);
    const timedOut = error.code === "timeout";
    return failure(
      null,
      timedOut ? "timeout" : "unreachable",
      timedOut
        ? `The engine at ${origin} did not answer within ${Math.round((call.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)} s.`
        : `The engine at ${origin} is not reachable. Check that it is running (cascade start).`,
    );
  }
  if (error.code === "invalid_response") {
    console.error(`engine ${call.name} answered with an unexpected body:`, error.cause ?? error);
    return failure(
      error.status,
      "unexpected_response",
      `The engine answered ${call.name} in a shape this console does not understand (is it a different version?).`,
    );
  }
  // The client keeps a body that is not an engine error as `http_<status>` with the text as message.
  const body = error.code.startsWith("http_") ? null : { error: { code: error.code, message: error.message, issues: error.issues } };
  return { ...failure(error.status, ...describeEngineError(error.status, body)), issues: error.issues };
}

function failure(status: number | null, code: string | null, message: string, field: string | null = null): EngineFailure {
  return { ok: false, status, code, message, field, issues: [] };
}

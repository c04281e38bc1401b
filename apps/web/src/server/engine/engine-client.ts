// The console's server-side client for the engine's HTTP API (ENGINE_URL). Authenticated calls carry
// ENGINE_API_KEY, an admin-scoped key that `cascade start` hands the console. Every failure comes
// back as a value with a sentence a console user can act on (unreachable, key refused, the engine's
// own 4xx message); details for operators go to the server log.
import "server-only";
import type { z } from "zod";
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
};
export type EngineResult<T> = { ok: true; status: number; data: T } | EngineFailure;

type EngineRequest = {
  method?: "GET" | "POST";
  path: string;
  body?: unknown;
  /** Send the admin key (admin routes); health needs none. */
  authenticated?: boolean;
  timeoutMs?: number;
  /** Statuses whose JSON body is still a valid answer (health says 503 with a body when the database is down). */
  acceptStatuses?: readonly number[];
};

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** One request to the engine, parsed with `schema`; never throws. */
export async function engineRequest<T>(request: EngineRequest, schema: z.ZodType<T>): Promise<EngineResult<T>> {
  const { ENGINE_URL, ENGINE_API_KEY } = serverEnv();
  const url = new URL(request.path, ENGINE_URL);
  const headers: Record<string, string> = { accept: "application/json" };
  if (request.body !== undefined) headers["content-type"] = "application/json";
  if (request.authenticated) {
    if (!ENGINE_API_KEY) {
      return failure(null, "missing_api_key", "The console has no engine API key (ENGINE_API_KEY is not set), so it cannot call the engine's admin API.");
    }
    headers.authorization = `Bearer ${ENGINE_API_KEY}`;
  }

  let response: Response;
  try {
    response = await fetch(url, {
      method: request.method ?? "GET",
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: AbortSignal.timeout(request.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      cache: "no-store",
    });
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === "TimeoutError";
    console.error(`engine request ${request.method ?? "GET"} ${url.pathname} failed:`, error);
    return failure(
      null,
      timedOut ? "timeout" : "unreachable",
      timedOut
        ? `The engine at ${url.origin} did not answer within ${Math.round((request.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)} s.`
        : `The engine at ${url.origin} is not reachable. Check that it is running (cascade start).`,
    );
  }

  const body = await readJson(response);
  if (response.ok || request.acceptStatuses?.includes(response.status)) {
    const parsed = schema.safeParse(body);
    if (parsed.success) return { ok: true, status: response.status, data: parsed.data };
    console.error(`engine ${url.pathname} answered with an unexpected body:`, parsed.error.issues);
    return failure(response.status, "unexpected_response", `The engine answered ${url.pathname} in a shape this console does not understand (is it a different version?).`);
  }
  return failure(response.status, ...describeEngineError(response.status, body));
}

function failure(status: number | null, code: string | null, message: string, field: string | null = null): EngineFailure {
  return { ok: false, status, code, message, field };
}

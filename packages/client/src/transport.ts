// The HTTP plumbing every client call shares: the bearer key, a timeout per attempt, retries of
// idempotent calls on transient failures, and every failure as a CascadeApiError.
import { CascadeApiError, errorFromResponse } from "./cascadeApiError.ts";

export type TransportOptions = {
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

export type Call<T> = {
  method: "GET" | "POST" | "PUT" | "PATCH";
  path: string;
  body?: unknown;
  idempotent: boolean;
  /** Error statuses whose body is still the answer (health's 503). */
  answerStatuses?: number[];
  /** Extra request headers (e.g. `x-cascade-actor`). */
  headers?: Record<string, string>;
  /**
   * Checks the answer's shape (the admin calls parse with the @cascade/core contract) and returns
   * it; a throw becomes an `invalid_response` CascadeApiError. Without it the JSON is trusted.
   */
  parse?: (body: unknown) => T;
};

export type Send = <T>(call: Call<T>, callOptions?: CallOptions) => Promise<T>;

export function createTransport(options: TransportOptions): Send {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const retries = options.retries ?? 2;
  const retryDelayMs = options.retryDelayMs ?? 100;

  async function attempt<T>(call: Call<T>, callOptions: CallOptions): Promise<T> {
    const timeout = AbortSignal.timeout(callOptions.timeoutMs ?? timeoutMs);
    const signal = callOptions.signal ? AbortSignal.any([callOptions.signal, timeout]) : timeout;
    const headers: Record<string, string> = { accept: "application/json", ...call.headers };
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
        throw new CascadeApiError({
          status: 0,
          code: "timeout",
          message: `no answer from ${call.method} ${call.path} within ${callOptions.timeoutMs ?? timeoutMs} ms`,
          cause: error,
        });
      }
      throw new CascadeApiError({ status: 0, code: "network_error", message: `${call.method} ${call.path} failed: ${(error as Error).message}`, cause: error });
    }
    const requestId = response.headers.get("x-request-id");
    if (!response.ok && !call.answerStatuses?.includes(response.status)) throw errorFromResponse(response.status, text, requestId);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new CascadeApiError({ status: response.status, code: "invalid_response", message: "the engine's answer is not JSON", requestId, cause: error });
    }
    if (!call.parse) return body as T;
    try {
      return call.parse(body);
    } catch (error) {
      throw new CascadeApiError({
        status: response.status,
        code: "invalid_response",
        message: `the engine's answer to ${call.method} ${call.path} does not match the API contract (a different engine version?)`,
        requestId,
        cause: error,
      });
    }
  }

  return async function send<T>(call: Call<T>, callOptions: CallOptions = {}): Promise<T> {
    for (let attemptIndex = 0; ; attemptIndex++) {
      try {
        return await attempt<T>(call, callOptions);
      } catch (error) {
        const retryable = call.idempotent && error instanceof CascadeApiError && error.transient && attemptIndex < retries;
        if (!retryable || callOptions.signal?.aborted) throw error;
        await delay(retryDelayMs * 2 ** attemptIndex, callOptions.signal);
      }
    }
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

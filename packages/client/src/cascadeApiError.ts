// Every failure of a client call is a CascadeApiError: an error answer of the engine (4xx/5xx with
// its `{error: {code, message, issues}}` body), or no answer at all (status 0: `timeout`,
// `network_error`).
export type CascadeApiIssue = { path: string; message: string };

export class CascadeApiError extends Error {
  override readonly name = "CascadeApiError";
  /** HTTP status; 0 when no response arrived (timeout, connection refused…). */
  readonly status: number;
  /** The engine's error code (`validation_failed`, `unauthorized`, `dependency_unavailable`…), or `timeout` / `network_error`. */
  readonly code: string;
  /** Every offending field, as dotted paths (`items.3.category`). */
  readonly issues: CascadeApiIssue[];
  /** The engine's `x-request-id` for this request, to find it in the engine's log. */
  readonly requestId: string | null;

  constructor(init: { status: number; code: string; message: string; issues?: CascadeApiIssue[]; requestId?: string | null; cause?: unknown }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.issues = init.issues ?? [];
    this.requestId = init.requestId ?? null;
  }

  /** The first offending field (dotted path), if the engine named one. */
  get field(): string | null {
    return this.issues[0]?.path ?? null;
  }

  /** Worth retrying: no answer, or the engine (or a proxy) said "try again later". */
  get transient(): boolean {
    return this.status === 0 || this.status === 429 || this.status === 502 || this.status === 503 || this.status === 504;
  }
}

/** Builds the error for a non-2xx response from its body (JSON error shape or anything else). */
export function errorFromResponse(status: number, bodyText: string, requestId: string | null): CascadeApiError {
  const parsed = parseErrorBody(bodyText);
  if (parsed) return new CascadeApiError({ status, requestId, ...parsed });
  return new CascadeApiError({ status, requestId, code: `http_${status}`, message: bodyText.slice(0, 200) || `HTTP ${status}` });
}

// Checked by hand rather than with the core zod schema, so the client needs no zod at runtime.
function parseErrorBody(text: string): { code: string; message: string; issues: CascadeApiIssue[] } | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  const error = (body as { error?: unknown } | null)?.error as Record<string, unknown> | undefined;
  if (typeof error !== "object" || error === null || typeof error.code !== "string" || typeof error.message !== "string") return null;
  const issues = Array.isArray(error.issues)
    ? error.issues.filter(
        (issue): issue is CascadeApiIssue => typeof issue === "object" && issue !== null && typeof issue.path === "string" && typeof issue.message === "string",
      )
    : [];
  return { code: error.code, message: error.message, issues };
}

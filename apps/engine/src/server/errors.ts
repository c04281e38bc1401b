// Every error leaves the engine as JSON `{error: {code, message, issues?}}` (core `apiError`).
// Client mistakes (4xx) say exactly what is wrong, with dotted paths such as `items.3.category`;
// server-side failures say nothing about internals: a database or online-store outage is 503
// `dependency_unavailable` (retry later), anything else 500 `internal`, and the details go to the
// log under the request id (also sent back in the `x-request-id` header).
import type { ApiError } from "@cascade/core";
import { Prisma } from "@cascade/db";
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ZodError } from "zod";
import {
  BatchTooLargeError,
  describeIssues,
  dottedPath,
  IngestUnavailableError,
  InvalidInputError,
  issuesFromZod,
  type InputIssue,
} from "../ingest/inputErrors.ts";
import { OnlineStoreError } from "../stores/onlineStore.ts";
import { PageSessionStoreError } from "../serving/pageSessions.ts";
import { FunnelOverloadedError } from "./funnelAdmission.ts";

export type ApiIssue = InputIssue;
// The routes build issues with the same helpers as ingestion.
export { dottedPath, issuesFromZod };

export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly issues?: ApiIssue[],
  ) {
    super(message);
  }
}

export function validationFailed(issues: ApiIssue[]): HttpError {
  return new HttpError(400, "validation_failed", describeIssues(issues), issues);
}

export function unauthorized(message: string): HttpError {
  return new HttpError(401, "unauthorized", message);
}

export function forbidden(message: string): HttpError {
  return new HttpError(403, "forbidden", message);
}

export function payloadTooLarge(message: string): HttpError {
  return new HttpError(413, "payload_too_large", message);
}

export type ErrorResponse = { statusCode: number; body: ApiError; logLevel: "none" | "warn" | "error"; headers?: Record<string, string> };

const FASTIFY_BODY_ERRORS: Record<string, { statusCode: number; code: string; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { statusCode: 400, code: "invalid_json", message: "the body is not valid JSON" },
  FST_ERR_CTP_EMPTY_JSON_BODY: { statusCode: 400, code: "invalid_json", message: "the body is empty; send a JSON object" },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { statusCode: 415, code: "unsupported_media_type", message: "send the body as application/json" },
  FST_ERR_CTP_BODY_TOO_LARGE: { statusCode: 413, code: "payload_too_large", message: "the body is larger than this server accepts" },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { statusCode: 400, code: "bad_request", message: "the body size does not match Content-Length" },
};

/** Pure mapping from anything thrown to the HTTP answer (unit-tested without a server). */
export function toErrorResponse(error: unknown): ErrorResponse {
  if (error instanceof HttpError) {
    return respond(error.statusCode, error.code, error.message, error.issues);
  }
  // Load shedding (server/funnelAdmission.ts): fast, explicit, with when to come back.
  if (error instanceof FunnelOverloadedError) {
    return { ...respond(503, "overloaded", error.message), headers: { "retry-after": String(error.retryAfterSeconds) } };
  }
  // Ingestion's domain errors (ingest/inputErrors.ts), mapped here and nowhere else.
  if (error instanceof InvalidInputError) return respond(400, "validation_failed", error.message, error.issues);
  if (error instanceof BatchTooLargeError) return respond(413, "payload_too_large", error.message);
  if (error instanceof IngestUnavailableError) {
    return { ...respond(503, "dependency_unavailable", "a backing service is unavailable; retry later"), logLevel: "warn" };
  }
  if (error instanceof ZodError) {
    const issues = issuesFromZod(error);
    return respond(400, "validation_failed", describeIssues(issues), issues);
  }
  const fastifyCode = (error as Partial<FastifyError> | null)?.code;
  const bodyError = fastifyCode ? FASTIFY_BODY_ERRORS[fastifyCode] : undefined;
  if (bodyError) return respond(bodyError.statusCode, bodyError.code, bodyError.message);
  if (isUnstorableText(error)) return respond(400, "validation_failed", "the request holds text that cannot be stored (a NUL character, U+0000)");
  if (isDependencyFailure(error)) {
    return { ...respond(503, "dependency_unavailable", "a backing service is unavailable; retry later"), logLevel: "warn" };
  }
  // Other errors Fastify raises for bad requests (malformed URL, header…) carry a 4xx status and a
  // message written for clients.
  const statusCode = (error as Partial<FastifyError> | null)?.statusCode;
  if (fastifyCode?.startsWith("FST_") && statusCode !== undefined && statusCode >= 400 && statusCode < 500) {
    return respond(statusCode, "bad_request", (error as Error).message);
  }
  return { ...respond(500, "internal", "internal error"), logLevel: "error" };
}

function respond(statusCode: number, code: string, message: string, issues?: ApiIssue[]): ErrorResponse {
  return { statusCode, body: { error: { code, message, ...(issues ? { issues } : {}) } }, logLevel: "none" };
}

// Failures of PostgreSQL that mean "unavailable, try again", as opposed to a bug in a query.
const UNAVAILABLE_PRISMA_CODES = new Set([
  "P1001", // can't reach database server
  "P1002", // database server timed out
  "P1008", // operation timed out
  "P1017", // server closed the connection
  "P2024", // timed out fetching a connection from the pool
  "P2028", // transaction API error (e.g. transaction expired under load)
  "P2034", // write conflict or deadlock
]);
const UNAVAILABLE_DRIVER_KINDS = new Set([
  "DatabaseNotReachable",
  "DatabaseDoesNotExist",
  "DatabaseAccessDenied",
  "AuthenticationFailed",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
  "TlsConnectionError",
  "TransactionWriteConflict",
]);
// SQLSTATE classes: 08 connection exception, 40 transaction rollback (serialization, deadlock),
// 53 insufficient resources, 57 operator intervention (shutdown, statement timeout).
const UNAVAILABLE_SQLSTATE_CLASSES = new Set(["08", "40", "53", "57"]);
const SOCKET_ERROR_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EPIPE", "EHOSTUNREACH"]);
const POOL_ERROR_MESSAGE = /connection terminated|timeout exceeded when trying to connect|connection error/i;

// PostgreSQL refuses NUL (U+0000) in text (22021) and in jsonb (22P05): the text always comes from
// the request, so it is the client's mistake wherever a route let it through to a query.
const UNSTORABLE_TEXT_SQLSTATES = new Set(["22021", "22P05"]);

/** True when PostgreSQL refused a value's text itself (a NUL), through Prisma or its driver adapter. */
export function isUnstorableText(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth += 1) {
    const driverError =
      current instanceof Prisma.PrismaClientKnownRequestError ? current.meta?.driverAdapterError : current.name === "DriverAdapterError" ? current : null;
    const originalCode = (driverError as { cause?: { originalCode?: unknown } } | null | undefined)?.cause?.originalCode;
    if (typeof originalCode === "string" && UNSTORABLE_TEXT_SQLSTATES.has(originalCode)) return true;
  }
  return false;
}

/** True when the error means PostgreSQL or the online store is unreachable, overloaded or timed out. */
export function isDependencyFailure(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth += 1) {
    if (current instanceof OnlineStoreError || current instanceof PageSessionStoreError || current instanceof Prisma.PrismaClientInitializationError)
      return true;
    if (current instanceof Prisma.PrismaClientKnownRequestError) {
      if (UNAVAILABLE_PRISMA_CODES.has(current.code)) return true;
      if (isUnavailableDriverCause(current.meta?.driverAdapterError)) return true;
    }
    if (current instanceof Prisma.PrismaClientUnknownRequestError && POOL_ERROR_MESSAGE.test(current.message)) return true;
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && SOCKET_ERROR_CODES.has(code)) return true;
  }
  return false;
}

function isUnavailableDriverCause(driverAdapterError: unknown): boolean {
  const cause = (driverAdapterError as { cause?: { kind?: unknown; originalCode?: unknown } } | undefined)?.cause;
  if (!cause) return false;
  if (typeof cause.kind === "string" && UNAVAILABLE_DRIVER_KINDS.has(cause.kind)) return true;
  return typeof cause.originalCode === "string" && UNAVAILABLE_SQLSTATE_CLASSES.has(cause.originalCode.slice(0, 2));
}

/**
 * Fastify's `frameworkErrors`: errors it raises before routing (a malformed percent-encoding in the
 * URL, a too-long parameter), which otherwise bypass the error handler with Fastify's own body.
 */
export function sendFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const response = toErrorResponse(error);
  void reply.status(response.statusCode).send(response.body);
}

/**
 * Fastify's `clientErrorHandler`: an HTTP request Node's parser refuses (bad header line, header
 * too large, request timeout) is answered on the socket, in the documented shape.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const [statusCode, code, message] =
    error.code === "ERR_HTTP_REQUEST_TIMEOUT"
      ? [408, "request_timeout", "the request took too long to arrive"]
      : error.code === "HPE_HEADER_OVERFLOW"
        ? [431, "headers_too_large", "the request headers are larger than this server accepts"]
        : [400, "bad_request", "the request is not valid HTTP"];
  const body = JSON.stringify({ error: { code, message } } satisfies ApiError);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode]}\r\n` +
        `Connection: close\r\nContent-Type: application/json; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const response = toErrorResponse(error);
    if (response.logLevel === "error") request.log.error({ err: error }, "request failed");
    else if (response.logLevel === "warn") request.log.warn({ err: error }, "dependency unavailable");
    if (response.headers) void reply.headers(response.headers);
    return reply.status(response.statusCode).send(response.body);
  });

  app.setNotFoundHandler((request, reply) => {
    const body: ApiError = { error: { code: "not_found", message: `no route ${request.method} ${request.url.split("?")[0]!.slice(0, 200)}` } };
    return reply.status(404).send(body);
  });
}

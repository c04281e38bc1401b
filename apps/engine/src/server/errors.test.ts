import { Prisma } from "@cascade/db";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { BatchTooLargeError, IngestUnavailableError, InvalidInputError } from "../ingest/inputErrors.ts";
import { OnlineStoreError } from "../stores/onlineStore.ts";
import { dottedPath, HttpError, isDependencyFailure, toErrorResponse, validationFailed } from "./errors.ts";

function fastifyError(code: string, statusCode: number, message = "fastify says"): Error {
  return Object.assign(new Error(message), { code, statusCode });
}

function prismaKnownError(code: string, driverCause?: Record<string, unknown>) {
  return new Prisma.PrismaClientKnownRequestError("Invalid `prisma.$queryRaw()` invocation: secret internals", {
    code,
    clientVersion: "6.19.3",
    meta: driverCause ? { driverAdapterError: { cause: driverCause } } : {},
  });
}

describe("dottedPath", () => {
  it("joins segments with dots and names the body itself", () => {
    expect(dottedPath(["items", 3, "category"])).toBe("items.3.category");
    expect(dottedPath([])).toBe("body");
  });
});

describe("toErrorResponse", () => {
  it("passes HttpErrors through with their issues", () => {
    const response = toErrorResponse(validationFailed([{ path: "follows.2.creatorId", message: "unknown creator" }]));
    expect(response.statusCode).toBe(400);
    expect(response.body.error).toEqual({
      code: "validation_failed",
      message: "follows.2.creatorId: unknown creator",
      issues: [{ path: "follows.2.creatorId", message: "unknown creator" }],
    });
    expect(toErrorResponse(new HttpError(403, "forbidden", "no")).statusCode).toBe(403);
  });

  it("maps ingestion's domain errors: invalid input 400 with every issue, too large 413, unavailable 503 without details", () => {
    const issues = [
      { path: "items.1.category", message: "Required" },
      { path: "items.4.id", message: "too long" },
    ];
    const invalid = toErrorResponse(new InvalidInputError(issues));
    expect(invalid.statusCode).toBe(400);
    expect(invalid.body.error).toEqual({ code: "validation_failed", message: "items.1.category: Required (and 1 more problem)", issues });
    const tooLarge = toErrorResponse(new BatchTooLargeError("users: at most 1000 per request, got 1001; split the batch"));
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.body.error.code).toBe("payload_too_large");
    expect(tooLarge.body.error.message).toContain("split the batch");
    const unavailable = toErrorResponse(new IngestUnavailableError("event stream is unavailable", { cause: new Error("secret internals") }));
    expect(unavailable).toMatchObject({ statusCode: 503, logLevel: "warn", body: { error: { code: "dependency_unavailable" } } });
    expect(JSON.stringify(unavailable.body)).not.toContain("secret");
  });

  it("turns zod errors into 400 validation_failed with dotted paths", () => {
    const result = z.object({ items: z.array(z.object({ category: z.string() })) }).safeParse({ items: [{ category: 1 }] });
    const response = toErrorResponse(result.error);
    expect(response.statusCode).toBe(400);
    expect(response.body.error.code).toBe("validation_failed");
    expect(response.body.error.issues?.map((issue) => issue.path)).toEqual(["items.0.category"]);
  });

  it("maps Fastify's body errors", () => {
    expect(toErrorResponse(fastifyError("FST_ERR_CTP_INVALID_JSON_BODY", 400))).toMatchObject({ statusCode: 400, body: { error: { code: "invalid_json" } } });
    expect(toErrorResponse(fastifyError("FST_ERR_CTP_EMPTY_JSON_BODY", 400))).toMatchObject({ statusCode: 400, body: { error: { code: "invalid_json" } } });
    expect(toErrorResponse(fastifyError("FST_ERR_CTP_INVALID_MEDIA_TYPE", 415))).toMatchObject({ statusCode: 415 });
    expect(toErrorResponse(fastifyError("FST_ERR_CTP_BODY_TOO_LARGE", 413))).toMatchObject({
      statusCode: 413,
      body: { error: { code: "payload_too_large" } },
    });
    expect(toErrorResponse(fastifyError("FST_ERR_BAD_URL", 400, "'%' is not a valid url component"))).toMatchObject({
      statusCode: 400,
      body: { error: { code: "bad_request" } },
    });
  });

  it("answers 503 dependency_unavailable for outages, without internals", () => {
    for (const error of [
      new OnlineStoreError("Redis unavailable: connect ECONNREFUSED 10.0.0.7:6379"),
      prismaKnownError("P1001"),
      prismaKnownError("P2010", { kind: "DatabaseNotReachable", host: "10.0.0.5", port: 5432 }),
      prismaKnownError("P2010", { kind: "postgres", originalCode: "57P01" }),
      Object.assign(new Error("connect ECONNREFUSED 10.0.0.5:5432"), { code: "ECONNREFUSED" }),
    ]) {
      const response = toErrorResponse(error);
      expect(response.statusCode, error.message).toBe(503);
      expect(response.body).toEqual({ error: { code: "dependency_unavailable", message: expect.not.stringMatching(/10\.0\.0|ECONN|prisma/i) } });
      expect(response.logLevel).toBe("warn");
    }
  });

  it("answers 400 validation_failed when PostgreSQL refuses a NUL in text or jsonb (found by the hostile-input property test)", () => {
    const adapterError = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), {
      name: "DriverAdapterError",
      cause: { kind: "postgres", originalCode: "22021" },
    });
    for (const error of [
      prismaKnownError("P2010", { kind: "postgres", originalCode: "22021" }),
      prismaKnownError("P2010", { kind: "postgres", originalCode: "22P05" }),
      adapterError,
    ]) {
      const response = toErrorResponse(error);
      expect(response.statusCode, error.message).toBe(400);
      expect(response.body.error.code).toBe("validation_failed");
      expect(response.body.error.message).not.toMatch(/UTF8|prisma/i);
    }
  });

  it("answers 500 internal for anything else, leaking nothing", () => {
    for (const error of [
      new TypeError("cannot read properties of undefined (reading 'secret')"),
      prismaKnownError("P2010", { kind: "postgres", originalCode: "42703" }),
      "a string",
    ]) {
      const response = toErrorResponse(error);
      expect(response).toEqual({ statusCode: 500, body: { error: { code: "internal", message: "internal error" } }, logLevel: "error" });
    }
  });
});

describe("isDependencyFailure", () => {
  it("looks through error causes", () => {
    expect(isDependencyFailure(new Error("wrapped", { cause: new OnlineStoreError("down") }))).toBe(true);
    expect(isDependencyFailure(new Error("plain"))).toBe(false);
  });
});

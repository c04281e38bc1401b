// The generator on hand-made declarations; the document of the real routes is checked against
// the app in openApi.int.test.ts.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { RouteDeclaration } from "../routeDeclaration.ts";
import { BEARER_SCHEME, buildOpenApiDocument, ERROR_STATUSES } from "./openApiDocument.ts";

const createThing: RouteDeclaration = {
  method: "post",
  path: "/v1/things/{group}",
  operationId: "createThing",
  tag: "things",
  summary: "Create a thing",
  description: "Makes one.",
  scope: "ingest",
  params: z.object({ group: z.string() }),
  query: z.object({ dryRun: z.boolean().optional(), note: z.string().optional() }),
  body: { schema: z.object({ name: z.string(), count: z.number().int().max(9).default(3) }), example: { name: "a" }, sendable: false },
  responses: { 201: { description: "Created", schema: z.object({ id: z.string() }) } },
  errors: [400, 401, 403, 409],
};

const thingsText: RouteDeclaration = {
  method: "get",
  path: "/v1/things.txt",
  operationId: "thingsText",
  tag: "things",
  summary: "Things as text",
  scope: null,
  responses: { 200: { description: "Text", schema: z.string(), mediaType: "text/plain" } },
  errors: [],
};

const document = buildOpenApiDocument({ version: "9.9.9", routes: [thingsText, createThing] });
const create = document.paths?.["/v1/things/{group}"]?.post;
const text = document.paths?.["/v1/things.txt"]?.get;

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1 with the engine's version and a bearer security scheme", () => {
    expect(document.openapi).toBe("3.1.0");
    expect(document.info.version).toBe("9.9.9");
    expect(document.components?.securitySchemes?.[BEARER_SCHEME]).toMatchObject({ type: "http", scheme: "bearer" });
  });

  it("documents exactly the given routes, in their order", () => {
    expect(Object.keys(document.paths ?? {})).toEqual(["/v1/things.txt", "/v1/things/{group}"]);
    expect(create).toMatchObject({ operationId: "createThing", tags: ["things"], summary: "Create a thing", description: "Makes one." });
    expect(text?.description).toBeUndefined();
  });

  it("documents the request body as the contract's input, with its example", () => {
    const media = create?.requestBody && "content" in create.requestBody ? create.requestBody.content["application/json"] : undefined;
    expect(media?.example).toEqual({ name: "a" });
    expect(media?.schema).toMatchObject({ type: "object", required: ["name"], properties: { count: { default: 3, maximum: 9 } } });
  });

  it("requires the bearer key and names the scope of a scoped route, and lists its errors as ApiError", () => {
    expect(create?.security).toEqual([{ [BEARER_SCHEME]: [] }]);
    expect(create?.["x-required-scope"]).toBe("ingest");
    expect(Object.keys(create?.responses ?? {}).sort()).toEqual(["201", "400", "401", "403", "409", "429", "500"]);
    expect(create?.responses?.["409"]).toEqual({
      description: ERROR_STATUSES[409],
      content: { "application/json": { schema: { $ref: "#/components/schemas/ApiError" } } },
    });
    expect(document.components?.schemas?.ApiError).toMatchObject({ type: "object", required: ["error"] });
  });

  it("needs no key for an unscoped route, keeps its media type and adds only the 429 and the 500", () => {
    expect(text?.security).toEqual([]);
    expect(text?.["x-required-scope"]).toBeUndefined();
    expect(Object.keys(text?.responses ?? {})).toEqual(["200", "429", "500"]);
    expect(text?.responses?.["200"]).toMatchObject({ content: { "text/plain": { schema: { type: "string" } } } });
  });

  it("documents path and query parameters", () => {
    expect(create?.parameters).toEqual([
      expect.objectContaining({ in: "path", name: "group", required: true }),
      expect.objectContaining({ in: "query", name: "dryRun", required: false }),
      expect.objectContaining({ in: "query", name: "note", required: false }),
    ]);
    expect(text?.parameters).toBeUndefined();
  });
});

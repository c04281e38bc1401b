import { describe, expect, it } from "vitest";
import { DOCUMENTED_ROUTES } from "./documentedRoutes.ts";
import { BEARER_SCHEME, buildOpenApiDocument } from "./openApiDocument.ts";

const document = buildOpenApiDocument({ version: "9.9.9" });

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1 with the engine's version and a bearer security scheme", () => {
    expect(document.openapi).toBe("3.1.0");
    expect(document.info.version).toBe("9.9.9");
    expect(document.components?.securitySchemes?.[BEARER_SCHEME]).toMatchObject({ type: "http", scheme: "bearer" });
  });

  it.each(DOCUMENTED_ROUTES.filter((route) => route.body))("has an example for $method $path that satisfies its contract", (route) => {
    const result = route.body!.schema.safeParse(route.body!.example);
    expect(result.error?.issues ?? []).toEqual([]);
    const operation = document.paths?.[route.path]?.[route.method];
    const media = operation?.requestBody && "content" in operation.requestBody ? operation.requestBody.content["application/json"] : undefined;
    expect(media?.example).toEqual(route.body!.example);
    expect(media?.schema).toMatchObject({ type: "object" });
  });

  it.each(DOCUMENTED_ROUTES)("documents $method $path with its security, success and error answers", (route) => {
    const operation = document.paths?.[route.path]?.[route.method];
    expect(operation).toBeDefined();
    const statuses = Object.keys(operation!.responses ?? {});
    expect(statuses).toEqual(expect.arrayContaining(Object.keys(route.responses)));
    expect(statuses).toContain("500");
    if (route.scope) {
      expect(operation!.security).toEqual([{ [BEARER_SCHEME]: [] }]);
      expect(statuses).toEqual(expect.arrayContaining(["401", "403"]));
      expect(operation!.responses?.["401"]).toMatchObject({ content: { "application/json": { schema: { $ref: "#/components/schemas/ApiError" } } } });
    } else {
      expect(operation!.security).toEqual([]);
    }
  });

  it("documents request fields that have server defaults as optional", () => {
    const operation = document.paths?.["/v1/recommendations"]?.post;
    const schema = operation?.requestBody && "content" in operation.requestBody ? operation.requestBody.content["application/json"]?.schema : undefined;
    expect(schema).toMatchObject({ required: ["userId"], properties: { count: { default: 20, maximum: 200 } } });
  });

  it("documents a degraded response's causes in the recommendation responses", () => {
    for (const path of ["/v1/recommendations", "/v1/rerank"] as const) {
      const ok = document.paths?.[path]?.post?.responses?.["200"];
      const schema = ok && "content" in ok ? ok.content?.["application/json"]?.schema : undefined;
      expect(schema, path).toMatchObject({
        required: expect.arrayContaining(["degraded", "degradedCauses"]),
        properties: { degradedCauses: { type: "array", items: { type: "object", required: ["component", "reason"] } } },
      });
    }
  });

  it("documents path and query parameters", () => {
    const promote = document.paths?.["/v1/admin/models/{id}/promote"]?.post;
    expect(promote?.parameters).toEqual([expect.objectContaining({ in: "path", name: "id", required: true })]);
    const list = document.paths?.["/v1/admin/models"]?.get;
    expect((list?.parameters ?? []).map((parameter) => ("name" in parameter ? parameter.name : null))).toEqual(["slot", "kind", "status"]);
  });

  it("uses unique operation ids (client generators name methods after them)", () => {
    const ids = DOCUMENTED_ROUTES.map((route) => route.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

import { describe, expect, it } from "vitest";
import { describeEngineError } from "./engine-error.ts";

describe("describeEngineError", () => {
  it("passes a 4xx message through with its code and the first issue's path as the field", () => {
    const body = {
      error: {
        code: "validation_failed",
        message: "features: 4 declared, but the model takes 3 columns",
        issues: [{ path: "features", message: "4 declared, but the model takes 3 columns" }],
      },
    };
    expect(describeEngineError(400, body)).toEqual(["validation_failed", "features: 4 declared, but the model takes 3 columns", "features"]);
  });

  it("prefers an explicit field over the issues", () => {
    expect(describeEngineError(400, { error: { message: "bad", field: "onnxBase64", issues: [{ path: "name", message: "x" }] } })[2]).toBe("onnxBase64");
  });

  it("explains refused keys instead of echoing them", () => {
    expect(describeEngineError(401, { error: { code: "unauthorized", message: "unknown key" } })[1]).toContain("ENGINE_API_KEY");
    expect(describeEngineError(403, { error: { code: "forbidden", message: "scope" } })[1]).toContain("admin scope");
  });

  it("hides server failures and copes with bodies that are not engine errors", () => {
    const [, message] = describeEngineError(500, { error: { code: "internal", message: "internal error" } });
    expect(message).toContain("HTTP 500");
    expect(describeEngineError(404, "<html>")).toEqual([null, "The engine refused the request (HTTP 404).", null]);
  });
});

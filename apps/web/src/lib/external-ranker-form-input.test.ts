import { describe, expect, it } from "vitest";
import { externalRankerFieldsSchema, MAX_ONNX_BYTES, onnxFileProblem, parseNameList, unknownFeatures } from "./external-ranker-form-input.ts";

describe("parseNameList", () => {
  it("splits on commas and whitespace and keeps the order", () => {
    expect(parseNameList(" b, a,\nc ,, ")).toEqual(["b", "a", "c"]);
    expect(parseNameList("")).toEqual([]);
  });
});

describe("externalRankerFieldsSchema", () => {
  const valid = { name: " ranker ", features: "a, b", outputs: "p_click", notes: "" };

  it("parses lists and trims the name", () => {
    expect(externalRankerFieldsSchema.parse(valid)).toEqual({ name: "ranker", features: ["a", "b"], outputs: ["p_click"], notes: "" });
  });

  it("names the field and the problem", () => {
    const issues = (input: Partial<typeof valid>) =>
      externalRankerFieldsSchema.safeParse({ ...valid, ...input }).error?.issues.map((issue) => [issue.path[0], issue.message]);
    expect(issues({ name: " " })).toEqual([["name", "Give the model a name."]]);
    expect(issues({ features: "" })).toEqual([["features", "List at least one input feature."]]);
    expect(issues({ features: "a, b, a" })).toEqual([["features", "Listed twice: a."]]);
    expect(issues({ outputs: "1st" })?.[0]?.[0]).toBe("outputs");
  });
});

describe("unknownFeatures and onnxFileProblem", () => {
  it("lists declared names the registry lacks, in order", () => {
    expect(unknownFeatures(["x", "a", "y"], new Set(["a"]))).toEqual(["x", "y"]);
  });

  it("requires a non-empty .onnx file within the size limit", () => {
    expect(onnxFileProblem(null)).toBe("Choose an .onnx file.");
    expect(onnxFileProblem({ name: "m.onnx", size: 0 })).toBe("Choose an .onnx file.");
    expect(onnxFileProblem({ name: "m.pt", size: 10 })).toContain(".onnx");
    expect(onnxFileProblem({ name: "M.ONNX", size: 10 })).toBeNull();
    expect(onnxFileProblem({ name: "m.onnx", size: MAX_ONNX_BYTES + 1 })).toContain("KiB");
  });
});

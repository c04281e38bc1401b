import { describe, expect, it } from "vitest";
import { DEFAULT_FEATURE_LIST_QUERY, featureListHref, featureListQuerySchema, parseFeatureListQuery } from "./feature-list-query.ts";

function parse(search: string) {
  const params = new URLSearchParams(search);
  return parseFeatureListQuery((name) => params.get(name));
}

describe("feature list query in the URL", () => {
  it("reads the entity filter and the search", () => {
    expect(parse("entity=user_item&q=%20affinity%20")).toEqual({ entity: "user_item", q: "affinity" });
  });

  it("falls back to defaults for invalid values", () => {
    expect(parse("entity=users")).toEqual(DEFAULT_FEATURE_LIST_QUERY);
    expect(featureListQuerySchema.safeParse(parse("q=" + "x".repeat(500))).success).toBe(true);
  });

  it("round-trips and leaves defaults out of links", () => {
    const query = { entity: "item" as const, q: "ctr 3d" };
    expect(parse(featureListHref(query).split("?")[1] ?? "")).toEqual(query);
    expect(featureListHref(DEFAULT_FEATURE_LIST_QUERY)).toBe("/features");
  });
});

import { describe, expect, it } from "vitest";
import { loginPath, safeReturnPath } from "./login-path.ts";

describe("return path after sign-in", () => {
  it("keeps same-site paths with their query", () => {
    expect(safeReturnPath("/items?page=2&q=shoes")).toBe("/items?page=2&q=shoes");
  });

  it("refuses anything that could leave the site or loop", () => {
    for (const candidate of [null, undefined, "", "https://evil.example", "//evil.example", "/\\evil.example", "items", "/login", "/login?next=/x"]) {
      expect(safeReturnPath(candidate)).toBe("/");
    }
  });

  it("builds the login URL, with the return path only when there is one", () => {
    expect(loginPath("/items?page=2")).toBe("/login?next=%2Fitems%3Fpage%3D2");
    expect(loginPath("/")).toBe("/login");
    expect(loginPath("//evil.example")).toBe("/login");
  });
});

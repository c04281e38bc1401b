import { describe, expect, it } from "vitest";
import { can, permissionsOf, rolesSentence } from "./permissions.ts";

describe("console permissions", () => {
  it("lets product managers edit rules but not models, and data scientists the reverse", () => {
    expect(can("product_manager", "ruleSet.edit")).toBe(true);
    expect(can("product_manager", "model.promote")).toBe(false);
    expect(can("data_scientist", "ruleSet.edit")).toBe(false);
    expect(can("data_scientist", "model.register")).toBe(true);
    for (const role of ["admin", "engineer"] as const) {
      expect(can(role, "ruleSet.edit") && can(role, "model.promote") && can(role, "model.rollback") && can(role, "feed.preview")).toBe(true);
    }
  });

  it("keeps viewers read-only and out of the feed debugger", () => {
    expect(Object.values(permissionsOf("viewer")).some(Boolean)).toBe(false);
    expect(permissionsOf("data_scientist")["feed.preview"]).toBe(true);
  });

  it("lets only data scientists and admins change experiments; everyone else reads them", () => {
    for (const role of ["admin", "data_scientist"] as const) expect(can(role, "experiment.edit") && can(role, "experiment.run")).toBe(true);
    for (const role of ["viewer", "product_manager", "engineer"] as const) expect(can(role, "experiment.edit") || can(role, "experiment.run")).toBe(false);
    expect(rolesSentence("experiment.run")).toBe("the admin or data scientist role");
  });

  it("names the allowed roles in a sentence", () => {
    expect(rolesSentence("model.register")).toBe("the admin, engineer or data scientist role");
  });
});

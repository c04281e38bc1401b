import { describe, expect, it } from "vitest";
import { BudgetExceededError, withinBudget } from "./timeBudget.ts";

describe("withinBudget", () => {
  it("passes through work that settles in time", async () => {
    await expect(withinBudget(Promise.resolve(7), 1_000, "work")).resolves.toBe(7);
    await expect(withinBudget(Promise.reject(new Error("boom")), 1_000, "work")).rejects.toThrow("boom");
  });

  it("gives up on work that never settles", async () => {
    await expect(withinBudget(new Promise(() => undefined), 5, "lookup")).rejects.toThrow(BudgetExceededError);
  });
});

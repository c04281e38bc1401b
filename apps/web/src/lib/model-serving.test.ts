import { describe, expect, it } from "vitest";
import { slotServingState } from "./model-serving.ts";

const v1 = { id: "a", version: 1, name: "ranker" };
const v2 = { id: "b", version: 2, name: "ranker" };
const served = (id: string) => ({ id, version: null, name: null, loadedAt: null });

describe("slotServingState", () => {
  it("reports an unreachable engine or one that does not report models", () => {
    expect(slotServingState(v1, { reachable: false }).state).toBe("unreachable");
    expect(slotServingState(v1, { reachable: true, reportsModels: false, served: null }).state).toBe("unknown");
  });

  it("is in sync only when the engine serves the active id", () => {
    expect(slotServingState(v1, { reachable: true, reportsModels: true, served: served("a") })).toEqual({ state: "in_sync", served: served("a") });
  });

  it("is pending while the engine still serves another version or nothing", () => {
    expect(slotServingState(v2, { reachable: true, reportsModels: true, served: served("a") })).toEqual({
      state: "pending",
      active: v2,
      served: served("a"),
    });
    expect(slotServingState(v2, { reachable: true, reportsModels: true, served: null })).toMatchObject({ state: "pending", served: null });
  });

  it("distinguishes an empty slot from an engine still serving with nothing active", () => {
    expect(slotServingState(null, { reachable: true, reportsModels: true, served: null }).state).toBe("empty");
    expect(slotServingState(null, { reachable: true, reportsModels: true, served: served("a") }).state).toBe("stale");
  });
});

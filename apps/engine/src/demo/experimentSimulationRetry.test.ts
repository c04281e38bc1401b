import { describe, expect, it } from "vitest";
import { retryingOverload, type EngineReply } from "./experimentSimulation.ts";

const overloaded: EngineReply = { status: 503, body: { error: { code: "overloaded", message: "busy" } } };
const unavailable: EngineReply = { status: 503, body: { error: { code: "dependency_unavailable", message: "down" } } };
const served: EngineReply = { status: 200, body: { items: [] } };

function scripted(replies: EngineReply[]): { call: () => Promise<EngineReply>; calls: () => number } {
  let calls = 0;
  return { call: async () => replies[Math.min(calls++, replies.length - 1)]!, calls: () => calls };
}

describe("the simulated client under load shedding", () => {
  it("asks again after 503 overloaded and returns the page it then gets", async () => {
    const engine = scripted([overloaded, overloaded, served]);
    let retries = 0;
    const reply = await retryingOverload(engine.call, () => (retries += 1));
    expect(reply).toBe(served);
    expect(engine.calls()).toBe(3);
    expect(retries).toBe(2);
  });

  it("does not retry other failures, and gives up after ten overloaded answers", async () => {
    const down = scripted([unavailable, served]);
    expect(await retryingOverload(down.call, () => undefined)).toBe(unavailable);
    expect(down.calls()).toBe(1);
    const busy = scripted([overloaded]);
    expect(await retryingOverload(busy.call, () => undefined)).toBe(overloaded);
    expect(busy.calls()).toBe(10);
  }, 10_000);
});

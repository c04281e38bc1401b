import { describe, expect, it } from "vitest";
import { loadEngineEnv } from "./env.ts";

describe("engine environment", () => {
  it("uses embedded defaults when nothing is set", () => {
    const env = loadEngineEnv({});
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.REDIS_URL).toBeUndefined();
    expect(env.ENGINE_PORT).toBe(4000);
    expect(env.CONSOLE_PORT).toBe(3000);
    expect(env.CASCADE_CONSOLE).toBe(true);
  });

  it("parses flags and ports", () => {
    const env = loadEngineEnv({ ENGINE_PORT: "4100", CASCADE_CONSOLE: "false", CASCADE_DEMO_SIZE: "tiny" });
    expect(env.ENGINE_PORT).toBe(4100);
    expect(env.CASCADE_CONSOLE).toBe(false);
    expect(env.CASCADE_DEMO_SIZE).toBe("tiny");
  });

  it("names the bad variable", () => {
    expect(() => loadEngineEnv({ ENGINE_PORT: "http" })).toThrow(/ENGINE_PORT/);
    expect(() => loadEngineEnv({ DATABASE_URL: "not a url" })).toThrow(/DATABASE_URL/);
    expect(() => loadEngineEnv({ CASCADE_DEMO_SIZE: "huge" })).toThrow(/CASCADE_DEMO_SIZE/);
  });

  it("reads CASCADE_CLOCK: wall by default, data, or a fixed instant", () => {
    expect(loadEngineEnv({}).CASCADE_CLOCK).toEqual({ mode: "wall" });
    expect(loadEngineEnv({ CASCADE_CLOCK: "data" }).CASCADE_CLOCK).toEqual({ mode: "data" });
    expect(loadEngineEnv({ CASCADE_CLOCK: "1998-04-22T12:00:00Z" }).CASCADE_CLOCK).toEqual({ mode: "fixed", atMs: Date.parse("1998-04-22T12:00:00Z") });
    expect(loadEngineEnv({ CASCADE_CLOCK: "1998-04-22T14:00:00+02:00" }).CASCADE_CLOCK).toEqual({ mode: "fixed", atMs: Date.parse("1998-04-22T12:00:00Z") });
    expect(() => loadEngineEnv({ CASCADE_CLOCK: "yesterday" })).toThrow(/CASCADE_CLOCK: must be "wall", "data" or an ISO-8601 instant/);
    expect(() => loadEngineEnv({ CASCADE_CLOCK: "1998-13-40T00:00:00Z" })).toThrow(/CASCADE_CLOCK/);
  });
});

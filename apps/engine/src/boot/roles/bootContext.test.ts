import { describe, expect, it } from "vitest";
import { loadEngineEnv } from "../../platform/env.ts";
import { consumerRunnerSettings, requireSharedServices } from "./bootContext.ts";

describe("requireSharedServices", () => {
  it("refuses a role without DATABASE_URL or REDIS_URL, naming what is missing and pointing at cascade start", () => {
    expect(() => requireSharedServices(loadEngineEnv({}), "serve")).toThrow(/cascade serve needs DATABASE_URL and REDIS_URL.*cascade start/);
    expect(() => requireSharedServices(loadEngineEnv({ DATABASE_URL: "postgresql://db/cascade" }), "consume")).toThrow(/^cascade consume needs REDIS_URL:/);
    expect(() => requireSharedServices(loadEngineEnv({ REDIS_URL: "redis://r:6379/0" }), "serve")).toThrow(/^cascade serve needs DATABASE_URL:/);
  });

  it("passes both URLs through when both are set", () => {
    const env = loadEngineEnv({ DATABASE_URL: "postgresql://db/cascade", REDIS_URL: "redis://r:6379/0" });
    expect(requireSharedServices(env, "serve")).toEqual({ databaseUrl: "postgresql://db/cascade", redisUrl: "redis://r:6379/0" });
  });
});

describe("consumerRunnerSettings", () => {
  it("keeps the runner's defaults when nothing is set (30 s idle, checked every 10 s)", () => {
    expect(consumerRunnerSettings(loadEngineEnv({}))).toEqual({ maxDeliveries: 5, reclaimIdleMs: 30_000, reclaimEveryMs: 10_000 });
  });

  it("checks at least as often as the idle time when it is shorter", () => {
    expect(consumerRunnerSettings(loadEngineEnv({ CASCADE_CONSUMER_RECLAIM_IDLE_MS: "2000" }))).toMatchObject({ reclaimIdleMs: 2_000, reclaimEveryMs: 2_000 });
    expect(() => loadEngineEnv({ CASCADE_CONSUMER_RECLAIM_IDLE_MS: "10" })).toThrow(/CASCADE_CONSUMER_RECLAIM_IDLE_MS/);
  });
});

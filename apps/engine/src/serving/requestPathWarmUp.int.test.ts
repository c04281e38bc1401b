// The start-up warm-up on the real engine (PostgreSQL, Redis): it runs the funnels it is asked for,
// through the same components as requests (the item-state cache fills), and records nothing a
// request would: no funnel metrics, no served-feature log rows, no page sessions.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEngine, type TestEngine } from "../server/testing/testEngine.ts";
import { warmUpRequestPath } from "./requestPathWarmUp.ts";

let engine: TestEngine;

/** The sum of every sample of `metric` in the exposition. */
function total(exposition: string, metric: string): number {
  let sum = 0;
  for (const line of exposition.split("\n")) if (line.startsWith(`${metric}{`) || line.startsWith(`${metric} `)) sum += Number(line.split(" ").at(-1));
  return sum;
}

beforeAll(async () => {
  engine = await startTestEngine({ servedFeatureSampleRate: 1 });
  await engine.db.item.createMany({
    data: Array.from({ length: 30 }, (_, n) => ({ id: `${engine.run}-i${n}`, category: `${engine.run}-c`, publishedAt: new Date(Date.now() - n * 60_000) })),
  });
  await engine.db.user.create({ data: { id: `${engine.run}-u` } });
  await engine.engine.serving.warm();
});

afterAll(async () => {
  await engine.db.item.deleteMany({ where: { id: { startsWith: engine.run } } });
  await engine.db.user.deleteMany({ where: { id: { startsWith: engine.run } } });
  await engine.close();
});

describe("warmUpRequestPath", () => {
  it("runs the funnels asked for and records nothing a request would", async () => {
    const before = (await engine.engine.metrics.exposition()).body;
    const servedFeatureRows = await engine.db.servedFeatureLog.count();
    const cachedBefore = engine.engine.serving.itemStates.size;
    const result = await warmUpRequestPath(engine.engine.serving, 8);
    expect(result).toMatchObject({ requests: 8, failed: 0 });
    expect(engine.engine.serving.itemStates.size).toBeGreaterThan(cachedBefore); // the candidates' online state was read
    const after = (await engine.engine.metrics.exposition()).body;
    expect(total(after, "cascade_funnel_stage_duration_seconds_count")).toBe(total(before, "cascade_funnel_stage_duration_seconds_count"));
    expect(await engine.db.servedFeatureLog.count()).toBe(servedFeatureRows);
  });

  it("does nothing when asked for no funnels", async () => {
    expect(await warmUpRequestPath(engine.engine.serving, 0)).toEqual({ requests: 0, failed: 0, ms: 0 });
  });
});

// The simulated experiment at a small size, end to end over HTTP on a real engine: the small demo
// world (1,000 users, 2,000 items) in a scratch database, an experiment created and started through the admin API, the
// world's users served by the engine and responding as the ground truth says, their events
// consumed, the results API read. A treatment that serves only the non-personalised source
// (trending) is truly worse by the ground truth, and the results must say so with the right sign;
// an A/A run (identical arms) must declare no winner and flag no sample-ratio mismatch.
//
// Seeded: the users taking part, their split (the experiment's hash seed) and their behaviour (per-user
// streams); one page per user (no seen-filter timing), no exploration. Not bit-for-bit reproducible:
// the demo world's window ends at the current hour and the engine's trending list decays on the wall
// clock, so what is served drifts from hour to hour. Hence the sizes: the effect is large (the
// treatment's true CTR is about half the control's) and 500 users per arm detect it with a wide margin;
// the A/A verdict is taken at α = 0.01, so by design it fails one hour in a hundred, while a bias in
// assignment, exposure or event attribution would show as a tiny p-value or an SRM flag every time.
// The false-positive rate at α = 0.05 over many seeds is what `npm run bench:experiment` measures.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SurfaceConfigInput } from "@cascade/core";
import { createScratchDatabase, type ScratchDatabase } from "../testing/scratchDatabase.ts";
import { startTestEngine, type TestEngine } from "../server/testing/testEngine.ts";
import { seedDemo } from "./loadDemo.ts";
import { generateWorld, type DemoWorld } from "./world.ts";
import { resolveDemoConfig } from "./worldConfig.ts";
import { runExperimentSimulation, type SimulationEngine } from "./experimentSimulation.ts";

const SEED = 11;
let scratch: ScratchDatabase;
let engine: TestEngine;
let world: DemoWorld;
let simulationEngine: SimulationEngine;
let surface: string;

// The demo's database-backed sources (no trained model in this test): the user's followed
// creators and co-visitation are personalised, trending is the same for everyone.
const config: SurfaceConfigInput = {
  sources: [
    { id: "follows", quota: 100, budgetMs: 1000, weight: 1 },
    { id: "covisitation", quota: 100, budgetMs: 1000, weight: 1 },
    { id: "trending", quota: 100, budgetMs: 1000, weight: 0.25 },
  ],
  maxCandidates: 300,
  hydrationBudgetMs: 2000,
  scoringBudgetMs: 2000,
  filters: { seenWindowHours: 0 },
  blend: { click: 1 },
  rules: [],
  exploration: { policy: "none" },
};

beforeAll(async () => {
  scratch = await createScratchDatabase("cascade_experiment_sim");
  const summary = await seedDemo({ databaseUrl: scratch.url, size: "small", seed: SEED });
  world = generateWorld(resolveDemoConfig("small", { seed: SEED, endAtMs: Date.parse(summary.windowEnd) }));
  engine = await startTestEngine({ databaseUrl: scratch.url });
  const { authorization } = await engine.createApiKey(["admin"]);
  surface = `${engine.run}-sim`;
  await engine.publishSurface(surface, config);
  simulationEngine = {
    async call({ method, url, body }) {
      const reply = await engine.app.inject({ method, url, headers: { authorization }, ...(body === undefined ? {} : { payload: body as object }) });
      return { status: reply.statusCode, body: reply.json() };
    },
    async settle() {
      await engine.engine.serving.exposures.flush();
      await engine.settleEvents();
    },
    // As the benchmark does: with autovacuum off these tables are never analysed, and the results
    // query, planned for one row, takes over a minute at 1,000 units instead of milliseconds.
    async beforeResults() {
      await engine.db.$executeRawUnsafe(`ANALYZE exposures, experiment_unit_days`);
    },
  };
});

afterAll(async () => {
  await engine?.close();
  await scratch?.drop();
});

const USERS = 1_000;
const base = { surface: "", users: USERS, requestsPerUser: 1, pageSize: 20, concurrency: 4, settleTimeoutMs: 60_000 };

describe("a simulated experiment on the small demo world", () => {
  it("detects the truly worse arm with the right sign", async () => {
    const result = await runExperimentSimulation({
      ...base,
      world,
      engine: simulationEngine,
      surface,
      key: `${engine.run}-ab`,
      seed: SEED,
      arms: [{ key: "control" }, { key: "trending-only", overrides: { sources: { follows: { enabled: false }, covisitation: { enabled: false } } } }],
      expectedWinner: "control",
    });
    const [control, treatment] = result.arms;
    // Every user was served, exposed once, and every impression reached the results.
    expect(control!.usersServed + treatment!.usersServed).toBe(USERS);
    expect(control!.exposures).toBe(control!.usersServed);
    expect(treatment!.exposures).toBe(treatment!.usersServed);
    expect(result.eventsRejected).toBe(0);
    expect(result.unknownItems).toBe(0);
    // The ground truth says the treatment is worse, and by a lot …
    expect(result.trueSign).toBe(-1);
    expect(treatment!.trueCtr).toBeLessThan(0.7 * control!.trueCtr);
    // … and the results say so: a significant negative lift, the control declared the winner.
    expect(result.ctr.method).toBe("delta");
    expect(result.ctr.absolute!.upper).toBeLessThan(0);
    expect(result.ctr.pValue!).toBeLessThan(0.05);
    expect(result.clicksPerUser.absolute!.estimate).toBeLessThan(0);
    expect(result.declaredWinner).toBe("control");
    expect(result.correct).toBe(true);
    expect(result.sampleRatio!.flagged).toBe(false);
  });

  it("finds no winner and no sample-ratio mismatch in an A/A run", async () => {
    const result = await runExperimentSimulation({
      ...base,
      world,
      engine: simulationEngine,
      surface,
      key: `${engine.run}-aa`,
      seed: SEED + 2,
      arms: [{ key: "a" }, { key: "b" }],
      expectedWinner: null,
      alpha: 0.01,
    });
    const [a, b] = result.arms;
    expect(a!.exposures + b!.exposures).toBe(USERS);
    expect(result.eventsRejected).toBe(0);
    expect(result.ctr.pValue!).toBeGreaterThan(0.01);
    expect(result.declaredWinner).toBeNull();
    expect(result.correct).toBe(true);
    expect(result.sampleRatio!.flagged).toBe(false);
  });
});

// A/B experiments served end to end over HTTP: a running experiment's variants resolve each user's
// config, responses name the experiment and variant, the assignment is core's (what a client
// hashing the same way computes), and each user's first exposure is written once.
import { assignVariant, recommendationsResponse } from "@cascade/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEngine, type TestEngine } from "../server/testing/testEngine.ts";
import { POPULARITY_ONLY_CONFIG } from "../server/testing/popularSurface.ts";

let engine: TestEngine;
let ingest: string;
let recommend: string;
let surface: string;
let experimentId: string;
const item = (name: string) => `${engine.run}-${name}`;
const users = Array.from({ length: 40 }, (_, n) => `u${n}`);

beforeAll(async () => {
  engine = await startTestEngine();
  ({ authorization: ingest } = await engine.createApiKey(["ingest"]));
  ({ authorization: recommend } = await engine.createApiKey(["recommend"]));
  const names = ["a", "b", "c"];
  const upserted = await engine.app.inject({
    method: "PUT",
    url: "/v1/items",
    headers: { authorization: ingest },
    payload: { items: names.map((name) => ({ id: item(name), category: "c", publishedAt: "2026-01-01T00:00:00Z" })) },
  });
  expect(upserted.statusCode).toBe(200);
  const now = Date.now();
  // 300, 200 and 100 likes: far more than other test files give their items in the shared database,
  // so these three lead the popularity list whatever ran before.
  const events = names.flatMap((name, rank) =>
    Array.from({ length: 100 * (3 - rank) }, (_, k) => ({
      eventId: `${engine.run}-${name}-${k}`,
      itemId: item(name),
      userId: `${engine.run}-fan${k}`,
      type: "like",
      timestamp: new Date(now - 3_600_000).toISOString(),
    })),
  );
  const posted = await engine.app.inject({ method: "POST", url: "/v1/events", headers: { authorization: ingest }, payload: { events } });
  expect(posted.json().accepted).toBe(events.length);
  await engine.settleEvents();
  await engine.ranking.refresh();

  surface = `${engine.run}-exp`;
  await engine.publishSurface(surface, POPULARITY_ONLY_CONFIG);
  const experiment = await engine.db.experiment.create({
    data: {
      key: `${engine.run}-short-lists`,
      name: "Short lists",
      surfaceId: surface,
      status: "running",
      salt: "seed-1",
      trafficFraction: 1,
      startedAt: new Date(),
      variants: {
        create: [
          { key: "control", name: "Control", weight: 0.5, isControl: true, overrides: {} },
          // Observable in every response: the treatment keeps one candidate.
          { key: "treatment", name: "One candidate", weight: 0.5, overrides: { maxCandidates: 1 } },
        ],
      },
    },
  });
  experimentId = experiment.id;
  // Pins a model version that does not exist: not served (and said so), never half-applied.
  await engine.db.experiment.create({
    data: {
      key: `${engine.run}-pinned-model`,
      name: "Pinned model",
      surfaceId: surface,
      status: "running",
      salt: "seed-2",
      startedAt: new Date(Date.now() - 60_000),
      variants: {
        create: [
          { key: "control", name: "Control", weight: 0.5, isControl: true },
          { key: "new-ranker", name: "New ranker", weight: 0.5, overrides: { models: { ranker: "cm_ranker_v2" } } },
        ],
      },
    },
  });
  await engine.engine.serving.experiments!.refresh();
});

afterAll(async () => {
  await engine.db.surface.deleteMany({ where: { id: surface } }); // experiments, variants and exposures cascade
  await engine.close();
});

async function recommendFor(userId: string) {
  const response = await engine.app.inject({
    method: "POST",
    url: "/v1/recommendations",
    headers: { authorization: recommend },
    payload: { surface, userId, count: 10 },
  });
  expect(response.statusCode).toBe(200);
  return recommendationsResponse.parse(response.json());
}

describe("A/B experiments in serving", () => {
  it("serves each user the variant core's assignment gives them, with its config, and names it in the response", async () => {
    const seen = new Map<string, number>();
    for (const userId of users) {
      const response = await recommendFor(userId);
      const expected = assignVariant({
        experiment: {
          key: `${engine.run}-short-lists`,
          seed: "seed-1",
          coverage: 1,
          variants: [
            { key: "control", weight: 0.5 },
            { key: "treatment", weight: 0.5 },
          ],
        },
        unitId: userId,
      }).variant;
      expect(response.experiment).toBe(`${engine.run}-short-lists`);
      expect(response.variant).toBe(expected);
      const mine = response.items.filter((entry) => entry.itemId.startsWith(`${engine.run}-`));
      if (response.variant === "treatment") expect(response.items).toHaveLength(1);
      else expect(mine.map((entry) => entry.itemId)).toEqual([item("a"), item("b"), item("c")]);
      seen.set(response.variant!, (seen.get(response.variant!) ?? 0) + 1);
      // Stable: the same user gets the same variant on every request.
      expect((await recommendFor(userId)).variant).toBe(response.variant);
    }
    expect(seen.get("control")).toBeGreaterThan(8);
    expect(seen.get("treatment")).toBeGreaterThan(8);
    expect(engine.engine.serving.experiments!.skipped).toEqual([
      { experiment: `${engine.run}-pinned-model`, reason: expect.stringContaining('pinned ranker "cm_ranker_v2" is not loaded (unknown model version') },
    ]);
  });

  it("writes each user's first exposure once, to the variant they were served", async () => {
    await engine.engine.serving.exposures.flush();
    const rows = await engine.db.exposure.findMany({ where: { experimentId }, include: { variant: true } });
    expect(rows.map((row) => row.unitId).sort()).toEqual([...users].sort());
    for (const row of rows) {
      expect(row.variant.key).toBe((await recommendFor(row.unitId)).variant);
    }
    await engine.engine.serving.exposures.flush();
    expect(await engine.db.exposure.count({ where: { experimentId } })).toBe(users.length);
  });

  it("a stopped experiment stops being served at the next refresh", async () => {
    await engine.db.experiment.update({ where: { id: experimentId }, data: { status: "stopped", stoppedAt: new Date() } });
    await engine.engine.serving.experiments!.refresh();
    const response = await recommendFor(users[0]!);
    expect(response).toMatchObject({ experiment: null, variant: null });
  });
});

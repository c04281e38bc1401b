// An experiment's results over HTTP, from what was stored: users served under a running experiment
// (exposures written by the engine), their events posted afterwards (the event log), then
// GET /v1/admin/experiments/{id}/results: exposures per variant, metric totals equal to what was
// posted, the variant that truly clicks more wins with a positive lift, no sample-ratio mismatch.
import {
  assignVariant,
  EXPERIMENT_METRIC_IDS,
  experimentResultsResponse,
  experimentView,
  recommendationsResponse,
  type ExperimentResultsResponse,
} from "@cascade/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEngine, type TestEngine } from "../testing/testEngine.ts";
import { POPULARITY_ONLY_CONFIG } from "../testing/popularSurface.ts";

let engine: TestEngine;
let admin: string;
let recommend: string;
let ingest: string;
let surface: string;
let item: string;

beforeAll(async () => {
  engine = await startTestEngine();
  ({ authorization: admin } = await engine.createApiKey(["admin"]));
  ({ authorization: recommend } = await engine.createApiKey(["recommend"]));
  ({ authorization: ingest } = await engine.createApiKey(["ingest"]));
  item = `${engine.run}-item`;
  const upserted = await engine.app.inject({
    method: "PUT",
    url: "/v1/items",
    headers: { authorization: ingest },
    payload: { items: [{ id: item, category: "c", publishedAt: "2026-01-01T00:00:00Z" }] },
  });
  expect(upserted.statusCode).toBe(200);
  // Popular enough to be served: exposures are written only for pages that hold items.
  const likes = Array.from({ length: 3 }, (_, k) => ({
    eventId: `${engine.run}-like${k}`,
    type: "like",
    userId: `${engine.run}-fan${k}`,
    itemId: item,
    timestamp: new Date(Date.now() - 3_600_000).toISOString(),
  }));
  expect((await post("/v1/events", { events: likes }, ingest)).json().accepted).toBe(likes.length);
  await engine.settleEvents();
  await engine.ranking.refresh();
  surface = `${engine.run}-ab`;
  await engine.publishSurface(surface, POPULARITY_ONLY_CONFIG);
});

afterAll(async () => {
  await engine.db.auditLog.deleteMany({ where: { entityType: "experiment", after: { path: ["surfaceId"], equals: surface } } });
  await engine.db.surface.deleteMany({ where: { id: surface } }); // experiments, variants and exposures cascade
  await engine.close();
});

const post = (url: string, payload?: object, authorization = admin) =>
  engine.app.inject({ method: "POST", url, headers: { authorization }, ...(payload ? { payload } : {}) });
const metricOf = (results: ExperimentResultsResponse, variant: string, metric: string) =>
  results.variants.find((entry) => entry.key === variant)!.metrics.find((entry) => entry.metric === metric)!;
const getResults = (id: string, authorization = admin) =>
  engine.app.inject({ method: "GET", url: `/v1/admin/experiments/${id}/results`, headers: { authorization } });

describe("GET /v1/admin/experiments/{id}/results", () => {
  it("computes exposures, metric totals, lifts and the sample-ratio check from stored exposures and events", async () => {
    const created = await post("/v1/admin/experiments", {
      key: `${engine.run}-clicky`,
      surface,
      seed: "clicky-1",
      variants: [
        { key: "control", weight: 0.5, isControl: true },
        { key: "treatment", weight: 0.5, overrides: { maxCandidates: 500 } },
      ],
    });
    expect(created.statusCode).toBe(201);
    const experiment = experimentView.parse(created.json());
    expect((await post(`/v1/admin/experiments/${experiment.id}/start`)).statusCode).toBe(200);

    // An event before a user's exposure is not counted.
    const before = await post(
      "/v1/events",
      {
        events: [
          {
            eventId: `${engine.run}-early`,
            type: "click",
            userId: `${engine.run}-u0`,
            itemId: item,
            timestamp: new Date(Date.now() - 3_600_000).toISOString(),
          },
        ],
      },
      ingest,
    );
    expect(before.json().accepted).toBe(1);

    // 30 users per variant, picked by core's assignment of the experiment's seed: the ids carry this
    // run's random prefix, and 60 ids drawn blindly split unevenly enough to flag a sample-ratio
    // mismatch about once in 10^4 runs. The engine must serve each the variant core assigns it.
    const planned = new Map<string, string>();
    const spec = {
      key: experiment.key,
      seed: "clicky-1",
      coverage: 1,
      variants: [
        { key: "control", weight: 0.5 },
        { key: "treatment", weight: 0.5 },
      ],
    };
    const perVariant = { control: 0, treatment: 0 };
    for (let n = 0; perVariant.control < 30 || perVariant.treatment < 30; n++) {
      const userId = `${engine.run}-u${n}`;
      const variant = assignVariant({ experiment: spec, unitId: userId }).variant as "control" | "treatment";
      if (perVariant[variant] === 30) continue;
      perVariant[variant]++;
      planned.set(userId, variant);
    }
    const users = [...planned.keys()];
    const variantOf = new Map<string, string>();
    for (const userId of users) {
      const served = await post("/v1/recommendations", { surface, userId, count: 5 }, recommend);
      expect(served.statusCode).toBe(200);
      const body = recommendationsResponse.parse(served.json());
      expect(body.experiment).toBe(experiment.key);
      expect(body.items.length).toBeGreaterThan(0);
      expect(body.variant).toBe(planned.get(userId));
      variantOf.set(userId, body.variant!);
    }
    await engine.engine.serving.exposures.flush();
    const servedPer = (key: string) => users.filter((userId) => variantOf.get(userId) === key).length;
    expect([servedPer("control"), servedPer("treatment")]).toEqual([30, 30]);

    // Every user sees 10 impressions; treatment users click 4 or 5 times, control users 1 or 2.
    // Some watch and purchase too, so totals of value-carrying metrics are checked.
    const now = Date.now(); // after every exposure
    const expected = {
      control: { impressions: 0, clicks: 0, watchSeconds: 0, revenue: 0 },
      treatment: { impressions: 0, clicks: 0, watchSeconds: 0, revenue: 0 },
    };
    const events = users.flatMap((userId, n) => {
      const variant = variantOf.get(userId) as "control" | "treatment";
      const clicks = (variant === "treatment" ? 4 : 1) + (n % 2);
      const totals = expected[variant];
      totals.impressions += 10;
      totals.clicks += clicks;
      totals.watchSeconds += 30;
      if (n % 3 === 0) totals.revenue += 9.5;
      const at = (k: number) => new Date(now + k).toISOString();
      return [
        ...Array.from({ length: 10 }, (_, k) => ({ eventId: `${userId}-i${k}`, type: "impression", userId, itemId: item, timestamp: at(k) })),
        ...Array.from({ length: clicks }, (_, k) => ({ eventId: `${userId}-c${k}`, type: "click", userId, itemId: item, timestamp: at(20 + k) })),
        { eventId: `${userId}-w`, type: "watch", value: 30, userId, itemId: item, timestamp: at(40) },
        ...(n % 3 === 0 ? [{ eventId: `${userId}-p`, type: "purchase", value: 9.5, userId, itemId: item, timestamp: at(50) }] : []),
      ];
    });
    for (let start = 0; start < events.length; start += 500) {
      const batch = events.slice(start, start + 500);
      const posted = await post("/v1/events", { events: batch }, ingest);
      expect(posted.json().accepted).toBe(batch.length);
    }
    await engine.settleEvents();

    const response = await getResults(experiment.id);
    expect(response.statusCode).toBe(200);
    const results: ExperimentResultsResponse = experimentResultsResponse.parse(response.json());
    expect(results).toMatchObject({ experimentId: experiment.id, key: experiment.key, status: "running", truncated: false });
    const variant = (key: string) => results.variants.find((entry) => entry.key === key)!;
    const metric = (key: string, name: string) => variant(key).metrics.find((entry) => entry.metric === name)!;
    for (const key of ["control", "treatment"] as const) {
      expect(variant(key).exposures).toBe(servedPer(key));
      expect(metric(key, "impressions").total).toBe(expected[key].impressions);
      expect(metric(key, "clicks").total).toBe(expected[key].clicks);
      expect(metric(key, "watch_seconds").total).toBe(expected[key].watchSeconds);
      expect(metric(key, "revenue").total).toBeCloseTo(expected[key].revenue, 6);
      expect(metric(key, "ctr").value).toBeCloseTo(expected[key].clicks / expected[key].impressions, 9);
      expect(metric(key, "clicks").value).toBeCloseTo(expected[key].clicks / servedPer(key), 9);
    }
    expect(variant("control").isControl).toBe(true);

    expect(results.comparisons).toHaveLength(1);
    const [comparison] = results.comparisons;
    expect(comparison).toMatchObject({ variant: "treatment", control: "control" });
    const lift = (name: string) => comparison!.metrics.find((entry) => entry.metric === name)!;
    expect(lift("ctr")).toMatchObject({ method: "delta", reason: null });
    expect(lift("clicks")).toMatchObject({ method: "welch", reason: null });
    for (const name of ["ctr", "clicks"]) {
      expect(lift(name).absoluteLift!.estimate).toBeGreaterThan(0);
      expect(lift(name).absoluteLift!.lower).toBeGreaterThan(0);
      expect(lift(name).relativeLift!.estimate).toBeGreaterThan(1); // ~3x the clicks
      expect(lift(name).pValue!).toBeLessThan(0.001);
      expect(lift(name).adjustedPValue!).toBeGreaterThanOrEqual(lift(name).pValue!);
      expect(lift(name).adjustedPValue!).toBeLessThan(0.05);
    }
    // The always-valid (mSPRT) p-value is decisive at ~3x the clicks, and says nothing where nothing differs.
    expect(lift("clicks").sequentialPValue!).toBeLessThan(0.05);
    expect(lift("impressions").sequentialPValue).toBeNull(); // equal per user: no variance
    expect(lift("ctr").sequentialPValue!).toBeLessThan(0.05); // the ratio's delta-method variance
    // Impressions and watch time are equal per user in both arms: no lift.
    expect(lift("impressions").absoluteLift!.estimate).toBe(0);
    expect(lift("impressions").pValue).toBe(1);
    expect(lift("likes").relativeLift).toBeNull(); // no likes in the control

    expect(results.sampleRatio).toMatchObject({ observed: [servedPer("control"), servedPer("treatment")], expected: [30, 30], flagged: false });
    expect(results.sampleRatio!.pValue).toBeGreaterThan(0.001);

    // Every catalogue metric is reported, per variant and per comparison.
    expect(variant("treatment").metrics.map((entry) => entry.metric)).toEqual(EXPERIMENT_METRIC_IDS);
    expect(comparison!.metrics.map((entry) => entry.metric)).toEqual(EXPERIMENT_METRIC_IDS);
    expect(metric("treatment", "catalog_coverage").value).toBe(1); // the one item impressed
    // The clicks' events name no candidate source: all of them under "".
    expect(results.sourceShare).toEqual([
      { variant: "control", sources: [{ source: "", clicks: expected.control.clicks, share: 1 }] },
      { variant: "treatment", sources: [{ source: "", clicks: expected.treatment.clicks, share: 1 }] },
    ]);
    // Today is on the timeline, with every exposure so far.
    const today = results.timeline.at(-1)!;
    expect(today.day).toBe(new Date().toISOString().slice(0, 10));
    expect(today.variants.map((entry) => entry.exposures)).toEqual([servedPer("control"), servedPer("treatment")]);
    expect(today.variants[1]!.metrics.clicks).toBeCloseTo(expected.treatment.clicks / servedPer("treatment"), 9);
    // ?cuped=false: no comparison is CUPED-adjusted.
    const plain = experimentResultsResponse.parse(
      (await engine.app.inject({ method: "GET", url: `/v1/admin/experiments/${experiment.id}/results?cuped=false`, headers: { authorization: admin } })).json(),
    );
    expect(plain.cuped).toBe(false);
    expect(plain.comparisons[0]!.metrics.every((entry) => !entry.cupedApplied)).toBe(true);
    const invalid = await engine.app.inject({
      method: "GET",
      url: `/v1/admin/experiments/${experiment.id}/results?cuped=maybe`,
      headers: { authorization: admin },
    });
    expect(invalid.statusCode).toBe(400);

    // Reproducible: the same stored data gives the same answer…
    expect((await getResults(experiment.id)).json()).toEqual(response.json());
    // …and the rollups are reproducible from the logs: lost, then rebuilt, the same results.
    await engine.db.experimentUnitDay.deleteMany({ where: { experimentId: experiment.id } });
    await engine.db.experimentSourceClicks.deleteMany({ where: { experimentId: experiment.id } });
    expect(metricOf(experimentResultsResponse.parse((await getResults(experiment.id)).json()), "treatment", "clicks").total).toBe(0);
    const rebuilt = await post(`/v1/admin/experiments/${experiment.id}/results/rebuild`);
    expect(rebuilt.statusCode).toBe(200);
    expect(rebuilt.json()).toEqual(response.json());

    // Stopped: events after the stop are not counted.
    const stopped = experimentView.parse((await post(`/v1/admin/experiments/${experiment.id}/stop`)).json());
    const treated = users.find((userId) => variantOf.get(userId) === "treatment")!;
    const late = new Date(Date.parse(stopped.stoppedAt!) + 60_000).toISOString();
    const after = await post(
      "/v1/events",
      { events: [{ eventId: `${engine.run}-late`, type: "click", userId: treated, itemId: item, timestamp: late }] },
      ingest,
    );
    expect(after.json().accepted).toBe(1);
    await engine.settleEvents();
    const final = experimentResultsResponse.parse((await getResults(experiment.id)).json());
    expect(final).toMatchObject({ status: "stopped", to: stopped.stoppedAt });
    expect(final.variants.find((entry) => entry.key === "treatment")!.metrics.find((entry) => entry.metric === "clicks")!.total).toBe(
      expected.treatment.clicks,
    );
  });

  it("answers 404 for an unknown experiment and 403 for a key without the admin scope", async () => {
    const missing = await getResults("missing-id");
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe("not_found");
    expect((await post("/v1/admin/experiments/missing-id/results/rebuild")).statusCode).toBe(404);
    const experiment = await engine.db.experiment.findFirstOrThrow({ where: { surfaceId: surface } });
    expect((await getResults(experiment.id, recommend)).statusCode).toBe(403);
    expect((await post(`/v1/admin/experiments/${experiment.id}/results/rebuild`, undefined, recommend)).statusCode).toBe(403);
  });
});

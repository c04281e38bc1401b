// `cascade eval --protocol time`'s served-funnel table (replay/servedFunnelAfterWindow.ts) against
// real PostgreSQL, on the ratings world (a MovieLens-shaped log in a scratch database of its own):
// models trained and promoted on the log up to 20 days before its end; the funnel replayed as of
// that end for the users who rated something later, scored on those later ratings beside
// popularity and co-occurrence. With models trained on the whole log there is nothing later, and
// the table says it was not replayed rather than scoring in-sample.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { getActiveModelVersions } from "@cascade/db";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEvalCommand } from "../cli/evalCommand.ts";
import { silentProgress } from "../telemetry/progress.ts";
import { createRatingsDatabase, type ScratchRatingsDatabase } from "../training/pipeline/testing/ratingsWorld.ts";
import { parseTrainConfig, type TrainConfigInput } from "../training/pipeline/trainConfig.ts";
import { runTrainPipeline } from "../training/pipeline/trainPipeline.ts";
import { ActiveModels } from "../models/activeModels.ts";
import { evaluateServedFunnelAfterWindow, SERVED_FUNNEL_ROW } from "./servedFunnelAfterWindow.ts";

const DAY = 24 * 3_600_000;
const TINY: TrainConfigInput = {
  seed: 3,
  retrieval: { model: { dimensions: 8 }, training: { epochs: 1, batchSize: 32 }, evaluation: { ks: [10], maxUsers: 100 } },
  ann: { recallQueries: 10, efConstruction: 32 },
};

let scratch: ScratchRatingsDatabase;
let dataDir: string;
let configFile: string;

beforeAll(async () => {
  scratch = await createRatingsDatabase("cascade_served_after_window");
  dataDir = mkdtempSync(join(tmpdir(), "cascade-served-after-window-"));
  configFile = join(dataDir, "config.json");
  writeFileSync(configFile, JSON.stringify(TINY));
}, 120_000);

afterAll(async () => {
  await scratch?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function evaluateTime() {
  let out = "";
  const stdout = new Writable({
    write(chunk, _encoding, done) {
      out += String(chunk);
      done();
    },
  });
  const result = await runEvalCommand(scratch.url, dataDir, { protocol: "time", config: configFile }, { stdout, progress: silentProgress });
  if (result.protocol !== "time") throw new Error("expected a time-protocol result");
  return { result, out };
}

describe("cascade eval --protocol time: the served funnel", () => {
  it("replays the funnel at the models' window end and scores it on what happened next", async () => {
    const newest = Math.max(...scratch.rows.map((row) => row.atMs));
    const windowEnd = new Date(newest - 20 * DAY);
    await runTrainPipeline(scratch.db, { config: parseTrainConfig(TINY), dataDir, steps: "retrieval", window: { to: windowEnd }, promote: true });
    const later = scratch.rows.filter((row) => row.atMs >= windowEnd.getTime());
    expect(later.length).toBeGreaterThan(0);

    const { result, out } = await evaluateTime();
    const served = result.served;
    if (!served || "skipped" in served) throw new Error(`expected a served-funnel table, got ${JSON.stringify(served)}`);
    expect(served.testPeriod.from).toBe(windowEnd.toISOString());
    expect(served.users).toBe(new Set(later.map((row) => row.user)).size);
    expect(served.report.rows.map((row) => row.name)).toEqual([SERVED_FUNNEL_ROW, "popularity", "coOccurrence"]);
    const recall = served.report.columns.indexOf("recall@10");
    const hit = served.report.columns.indexOf("hit@10");
    for (const row of served.report.rows) expect(Number.isFinite(row.values[recall]!)).toBe(true);
    // The replayed pages reached the scorer: some later rating is on some user's page.
    expect(served.report.rows[0]!.values[hit]!).toBeGreaterThan(0);
    expect(out).toContain(`replayed as of ${windowEnd.toISOString()}`);
  }, 180_000);

  it("does not replay, and says why, when nothing happened after the models' window", async () => {
    await runTrainPipeline(scratch.db, { config: parseTrainConfig(TINY), dataDir, steps: "retrieval", promote: true });
    const active = await getActiveModelVersions(scratch.db);
    const versions = [active.retrieval, active.itemToItem].filter((version) => version !== null);
    expect(versions.length).toBe(2);
    const logger = pino({ level: "silent" });
    const models = new ActiveModels({ db: scratch.db, logger, pollIntervalMs: 0 });
    await models.start();
    try {
      const served = await evaluateServedFunnelAfterWindow({ db: scratch.db, logger }, versions, { models });
      expect(served).toEqual({ skipped: expect.stringContaining("nothing has happened since the models' training window ended") });
    } finally {
      await models.stop();
    }
  }, 180_000);
});

// `cascade tune-fusion` against real PostgreSQL, on the ratings world (a MovieLens-shaped log in a
// scratch database of its own) with no models: the home surface serves trending, co-visitation and
// the fresh list (which covers the whole small catalogue) through the retrieval prior. A crowd
// clicks three old items in the log's last hours, so they top trending and sit at the bottom of the
// fresh list; the held-out file says every user went on to interact with them. Tuning must move
// weight towards trending (or away from the other sources), serve them higher, save that as a
// draft (or publish it, archiving the previous version), and refuse a hold-out the log already holds.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { surfaceConfigSchema, type SurfaceConfig } from "@cascade/core";
import type { Database } from "@cascade/db";
import { publishRuleSet } from "@cascade/db/ruleSets";
import { createRatingsDatabase, RATINGS_WORLD, type ScratchRatingsDatabase } from "../training/pipeline/testing/ratingsWorld.ts";
import { listSourcesConfig } from "../replay/testing/listSourcesConfig.ts";
import { silentProgress } from "../telemetry/progress.ts";
import { runTuneFusionCommand, type TuneFusionOptions, type TuneFusionResult } from "./tuneFusionCommand.ts";

const SURFACE = "home";
const HOUR = 3_600_000;
/** Published in 1990 (ratingsWorld: item i in 1990 + i % 7): the oldest, last in the fresh list. */
const TARGETS = ["m0", "m7", "m14"];
const CROWD = 6;

let scratch: ScratchRatingsDatabase;
let db: Database;
let dir: string;
let holdout: string;
let heldOutPairs: { user: string; item: string }[];
let newestEventMs: number;

// No rules and no exploration: the served page is the prefix of the fused order the tuner models.
const BASELINE: SurfaceConfig = listSourcesConfig();

beforeAll(async () => {
  scratch = await createRatingsDatabase("helper8_tune_fusion");
  db = scratch.db;
  const newestRating = Math.max(...scratch.rows.map((row) => row.atMs));
  const clicks = TARGETS.flatMap((itemId, t) =>
    Array.from({ length: CROWD }, (_, n) => ({
      eventId: `crowd-${t}-${n}`,
      type: "click" as const,
      userId: `crowd${n}`,
      itemId,
      occurredAt: new Date(newestRating + HOUR + (t * CROWD + n) * 60_000),
    })),
  );
  await db.event.createMany({ data: clicks });
  newestEventMs = Math.max(...clicks.map((click) => click.occurredAt.getTime()));
  const rated = new Set(scratch.rows.map((row) => `${row.user}\tm${row.item}`));
  heldOutPairs = [];
  for (let u = 0; u < RATINGS_WORLD.users; u += 1) for (const item of TARGETS) if (!rated.has(`u${u}\t${item}`)) heldOutPairs.push({ user: `u${u}`, item });
  dir = await mkdtemp(join(tmpdir(), "cascade-tune-fusion-int-"));
  holdout = join(dir, "holdout.csv");
  await writeFile(holdout, ["user,item", ...heldOutPairs.map((pair) => `${pair.user},${pair.item}`)].join("\n") + "\n");
  await db.surface.create({ data: { id: SURFACE, name: SURFACE } });
  await publishRuleSet(db, { surfaceId: SURFACE, config: BASELINE, note: "baseline" }, { type: "test", id: null });
}, 120_000);

afterAll(async () => {
  await scratch?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function tune(options: Partial<TuneFusionOptions> = {}): Promise<{ result: TuneFusionResult; out: string }> {
  let out = "";
  const stdout = new Writable({
    write(chunk, _encoding, done) {
      out += String(chunk);
      done();
    },
  });
  const result = await runTuneFusionCommand(
    scratch.url,
    { holdout, surface: SURFACE, positive: "any", idPrefix: "", maxUsers: 2_000, ...options },
    { stdout, progress: silentProgress },
  );
  return { result, out };
}

const ruleSets = () =>
  db.ruleSet.findMany({ where: { surfaceId: SURFACE }, orderBy: { version: "asc" }, select: { version: true, status: true, config: true } });
const weightsOf = (config: SurfaceConfig) => Object.fromEntries(config.sources.map((source) => [source.id, source.weight]));

describe("cascade tune-fusion", () => {
  let drafted: TuneFusionResult;

  it("fits the fusion on the held-out users, serves them better and saves the tuned config as the draft", async () => {
    const { result, out } = await tune();
    drafted = result;
    expect(result.asOf).toBe(new Date(newestEventMs + 1).toISOString());
    expect(result.heldOutPairs).toBe(heldOutPairs.length);
    expect(result.users).toBe(new Set(heldOutPairs.map((pair) => pair.user)).size);

    // The fit starts from the published fusion and improves the candidates' NDCG.
    expect(result.fit.start.fusion).toEqual({ k: 0, weights: { trending: 1, covisitation: 1, fresh: 1 } });
    expect(result.fit.ndcg).toBeGreaterThan(result.fit.start.ndcg);
    // The held-out items top trending and trail the fresh list: trending must now outweigh fresh.
    const tuned = result.fit.fusion.weights;
    expect(tuned.trending! / Math.max(tuned.fresh!, 1e-9)).toBeGreaterThan(1);
    // Without rules and exploration the served pages are the fused order's prefix: the replay
    // serves exactly what the tuner scored, before and after.
    expect(result.before.ndcg).toBeCloseTo(result.fit.start.ndcg, 9);
    expect(result.after.ndcg).toBeCloseTo(result.fit.ndcg, 9);
    expect(result.after.ndcg).toBeGreaterThan(result.before.ndcg);
    expect(result.after.recall).toBeGreaterThanOrEqual(result.before.recall);

    // Saved as the draft (version 2); version 1 is still the published one.
    expect(result.saved).toEqual({ as: "draft", version: 2 });
    const rows = await ruleSets();
    expect(rows.map((row) => [row.version, row.status])).toEqual([
      [1, "published"],
      [2, "draft"],
    ]);
    const draft = surfaceConfigSchema.parse(rows[1]!.config);
    expect(draft.fusion.k).toBe(result.fit.fusion.k);
    expect(weightsOf(draft)).toEqual({ trending: tuned.trending, covisitation: tuned.covisitation, fresh: tuned.fresh });
    // Everything else is the published config.
    expect({ ...draft, sources: draft.sources.map((source) => ({ ...source, weight: 1 })), fusion: { k: 0 } }).toEqual(BASELINE);
    expect(surfaceConfigSchema.parse(rows[0]!.config)).toEqual(BASELINE);
    expect(out).toContain(`saved as the draft (version 2) of ${SURFACE}`);
  });

  it("--publish publishes the tuned config as a new version and archives the previous one; the next replay serves it", async () => {
    const outFile = join(dir, "tuned.json");
    const { result, out } = await tune({ publish: true, json: true, out: outFile });
    // The same published config, hold-out and data: the same fit.
    expect(result.fit.fusion).toEqual(drafted.fit.fusion);
    expect(result.before).toEqual(drafted.before);
    expect(result.after).toEqual(drafted.after);
    // Publishing consumes the draft row: version 2 is published, version 1 archived, no draft left.
    expect(result.saved).toEqual({ as: "published", version: 2 });
    const rows = await ruleSets();
    expect(rows.map((row) => [row.version, row.status])).toEqual([
      [1, "archived"],
      [2, "published"],
    ]);
    expect(surfaceConfigSchema.parse(rows[1]!.config)).toEqual(result.config);
    const audit = await db.auditLog.findFirst({ where: { action: "rule_set.publish", actorType: "cli" }, orderBy: { createdAt: "desc" } });
    expect(audit).not.toBeNull();
    expect(JSON.parse(out)).toMatchObject({ surface: SURFACE, saved: { as: "published", version: 2 }, fit: { fusion: result.fit.fusion } });
    expect(JSON.parse(await readFile(outFile, "utf8"))).toEqual(result.config);

    // A new run replays the published (tuned) config: its "before" is the last run's "after". It
    // finds nothing that serves better, so it writes nothing.
    const rowsBefore = await ruleSets();
    const again = await tune();
    expect(again.result.fit.start.fusion).toEqual({ k: result.fit.fusion.k, weights: weightsOf(result.config) });
    expect(again.result.before.ndcg).toBeCloseTo(result.after.ndcg, 9);
    expect(again.result.after.ndcg).toBeLessThanOrEqual(again.result.before.ndcg + 1e-12);
    expect(again.result.saved).toEqual({ as: "kept" });
    expect(again.out).toContain("kept the current fusion");
    expect(await ruleSets()).toEqual(rowsBefore);
  });

  it("refuses a hold-out whose pairs are already in the event log, and writes nothing", async () => {
    const before = await ruleSets();
    const [seen] = scratch.rows;
    const leaky = join(dir, "leaky.csv");
    const unseen = heldOutPairs.slice(0, 2).map((pair) => `${pair.user},${pair.item}`);
    await writeFile(leaky, ["user,item", `${seen!.user},m${seen!.item}`, ...unseen].join("\n") + "\n");
    await expect(tune({ holdout: leaky })).rejects.toThrow("--holdout: 1 of its (user, item) pairs are already in the event log");
    expect(await ruleSets()).toEqual(before);
    await expect(tune({ publish: true, draft: true })).rejects.toThrow(/either --publish or --draft/);
  });
});

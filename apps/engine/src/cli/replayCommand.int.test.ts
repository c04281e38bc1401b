// `cascade replay` against real PostgreSQL on the ratings world (a scratch database of its own): it
// prints each user's replayed page as of T (default: just after the newest event), with each
// item's sources, and a page as of an earlier T leaves out what had not happened yet.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRatingsDatabase, type ScratchRatingsDatabase } from "../training/pipeline/testing/ratingsWorld.ts";
import { listSourcesConfig } from "../replay/testing/listSourcesConfig.ts";
import { silentProgress } from "../telemetry/progress.ts";
import { runReplayCommand, type ReplayCommandOptions } from "./replayCommand.ts";

let scratch: ScratchRatingsDatabase;
let dir: string;
let configFile: string;

beforeAll(async () => {
  scratch = await createRatingsDatabase("cascade_replay_command");
  dir = mkdtempSync(join(tmpdir(), "cascade-replay-command-"));
  configFile = join(dir, "config.json");
  writeFileSync(configFile, JSON.stringify(listSourcesConfig()));
}, 120_000);

afterAll(async () => {
  await scratch?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function replay(options: Partial<ReplayCommandOptions>) {
  let out = "";
  const stdout = new Writable({
    write(chunk, _encoding, done) {
      out += String(chunk);
      done();
    },
  });
  const feeds = await runReplayCommand(
    scratch.url,
    { user: ["u1", "u2"], surface: "home", count: 5, exploration: false, config: configFile, ...options },
    { stdout, progress: silentProgress },
  );
  return { feeds, out };
}

describe("cascade replay", () => {
  it("prints each user's page as of just after the newest event, with each item's sources", async () => {
    const newest = Math.max(...scratch.rows.map((row) => row.atMs));
    const { feeds, out } = await replay({});
    expect([...feeds.keys()]).toEqual(["u1", "u2"]);
    expect(out).toContain(`as of ${new Date(newest + 1).toISOString()} (features from ${scratch.rows.length} events)`);
    for (const [userId, feed] of feeds) {
      expect(feed.response.items).toHaveLength(5);
      const rated = new Set(scratch.rows.filter((row) => row.user === userId).map((row) => `m${row.item}`));
      for (const item of feed.response.items) {
        expect(rated.has(item.itemId)).toBe(false); // consumed items are filtered
        expect(out).toContain(item.itemId);
        expect(item.sources.length).toBeGreaterThan(0);
      }
    }
  });

  it("as of an earlier time, knows only the events before it", async () => {
    const times = scratch.rows.map((row) => row.atMs).sort((a, b) => a - b);
    const asOf = new Date(times[Math.floor(times.length / 2)]!);
    const { feeds, out } = await replay({ asOf, json: true });
    const printed = JSON.parse(out) as { asOf: string; eventsReplayed: number };
    expect(printed.asOf).toBe(asOf.toISOString());
    expect(printed.eventsReplayed).toBe(times.filter((at) => at <= asOf.getTime()).length);
    // An item u1 rated after T is not consumed yet at T: the consumed filter removes only earlier ones.
    const trace = feeds.get("u1")!.trace!;
    const consumed = trace.stages
      .flatMap((stage) => stage.components)
      .filter((component) => component.id === "consumed")
      .flatMap((component) => component.removed ?? [])
      .map((entry) => entry.itemId);
    const ratedBefore = new Set(scratch.rows.filter((row) => row.user === "u1" && row.atMs <= asOf.getTime()).map((row) => `m${row.item}`));
    expect(consumed.length).toBeGreaterThan(0);
    for (const itemId of consumed) expect(ratedBefore.has(itemId)).toBe(true);
    // …and what u1 rated later is still servable at T (fresh lists the whole small catalogue).
    const ratedAfter = scratch.rows.filter((row) => row.user === "u1" && row.atMs > asOf.getTime()).map((row) => `m${row.item}`);
    expect(ratedAfter.length).toBeGreaterThan(0);
    expect(ratedAfter.some((itemId) => trace.ranked?.includes(itemId))).toBe(true);
  });
});

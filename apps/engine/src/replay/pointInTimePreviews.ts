// The feed debugger's "as of T" (POST /v1/admin/feed-preview with `asOf`): served by a replay of
// the funnel at T (feedReplay.ts), so features, trending, co-visitation and history are what a live
// engine would have held at T — not today's. Building a replay reads the event log up to T, so the
// engine keeps the last few (a debugging session looks at many users at one T) and refuses to build
// one above `maxEvents` (memory and time: ~30k events/s on the 2-core machine); the preview then
// runs on the live stack at T and says so.
import type { PointInTimeFeeds } from "../serving/pointInTimeFeeds.ts";
import type { Database } from "@cascade/db";
import type { Logger } from "pino";
import type { ServingModels } from "../serving/servingStack.ts";
import { FeedReplay } from "./feedReplay.ts";

export type PointInTimePreviewOptions = {
  /** Largest event log up to T a preview replays (default 300k). */
  maxEvents?: number;
  /** Replays kept (default 2), each for `ttlMs` after its last use (default 10 min). */
  maxReplays?: number;
  ttlMs?: number;
};

export type ReplayLookup = { replay: FeedReplay } | { replay: null; events: number; maxEvents: number };

type Entry = { replay: Promise<FeedReplay>; lastUsedMs: number };

export class PointInTimePreviews implements PointInTimeFeeds {
  private readonly entries = new Map<number, Entry>();
  private readonly maxEvents: number;
  private readonly maxReplays: number;
  private readonly ttlMs: number;

  constructor(
    private readonly deps: { db: Database; logger: Logger; models: ServingModels | null },
    options: PointInTimePreviewOptions = {},
  ) {
    this.maxEvents = options.maxEvents ?? 300_000;
    this.maxReplays = options.maxReplays ?? 2;
    this.ttlMs = options.ttlMs ?? 10 * 60_000;
  }

  async replayAt(asOfMs: number): Promise<ReplayLookup> {
    const cached = this.entries.get(asOfMs);
    if (cached) {
      cached.lastUsedMs = Date.now();
      return { replay: await cached.replay };
    }
    await this.evict(Date.now());
    const [row] = await this.deps.db.$queryRaw<{ count: bigint }[]>`SELECT count(*) AS count FROM events WHERE occurred_at <= ${new Date(asOfMs)}::timestamptz`;
    const events = Number(row?.count ?? 0n);
    if (events > this.maxEvents) return { replay: null, events, maxEvents: this.maxEvents };
    const replay = FeedReplay.create({ db: this.deps.db, logger: this.deps.logger }, { asOfMs, models: this.deps.models });
    this.entries.set(asOfMs, { replay, lastUsedMs: Date.now() });
    try {
      return { replay: await replay };
    } catch (error) {
      this.entries.delete(asOfMs);
      throw error;
    }
  }

  /** Drops replays unused for ttlMs, then the least recently used beyond maxReplays (keeping room for one more). */
  private async evict(nowMs: number): Promise<void> {
    const stale = [...this.entries].filter(([, entry]) => nowMs - entry.lastUsedMs > this.ttlMs);
    const byUse = [...this.entries].filter(([, entry]) => nowMs - entry.lastUsedMs <= this.ttlMs).sort(([, a], [, b]) => a.lastUsedMs - b.lastUsedMs);
    const excess = byUse.slice(0, Math.max(0, byUse.length - (this.maxReplays - 1)));
    for (const [asOfMs, entry] of [...stale, ...excess]) {
      this.entries.delete(asOfMs);
      await entry.replay.then((replay) => replay.close()).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(entries.map((entry) => entry.replay.then((replay) => replay.close()).catch(() => undefined)));
  }
}

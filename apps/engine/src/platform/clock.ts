// The engine's one source of business time. Everything time-dependent in what a user is served —
// decayed and windowed features, trending and popularity lists, freshness, seen and consumed
// windows, item age — reads a Clock handed down from the composition root, never Date.now().
//
//   wall   production: business time is the wall clock.
//   data   for serving an imported historical log: business time starts at the newest event in
//          the log when the engine starts and advances at wall speed from there, so a 1998 data
//          set is served as if it were live (its decayed features and trending lists non-zero).
//   fixed  "as of T" (debugging, replays): business time stands still at T.
//
// Infrastructure time stays on the wall clock whatever the mode: cache and session TTLs, request
// budgets and timeouts, latency metrics, retry back-off, Redis key expiry, when a model was loaded
// or a snapshot computed, how long an event took from acceptance to its features being written.
// Event ingestion checks timestamps against the wall clock too: under a data clock, clients stamp
// events in business time (GET /v1/health reports it); an event stamped with wall time becomes the
// newest one, and the next start's data clock begins there.
//
// Limits. The online store holds current state, not history. A request whose now is earlier than
// events already applied (a fixed clock inside the log, a feed preview `asOf`) reads windowed
// counts and recent items correctly as of then, but decayed sums also count the later events.
// Redis key TTLs run on wall time, so under a fixed clock windowed state still expires in wall
// time (the in-process store expires on business time). A data clock starts at the newest event:
// restarted with no newer event, business time goes back by the previous run's uptime.

export type ClockMode = "wall" | "data" | "fixed";

/** A serialisable description of a clock (it crosses into the event pipeline's worker thread). */
export type ClockSpec = { mode: "wall" } | { mode: "fixed"; atMs: number } | { mode: "data"; anchorMs: number; startedAtMs: number };

export type Clock = {
  readonly mode: ClockMode;
  /** Business time, epoch ms. */
  nowMs(): number;
  readonly spec: ClockSpec;
};

export const wallClock: Clock = { mode: "wall", nowMs: () => Date.now(), spec: { mode: "wall" } };

/** Business time stands still at `atMs`. */
export function fixedClock(atMs: number): Clock {
  assertInstant(atMs, "fixedClock atMs");
  return { mode: "fixed", nowMs: () => atMs, spec: { mode: "fixed", atMs } };
}

/**
 * Business time that reads `anchorMs` at wall time `startedAtMs` and advances at wall speed:
 * now = anchorMs + (wall now − startedAtMs). `wallNow` is for tests.
 */
export function dataClock(anchorMs: number, startedAtMs = Date.now(), wallNow: () => number = Date.now): Clock {
  assertInstant(anchorMs, "dataClock anchorMs");
  assertInstant(startedAtMs, "dataClock startedAtMs");
  return { mode: "data", nowMs: () => anchorMs + (wallNow() - startedAtMs), spec: { mode: "data", anchorMs, startedAtMs } };
}

export function clockFromSpec(spec: ClockSpec): Clock {
  switch (spec.mode) {
    case "wall":
      return wallClock;
    case "fixed":
      return fixedClock(spec.atMs);
    case "data":
      return dataClock(spec.anchorMs, spec.startedAtMs);
  }
}

/** CASCADE_CLOCK once validated (platform/env.ts): `data` still needs the event log to find its anchor. */
export type ClockSetting = { mode: "wall" } | { mode: "data" } | { mode: "fixed"; atMs: number };

/**
 * The clock for a setting. `newestEventMs` is asked only in `data` mode; with an empty log the
 * data clock starts at the wall clock (there is no history to be "as of").
 */
export async function resolveClock(setting: ClockSetting, newestEventMs: () => Promise<number | null>): Promise<Clock> {
  if (setting.mode === "wall") return wallClock;
  if (setting.mode === "fixed") return fixedClock(setting.atMs);
  const startedAtMs = Date.now();
  const newest = await newestEventMs();
  return dataClock(newest ?? startedAtMs, startedAtMs);
}

/** One line for logs and the start banner, e.g. `data (business time 1998-04-22T23:10:16.000Z)`. */
export function describeClock(clock: Clock): string {
  return `${clock.mode} (business time ${new Date(clock.nowMs()).toISOString()})`;
}

function assertInstant(ms: number, what: string): void {
  if (!Number.isFinite(ms) || Number.isNaN(new Date(ms).getTime())) throw new RangeError(`${what} must be a valid epoch ms, got ${ms}`);
}

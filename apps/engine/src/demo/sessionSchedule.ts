// When users show up: sessions per (user, day) ~ Poisson(λ·α_u·weekday factor), started along a
// diurnal curve (UTC). λ is calibrated so the expected number of events matches the config: a
// pilot run of sessions measures events per session on this very world, instead of a constant
// that would silently go stale whenever the behaviour model changes.
import { buildAliasTable } from "./aliasTable.ts";
import type { LoggingPolicy } from "./loggingPolicy.ts";
import { createRandom, deriveSeed } from "@cascade/core";
import { STREAM } from "./streams.ts";
import { simulateSession, type ScheduledSession } from "./sessionSimulator.ts";
import { DAY_MS, type DemoWorld } from "./world.ts";

const HOUR_MS = 3_600_000;

export const TRAFFIC_PARAMETERS = {
  weekendFactor: 1.2,
  /** Relative traffic per UTC hour 0..23: quiet nights, an evening peak. */
  hourWeights: [0.3, 0.2, 0.15, 0.1, 0.1, 0.15, 0.3, 0.5, 0.7, 0.8, 0.85, 0.9, 1, 0.95, 0.9, 0.9, 0.95, 1.05, 1.2, 1.4, 1.5, 1.4, 1, 0.6],
  pilotSessions: 1_000,
} as const;

export type TrafficPlan = {
  /** Mean events per session measured by the pilot run. */
  eventsPerSession: number;
  expectedSessions: number;
  /** λ: sessions per unit of activity per day. */
  sessionRate: number;
};

export function planTraffic(world: DemoWorld, policy: LoggingPolicy): TrafficPlan {
  const eventsPerSession = measureEventsPerSession(world, policy);
  const expectedSessions = world.config.events / eventsPerSession;
  let exposure = 0;
  for (let day = 0; day < world.config.days; day += 1) {
    const dayStart = world.windowStartMs + day * DAY_MS;
    const factor = weekdayFactor(dayStart);
    for (let u = 0; u < world.users.count; u += 1) {
      const activeShare = Math.min(1, Math.max(0, (dayStart + DAY_MS - world.users.joinedAtMs[u]!) / DAY_MS));
      exposure += world.users.activity[u]! * factor * activeShare;
    }
  }
  return { eventsPerSession, expectedSessions, sessionRate: exposure > 0 ? expectedSessions / exposure : 0 };
}

/**
 * Yields each day's sessions sorted by start time, numbered consecutively from 0 across days.
 * Holds one day of sessions at a time (large: ~11k sessions, under 1 MB).
 */
export function* sessionsByDay(world: DemoWorld, plan: TrafficPlan): Generator<ScheduledSession[]> {
  const random = createRandom(deriveSeed(world.config.seed, STREAM.schedule));
  const firstHour = new Date(world.windowStartMs).getUTCHours();
  // Every day starts at the same UTC time of day, so one table of hour offsets serves all days.
  const hourOffset = buildAliasTable(TRAFFIC_PARAMETERS.hourWeights.map((_, h) => TRAFFIC_PARAMETERS.hourWeights[(firstHour + h) % 24]!));
  let nextIndex = 0;
  for (let day = 0; day < world.config.days; day += 1) {
    const dayStart = world.windowStartMs + day * DAY_MS;
    const rate = plan.sessionRate * weekdayFactor(dayStart);
    const sessions: ScheduledSession[] = [];
    for (let user = 0; user < world.users.count; user += 1) {
      const joinedAtMs = world.users.joinedAtMs[user]!;
      if (joinedAtMs >= dayStart + DAY_MS) continue;
      const count = random.poisson(rate * world.users.activity[user]!);
      for (let n = 0; n < count; n += 1) {
        const startMs = Math.floor(dayStart + hourOffset.sample(random) * HOUR_MS + random.next() * HOUR_MS);
        if (startMs >= joinedAtMs) sessions.push({ index: 0, user, startMs });
      }
    }
    sessions.sort((a, b) => a.startMs - b.startMs || a.user - b.user);
    for (const session of sessions) session.index = nextIndex++;
    yield sessions;
  }
}

/** Mean events per session (within the window) over pilot sessions on a separate random stream. */
function measureEventsPerSession(world: DemoWorld, policy: LoggingPolicy): number {
  const random = createRandom(deriveSeed(world.config.seed, STREAM.pilot));
  const byActivity = buildAliasTable(world.users.activity);
  let events = 0;
  let order = 0;
  const sessions = TRAFFIC_PARAMETERS.pilotSessions;
  for (let n = 0; n < sessions; n += 1) {
    const user = byActivity.sample(random);
    const from = Math.max(world.windowStartMs, world.users.joinedAtMs[user]!);
    const startMs = Math.floor(from + random.next() * (world.windowEndMs - from));
    const sessionRandom = createRandom(deriveSeed(world.config.seed, STREAM.pilot, n + 1));
    simulateSession(
      world,
      policy,
      sessionRandom,
      { index: n, user, startMs },
      (event) => {
        if (event.timeMs <= world.windowEndMs) events += 1;
      },
      () => order++,
    );
  }
  return Math.max(1, events / sessions);
}

function weekdayFactor(dayStartMs: number): number {
  const weekday = new Date(dayStartMs + DAY_MS / 2).getUTCDay();
  return weekday === 0 || weekday === 6 ? TRAFFIC_PARAMETERS.weekendFactor : 1;
}

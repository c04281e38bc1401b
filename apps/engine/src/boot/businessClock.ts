// CASCADE_CLOCK at start-up: the clock every business-time reader of this process gets (platform/clock.ts).
// `data` anchors at the newest event in the log at this moment, so resolve it after the demo world
// (or anything else loaded at start) is in the database.
import type { Database } from "@cascade/db";
import type { Logger } from "pino";
import { describeClock, resolveClock, type Clock, type ClockSetting } from "../platform/clock.ts";

export async function resolveBusinessClock(setting: ClockSetting, db: Database, logger: Pick<Logger, "info" | "warn">): Promise<Clock> {
  let logEmpty = false;
  const clock = await resolveClock(setting, async () => {
    const [row] = await db.$queryRaw<{ newest: Date | null }[]>`SELECT max(occurred_at) AS newest FROM events`;
    logEmpty = !row?.newest;
    return row?.newest ? row.newest.getTime() : null;
  });
  if (logEmpty) {
    logger.warn("CASCADE_CLOCK=data with an empty event log: business time starts at the wall clock");
  }
  if (clock.mode !== "wall") logger.info({ clock: clock.spec }, `business time: ${describeClock(clock)}`);
  return clock;
}

import type { EventsQuery } from "./event-range.ts";

/** Dead letters shown at first, and added by each "Show more". */
export const RECENT_REJECTIONS_STEP = 20;
/** The most the table shows (event.listRejected's limit); the grouped counts cover the rest. */
export const RECENT_REJECTIONS_MAX = 200;

/**
 * The procedure inputs for a page query. One function, so that the server's prefetch and the
 * browser's queries build identical inputs (and so share React Query cache keys).
 */
export function eventsQueryInputs(query: EventsQuery, rejectionsLimit: number = RECENT_REJECTIONS_STEP) {
  return {
    ingestRate: { range: query.range },
    rejectionReasons: { range: query.range, limit: 100 },
    rejectedEvents: { range: query.range, field: query.field, reason: query.reason, limit: rejectionsLimit },
  };
}

// Event ingestion: every event gets its own verdict (accepted, duplicate, rejected) and a bad event
// never blocks the good ones. The semantics are documented in routes/events.ts.
//
// The steps, per batch:
// 1. screen (pure): contract, storability, clock skew — `screenEvents`, with a fast path for
//    plainly valid events (ingest/plainEventCheck.ts);
// 2. unknown items: one query for the item ids not already known to exist (ingest/knownItemCache.ts);
// 3. duplicates within the batch: the first occurrence of an event id wins;
// 4. dead letters: rejected events are written to `rejected_events` (PostgreSQL);
// 5. duplicates of earlier deliveries: ids the deduplicator remembers as published
//    (events/dedup/eventDeduplicator.ts: Redis MGET, or in-process) — asking writes nothing;
// 6. publish the other events to the event stream; once the stream holds them, remember their ids
//    (so re-sends are answered "duplicate") and answer.
// If step 5 or 6 fails, the request fails with 503 and nothing was remembered: the client's retry
// is judged afresh, never called a duplicate of events that did not reach the stream (whatever
// failed, Redis included). If only remembering fails, the events are on the stream and answered
// "accepted"; a re-send is then accepted again and the event log's unique key stores it once.
// Writing to the event log, creating unknown users and the metrics rollups happen downstream, in
// the consumers.
import { eventInput, type EventInput, type EventResult, type IngestEventsResponse } from "@cascade/core";
import type { Database } from "@cascade/db";
import type { Logger } from "pino";
import { writeDeadLetters, type Rejection } from "../events/consumers/deadLetters.ts";
import type { EventDeduplicator } from "../events/dedup/eventDeduplicator.ts";
import type { EventStream } from "../events/stream/eventStream.ts";
import type { KnownItemCache } from "./knownItemCache.ts";
import { plainEventCheck } from "./plainEventCheck.ts";
import { toStreamEvent } from "../events/stream/toStreamEvent.ts";
import { dottedPath, IngestUnavailableError } from "./inputErrors.ts";
import { findUnstorableStrings, timestampProblem } from "../postgres/storableValues.ts";

export type { Rejection } from "../events/consumers/deadLetters.ts";

/** Client clocks drift; an event stamped further ahead than this is a bug (and would skew time decay). */
export const MAX_FUTURE_SKEW_MS = 60 * 60_000;

export type ValidEvent = { index: number; event: EventInput; occurredAt: number };

/** The contract and storability checks, per event, with no database. */
export function screenEvents(rawEvents: readonly unknown[], now: Date): { valid: ValidEvent[]; rejected: Rejection[] } {
  const valid: ValidEvent[] = [];
  const rejected: Rejection[] = [];
  const latestAllowed = now.getTime() + MAX_FUTURE_SKEW_MS;
  rawEvents.forEach((payload, index) => {
    const reject = (field: string, reason: string) => rejected.push({ index, eventId: rawEventId(payload), field, reason, payload });
    const event = plainEventCheck(payload) ?? carefulCheck(payload, reject);
    if (!event) return;
    const occurredAt = Date.parse(event.timestamp);
    if (occurredAt > latestAllowed) return reject("timestamp", `is more than ${MAX_FUTURE_SKEW_MS / 60_000} minutes in the future`);
    valid.push({ index, event, occurredAt });
  });
  return { valid, rejected };
}

/** The full check (zod contract, then what PostgreSQL can store); words the first problem found. */
function carefulCheck(payload: unknown, reject: (field: string, reason: string) => void): EventInput | null {
  const parsed = eventInput.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    reject(issue.path.length === 0 ? "event" : dottedPath(issue.path), issue.message);
    return null;
  }
  const unstorable = findUnstorableStrings(parsed.data)[0];
  if (unstorable) {
    reject(unstorable.path, unstorable.message);
    return null;
  }
  const badTimestamp = timestampProblem(parsed.data.timestamp);
  if (badTimestamp) {
    reject("timestamp", badTimestamp);
    return null;
  }
  return parsed.data;
}

function rawEventId(payload: unknown): string | undefined {
  const eventId = (payload as { eventId?: unknown } | null)?.eventId;
  return typeof eventId === "string" ? eventId : undefined;
}

export type EventIngestionDeps = {
  db: Database;
  stream: EventStream;
  deduplicator: EventDeduplicator;
  knownItems: KnownItemCache;
  logger: Pick<Logger, "warn" | "error">;
};

/** One batch through steps 1–6. `receivedAt` (epoch ms) stamps the accepted events. */
export async function ingestEvents(deps: EventIngestionDeps, rawEvents: readonly unknown[], receivedAt = Date.now()): Promise<IngestEventsResponse> {
  const { valid, rejected } = screenEvents(rawEvents, new Date(receivedAt));
  const duplicateIndexes: number[] = [];

  const knownItems = await deps.knownItems.filterKnown(valid.map(({ event }) => event.itemId));
  // First occurrence of an eventId in the batch wins; later ones are duplicates.
  const firstByEventId = new Map<string, ValidEvent>();
  for (const candidate of valid) {
    if (!knownItems.has(candidate.event.itemId)) {
      rejected.push({ index: candidate.index, eventId: candidate.event.eventId, field: "itemId", reason: "unknown item", payload: rawEvents[candidate.index] });
    } else if (firstByEventId.has(candidate.event.eventId)) {
      duplicateIndexes.push(candidate.index);
    } else {
      firstByEventId.set(candidate.event.eventId, candidate);
    }
  }

  // Before any claim: if this fails, nothing is claimed or published and the retry starts clean.
  await writeDeadLetters(deps.db, rejected);

  const candidates = [...firstByEventId.values()];
  const accepted = await claimAndPublish(deps, candidates, receivedAt);
  const acceptedIndexes: number[] = [];
  candidates.forEach((candidate, position) => (accepted[position] ? acceptedIndexes : duplicateIndexes).push(candidate.index));

  const results: EventResult[] = new Array(rawEvents.length);
  for (const index of acceptedIndexes) results[index] = { index, eventId: rawEventId(rawEvents[index]), status: "accepted" };
  for (const index of duplicateIndexes) results[index] = { index, eventId: rawEventId(rawEvents[index]), status: "duplicate" };
  for (const { index, eventId, field, reason } of rejected) results[index] = { index, eventId, status: "rejected", field, reason };
  return { accepted: acceptedIndexes.length, duplicates: duplicateIndexes.length, rejected: rejected.length, results };
}

/** Steps 5–6. Per candidate: true when published now, false when a duplicate of an earlier delivery. */
async function claimAndPublish(deps: EventIngestionDeps, candidates: readonly ValidEvent[], receivedAt: number): Promise<boolean[]> {
  if (candidates.length === 0) return [];
  let unseen: boolean[];
  try {
    unseen = await deps.deduplicator.unseen(candidates.map(({ event }) => event.eventId));
  } catch (error) {
    throw unavailable(deps, "event deduplicator", error);
  }
  const toPublish = candidates.filter((_, position) => unseen[position]);
  if (toPublish.length === 0) return unseen;
  try {
    await deps.stream.publish(toPublish.map(({ event, occurredAt }) => toStreamEvent(event, occurredAt, receivedAt)));
  } catch (error) {
    throw unavailable(deps, "event stream", error);
  }
  const eventIds = toPublish.map(({ event }) => event.eventId);
  try {
    await deps.deduplicator.remember(eventIds);
  } catch (error) {
    // The events are on the stream: they are accepted. Only the dedup window misses them.
    deps.logger.warn(
      { err: error, events: eventIds.length },
      "published events could not be remembered for deduplication: a re-send will be accepted again (the event log stores it once)",
    );
  }
  return unseen;
}

function unavailable(deps: EventIngestionDeps, dependency: string, error: unknown): IngestUnavailableError {
  deps.logger.warn({ err: error, dependency }, "event ingestion failed: dependency unavailable");
  return new IngestUnavailableError(`${dependency} is unavailable`, { cause: error });
}

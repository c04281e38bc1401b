// Event ingestion: every event gets its own verdict (accepted, duplicate, rejected) and a bad event
// never blocks the good ones. The semantics are documented in routes/events.ts.
//
// The steps, per batch:
// 1. screen (pure): contract, storability, clock skew — `screenEvents`, with a fast path for
//    plainly valid events (ingest/plainEventCheck.ts);
// 2. unknown items: one query for the item ids not already known to exist (ingest/knownItemCache.ts);
// 3. duplicates within the batch: the first occurrence of an event id wins;
// 4. dead letters: rejected events are written to `rejected_events` (PostgreSQL);
// 5. duplicate claim by event id (events/dedup/eventDeduplicator.ts: Redis SET NX, or in-process);
// 6. publish the claimed events to the event stream, and answer once the stream holds them.
// If step 6 fails, the claims of step 5 are released — a client's retry must not be called a
// duplicate of events that never made it — and the request fails with 503. Writing to the event
// log, creating unknown users and the metrics rollups happen downstream, in the consumers.
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

/** Steps 5–6. Per candidate: true when claimed and published now, false when already claimed. */
async function claimAndPublish(deps: EventIngestionDeps, candidates: readonly ValidEvent[], receivedAt: number): Promise<boolean[]> {
  if (candidates.length === 0) return [];
  const eventIds = candidates.map(({ event }) => event.eventId);
  let claimed: boolean[];
  try {
    claimed = await deps.deduplicator.claim(eventIds);
  } catch (error) {
    // Some SETs may have landed before the failure, and we cannot tell which: give them all back.
    // (Another request's in-flight claim of the same id may go too; the worst case is then a
    // duplicate on the stream, which the idempotent consumers absorb.)
    await releaseClaims(deps, eventIds);
    throw unavailable(deps, "event deduplicator", error);
  }
  const toPublish = candidates.filter((_, position) => claimed[position]);
  try {
    await deps.stream.publish(toPublish.map(({ event, occurredAt }) => toStreamEvent(event, occurredAt, receivedAt)));
  } catch (error) {
    await releaseClaims(
      deps,
      toPublish.map(({ event }) => event.eventId),
    );
    throw unavailable(deps, "event stream", error);
  }
  return claimed;
}

/**
 * Best effort, retried briefly: if the claims cannot be released, a retry within the dedup TTL
 * would be answered "duplicate" for events that never reached the stream. That is logged loudly
 * with the ids, so an operator can replay them.
 */
async function releaseClaims(deps: EventIngestionDeps, eventIds: readonly string[]): Promise<void> {
  if (eventIds.length === 0) return;
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    try {
      await deps.deduplicator.release(eventIds);
      return;
    } catch (error) {
      if (attempt === 3) {
        deps.logger.error(
          { err: error, eventIds },
          "could not release event id claims after a failed publish: retries of these events will be reported as duplicates until the claims expire",
        );
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

function unavailable(deps: EventIngestionDeps, dependency: string, error: unknown): IngestUnavailableError {
  deps.logger.warn({ err: error, dependency }, "event ingestion failed: dependency unavailable");
  return new IngestUnavailableError(`${dependency} is unavailable`, { cause: error });
}

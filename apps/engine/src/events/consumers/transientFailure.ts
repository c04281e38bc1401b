// Which consumer failures say "a dependency is down or busy" (retry the batch, however long it
// takes) rather than "this batch cannot be processed" (after a few deliveries, set it aside as a
// dead letter). Getting this wrong one way stalls a partition forever behind a poison entry; the
// other way dead-letters good events during an outage — so only recognisably data-independent
// failures count as transient.
import { OnlineStoreError } from "../../stores/onlineStore.ts";
import { EventStreamError } from "../stream/eventStream.ts";

/** Node socket errors. */
const TRANSIENT_SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

/**
 * PostgreSQL SQLSTATE classes and codes that are about the server, not the statement's data:
 * 08 connection, 53 insufficient resources, 57 operator intervention (incl. statement timeout
 * 57014), 58 system error; 40001 serialization failure, 40P01 deadlock.
 */
const TRANSIENT_SQLSTATE = /^(08|53|57|58)|^40001$|^40P01$/;

export function isTransientFailure(error: unknown): boolean {
  if (error instanceof EventStreamError) return true;
  const message = error instanceof Error ? error.message : String(error);
  // The store says "Redis unavailable: …" for connection problems, "Redis command failed: …" for
  // a command Redis refused (a script error, a wrong type: data problems), except time-outs.
  if (error instanceof OnlineStoreError) return /unavailable|timed out|closed/i.test(message);
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && (TRANSIENT_SOCKET_CODES.has(code) || TRANSIENT_SQLSTATE.test(code))) return true;
  // pg's client-side failures carry no code.
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Command timed out/i.test(message);
}

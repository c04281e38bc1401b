// The co-visitation build's thread (started by coVisitationBuilder.ts for one build): runs the
// table's query on a connection of its own, packs the rows into typed arrays, replies once and
// ends. The query's rows (an object and two id strings per pair, ~200k pairs at the bench's 1M
// items) are made and dropped in this thread's heap, not the request thread's: there they blocked
// requests for a few hundred ms and were promoted to the old generation (~70 MiB per build).
import { parentPort, workerData } from "node:worker_threads";
import pg from "pg";
import { lowerCurrentThreadPriority } from "../platform/threadPriority.ts";
import { BUILD_THREAD_NICE, type CoVisitationBuildReply, type CoVisitationBuildRequest } from "./coVisitationBuilder.ts";
import { CO_VISITATION_SQL, packedBuffers, packNeighbourRows, type NeighbourRow } from "./coVisitationTable.ts";

const port = parentPort;
if (!port) throw new Error("coVisitationWorker.ts runs in a worker thread (see coVisitationBuilder.ts)");
const request = workerData as CoVisitationBuildRequest;
// Building shares the cores with the request thread (and PostgreSQL's aggregate with both): it gives way.
const buildThreadNice = lowerCurrentThreadPriority(BUILD_THREAD_NICE);

// Bounded both ways: a build never waits forever for a connection or a statement.
const client = new pg.Client({ connectionString: request.databaseUrl, statement_timeout: request.statementTimeoutMs, connectionTimeoutMillis: 10_000 });
// A connection dropped mid-query is reported by the query's rejection; without a listener it would throw.
client.on("error", () => undefined);
try {
  await client.connect();
  const { rows } = await client.query<NeighbourRow>(CO_VISITATION_SQL, request.parameters);
  const packed = packNeighbourRows(rows);
  const reply: CoVisitationBuildReply = { kind: "built", packed, pairs: rows.length, buildThreadNice };
  port.postMessage(reply, packedBuffers(packed));
} catch (error) {
  const reply: CoVisitationBuildReply = { kind: "failed", message: error instanceof Error ? error.message : String(error) };
  port.postMessage(reply);
} finally {
  await client.end().catch(() => undefined);
}

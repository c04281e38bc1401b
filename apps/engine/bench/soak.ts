// Soak: mixed recommendations and events against a running engine for a configurable time, to see
// whether latency, errors and memory hold still (issue 13, point 6).
//
//   node --import tsx apps/engine/bench/soak.ts --engine http://127.0.0.1:4000 --key csk_… \
//     [--minutes 10] [--rate 50] [--users 1000] [--count 10] [--click-rate 0.1] [--window 30] \
//     [--database postgresql://…] [--out bench-results/soak.json]
//
// Open loop at `--rate` recommendations/s (latency from each request's due time, so queueing shows);
// every served page is answered as a client would: an impression per item shown and a click with
// probability `--click-rate`, sent to /v1/events in batches (so events/s ≈ rate × count). Per
// window of `--window` seconds it reports latency p50/p95/p99/max, status codes, degraded pages,
// events sent and accepted, and the engine's memory from its own /metrics (RSS, heap used). At the
// end, with `--database`, it waits for the consumers and counts the run's events in the event log:
// sent vs accepted vs stored. The key needs the `recommend` and `ingest` scopes (or `admin`).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import hdr from "hdr-histogram-js";
import pg from "pg";
import { Pool } from "undici";

const { values: args } = parseArgs({
  options: {
    engine: { type: "string" },
    key: { type: "string" },
    minutes: { type: "string", default: "10" },
    rate: { type: "string", default: "50" },
    users: { type: "string", default: "1000" },
    count: { type: "string", default: "10" },
    "click-rate": { type: "string", default: "0.1" },
    window: { type: "string", default: "30" },
    concurrency: { type: "string", default: "64" },
    database: { type: "string" },
    out: { type: "string", default: "bench-results/soak.json" },
  },
});
if (!args.engine || !args.key) {
  console.error("usage: soak.ts --engine URL --key API_KEY [--minutes 10] [--rate 50] [--database URL] (see the header)");
  process.exit(2);
}
const engine = new URL(args.engine).origin;
const authorization = `Bearer ${args.key.replace(/^Bearer\s+/i, "")}`;
const durationMs = Number(args.minutes) * 60_000;
const rate = Number(args.rate);
const users = Number(args.users);
const count = Number(args.count);
const clickRate = Number(args["click-rate"]);
const windowMs = Number(args.window) * 1000;
const run = `soak-${Date.now().toString(36)}`;

type Window = {
  startedAtS: number;
  requests: number;
  statuses: Record<string, number>;
  degraded: number;
  latency: hdr.Histogram;
  eventsSent: number;
  eventsAccepted: number;
  eventBatchesFailed: number;
};

const pool = new Pool(engine, { connections: Number(args.concurrency), pipelining: 1 });
const startedAt = performance.now();
const windows: Window[] = [];
const newWindow = (): Window => ({
  startedAtS: Math.round((performance.now() - startedAt) / 1000),
  requests: 0,
  statuses: {},
  degraded: 0,
  latency: hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 }),
  eventsSent: 0,
  eventsAccepted: 0,
  eventBatchesFailed: 0,
});
let current = newWindow();
const memory: { atS: number; rssMiB: number | null; heapUsedMiB: number | null }[] = [];
let pendingEvents: object[] = [];
let eventSequence = 0;
const totals = { sent: 0, accepted: 0 };

async function call(method: "GET" | "POST", path: string, body?: object): Promise<{ status: number; json: unknown }> {
  const response = await pool.request({
    path,
    method,
    headers: { authorization, "content-type": "application/json" },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.body.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.statusCode, json };
}

async function flushEvents(): Promise<void> {
  if (pendingEvents.length === 0) return;
  const events = pendingEvents;
  pendingEvents = [];
  const window = current;
  window.eventsSent += events.length;
  totals.sent += events.length;
  try {
    const { status, json } = await call("POST", "/v1/events", { events });
    const accepted = status === 200 ? ((json as { accepted?: number }).accepted ?? 0) : 0;
    window.eventsAccepted += accepted;
    totals.accepted += accepted;
    if (status !== 200) window.eventBatchesFailed += 1;
  } catch {
    window.eventBatchesFailed += 1;
  }
}

async function recommendation(sequence: number, dueAt: number): Promise<void> {
  const userId = `user-${String(1 + ((sequence * 7919) % users)).padStart(5, "0")}`;
  const window = current;
  try {
    const { status, json } = await call("POST", "/v1/recommendations", { userId, count });
    window.latency.recordValue(Math.max(1, Math.round((performance.now() - dueAt) * 1000)));
    window.statuses[status] = (window.statuses[status] ?? 0) + 1;
    if (status !== 200) return;
    const page = json as { requestId: string; degraded: boolean; items: { itemId: string; position?: number }[] };
    if (page.degraded) window.degraded += 1;
    const now = new Date().toISOString();
    page.items.forEach((item, position) => {
      const base = { userId, itemId: item.itemId, timestamp: now, requestId: page.requestId, position };
      pendingEvents.push({ ...base, eventId: `${run}-${eventSequence++}`, type: "impression" });
      if (Math.random() < clickRate) pendingEvents.push({ ...base, eventId: `${run}-${eventSequence++}`, type: "click" });
    });
    if (pendingEvents.length >= 200) await flushEvents();
  } catch {
    window.latency.recordValue(Math.max(1, Math.round((performance.now() - dueAt) * 1000)));
    window.statuses.error = (window.statuses.error ?? 0) + 1;
  } finally {
    window.requests += 1;
  }
}

async function sampleMemory(): Promise<void> {
  try {
    const response = await pool.request({ path: "/metrics", method: "GET" });
    const text = await response.body.text();
    const read = (name: string) => {
      const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, "m").exec(text);
      return match ? Math.round((Number(match[1]) / 2 ** 20) * 10) / 10 : null;
    };
    memory.push({
      atS: Math.round((performance.now() - startedAt) / 1000),
      rssMiB: read("cascade_process_resident_memory_bytes"),
      heapUsedMiB: read("cascade_nodejs_heap_size_used_bytes"),
    });
  } catch {
    memory.push({ atS: Math.round((performance.now() - startedAt) / 1000), rssMiB: null, heapUsedMiB: null });
  }
}

const ms = (histogram: hdr.Histogram, percentile: number) => Math.round(histogram.getValueAtPercentile(percentile) / 10) / 100;

function report(window: Window): Record<string, unknown> {
  return {
    atS: window.startedAtS,
    requests: window.requests,
    p50: ms(window.latency, 50),
    p95: ms(window.latency, 95),
    p99: ms(window.latency, 99),
    max: ms(window.latency, 100),
    statuses: window.statuses,
    degraded: window.degraded,
    eventsSent: window.eventsSent,
    eventsAccepted: window.eventsAccepted,
    eventBatchesFailed: window.eventBatchesFailed,
  };
}

async function main(): Promise<void> {
  console.log(`soak ${run}: ${rate} recommendations/s for ${args.minutes} min against ${engine} (window ${args.window} s)`);
  await sampleMemory();
  const total = Math.round((rate * durationMs) / 1000);
  const intervalMs = 1000 / rate;
  const inFlight = new Set<Promise<void>>();
  const windowTimer = setInterval(() => {
    windows.push(current);
    const closed = current;
    current = newWindow();
    void sampleMemory().then(() => {
      const row = report(closed);
      const mem = memory.at(-1);
      console.log(
        `${String(row.atS).padStart(5)} s  ${String(row.requests).padStart(6)} req  p50 ${row.p50} p95 ${row.p95} p99 ${row.p99} max ${row.max} ms  ` +
          `degraded ${row.degraded}  statuses ${JSON.stringify(row.statuses)}  events ${row.eventsAccepted}/${row.eventsSent}  ` +
          `rss ${mem?.rssMiB ?? "?"} MiB heap ${mem?.heapUsedMiB ?? "?"} MiB`,
      );
    });
  }, windowMs);
  for (let sequence = 0; sequence < total; sequence += 1) {
    const dueAt = startedAt + sequence * intervalMs;
    const wait = dueAt - performance.now();
    if (wait > 0) await new Promise((done) => setTimeout(done, wait));
    const request = recommendation(sequence, dueAt).finally(() => inFlight.delete(request));
    inFlight.add(request);
  }
  await Promise.all(inFlight);
  await flushEvents();
  clearInterval(windowTimer);
  windows.push(current);
  await sampleMemory();

  let stored: number | null = null;
  if (args.database) {
    const db = new pg.Client({ connectionString: args.database });
    await db.connect();
    // The consumers write the log asynchronously: wait until the count stops growing (at most 2 min).
    let previous = -1;
    for (let attempt = 0; attempt < 60; attempt += 1) {
      const { rows } = await db.query<{ n: string }>("SELECT count(*) AS n FROM events WHERE event_id LIKE $1", [`${run}-%`]);
      stored = Number(rows[0]!.n);
      if (stored >= totals.accepted || stored === previous) break;
      previous = stored;
      await new Promise((done) => setTimeout(done, 2_000));
    }
    await db.end();
  }
  await pool.close();

  const all = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
  for (const window of windows) all.add(window.latency);
  const summary = {
    run,
    engine,
    minutes: Number(args.minutes),
    rate,
    requests: windows.reduce((sum, window) => sum + window.requests, 0),
    latencyMs: { p50: ms(all, 50), p95: ms(all, 95), p99: ms(all, 99), max: ms(all, 100) },
    degraded: windows.reduce((sum, window) => sum + window.degraded, 0),
    events: { sent: totals.sent, accepted: totals.accepted, stored },
    memory: { first: memory[0] ?? null, last: memory.at(-1) ?? null, samples: memory },
    windows: windows.map(report),
  };
  console.log(
    `total: ${summary.requests} requests, p50 ${summary.latencyMs.p50} / p99 ${summary.latencyMs.p99} / max ${summary.latencyMs.max} ms, ` +
      `degraded ${summary.degraded}; events sent ${totals.sent}, accepted ${totals.accepted}, stored ${stored ?? "(no --database)"}; ` +
      `RSS ${summary.memory.first?.rssMiB ?? "?"} → ${summary.memory.last?.rssMiB ?? "?"} MiB, heap ${summary.memory.first?.heapUsedMiB ?? "?"} → ${summary.memory.last?.heapUsedMiB ?? "?"} MiB`,
  );
  const out = resolve(args.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(summary, null, 2));
  console.log(`results: ${out}`);
}

await main();

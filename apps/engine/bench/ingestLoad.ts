// The benchmark's load generator, run in a worker thread so that building and sending requests
// does not compete with the engine for its event loop (it still shares the machine's 2 cores).
// A bounded loop: at most `concurrency` requests in flight, each a batch of `batchSize` events,
// until the main thread says stop. Without `rate` it sends as fast as the engine answers (closed
// loop: the maximum rate); with `rate` (events/s) request k leaves at start + k·batchSize/rate, or
// as soon as a lane is free when the engine falls behind. Reports every response to the main thread.
import { parentPort, workerData } from "node:worker_threads";
import { eventsBody, type BodyOptions } from "./benchEvents.ts";

export type LoadSettings = BodyOptions & { url: string; authorization: string; concurrency: number; rate: number | null };
export type LoadReport = { at: number; status: number; accepted: number; duplicates: number; rejected: number; latencyMs: number };

const settings = workerData as LoadSettings;
let stopping = false;
let sequence = 0;
const loadStartedAt = performance.now();
const intervalMs = settings.rate === null ? 0 : (settings.batchSize / settings.rate) * 1000;
parentPort!.on("message", (message) => {
  if (message === "stop") stopping = true;
});

async function lane(): Promise<void> {
  while (!stopping) {
    const request = sequence++;
    const dueIn = loadStartedAt + request * intervalMs - performance.now();
    if (dueIn > 0) await new Promise((resolve) => setTimeout(resolve, dueIn));
    if (stopping) break;
    const body = eventsBody(settings, request);
    const sentAt = performance.now();
    let report: LoadReport;
    try {
      const response = await fetch(settings.url, {
        method: "POST",
        headers: { authorization: settings.authorization, "content-type": "application/json" },
        body,
      });
      const text = await response.text();
      const counts = response.ok
        ? (JSON.parse(text) as { accepted: number; duplicates: number; rejected: number })
        : { accepted: 0, duplicates: 0, rejected: 0 };
      report = {
        at: Date.now(),
        status: response.status,
        accepted: counts.accepted,
        duplicates: counts.duplicates,
        rejected: counts.rejected,
        latencyMs: performance.now() - sentAt,
      };
    } catch {
      report = { at: Date.now(), status: 0, accepted: 0, duplicates: 0, rejected: 0, latencyMs: performance.now() - sentAt };
    }
    parentPort!.postMessage(report);
  }
}

await Promise.all(Array.from({ length: settings.concurrency }, () => lane()));
parentPort!.postMessage("done");

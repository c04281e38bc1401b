// Load generator for recommendLatency.ts, run in a worker thread (its own event loop; it still
// shares the machine's 2 cores with the engine). Open loop at a fixed rate: request k is due at
// start + k/rate and its latency is measured from that due time, so a slow engine shows up as
// queueing delay instead of silently lowering the offered rate (no coordinated omission).
// At most `concurrency` requests are in flight; undici keeps the connections alive.
//
// One worker serves every run of a bench (a `run` message each, then `close`): a worker started per
// run met each run's first second with its own cold JIT and new connections, on the same 2 cores as
// the engine, and that start-up showed in the engine's first-second tail. Real clients are not born
// with each second of traffic; the engine's own cold start still shows in the first run.
import { parentPort } from "node:worker_threads";
import { Pool } from "undici";
import { threadCpuMs } from "./cpuByPlace.ts";

export type RecommendLoadSettings = {
  origin: string;
  path: string;
  authorization: string;
  rate: number;
  durationMs: number;
  concurrency: number;
  users: number;
  count: number;
};
export type RecommendLoadResult = {
  latenciesMs: number[];
  /** When each request of `latenciesMs` was due, in ms from the run's start (where in the run a tail came from). */
  dueOffsetsMs: number[];
  /** Latencies of the 200 answers alone (pages served). */
  okLatenciesMs: number[];
  /** Latencies of the 503 answers alone (load shed by the engine's admission control). */
  shedLatenciesMs: number[];
  statuses: Record<string, number>;
  degraded: number;
  items: number;
  elapsedMs: number;
  /** When the run started (its due times' zero), ms since the epoch (performance.timeOrigin-based, comparable across threads). */
  startedAtEpochMs: number;
  /** This thread's CPU during the requests, and from the run's message to its result (the window's share), ms; null off Linux. */
  cpuMs: number | null;
  cpuTotalMs: number | null;
};

export type RecommendLoadMessage = { run: RecommendLoadSettings } | { close: true };

/** Keep-alive pools by origin and concurrency, kept across runs. */
const pools = new Map<string, Pool>();

function poolFor(settings: RecommendLoadSettings): Pool {
  const key = `${settings.origin} ${settings.concurrency}`;
  let pool = pools.get(key);
  if (!pool) pools.set(key, (pool = new Pool(settings.origin, { connections: settings.concurrency, pipelining: 1 })));
  return pool;
}

async function run(settings: RecommendLoadSettings): Promise<RecommendLoadResult> {
  const cpuAtMessage = threadCpuMs();
  const pool = poolFor(settings);
  const latenciesMs: number[] = [];
  const dueOffsetsMs: number[] = [];
  const shedLatenciesMs: number[] = [];
  const okLatenciesMs: number[] = [];
  const statuses: Record<string, number> = {};
  let degraded = 0;
  let items = 0;
  let sequence = 0;
  const total = Math.round((settings.rate * settings.durationMs) / 1000);
  const startedAt = performance.now();
  const intervalMs = 1000 / settings.rate;

  async function lane(): Promise<void> {
    for (;;) {
      const request = sequence++;
      if (request >= total) return;
      const dueAt = startedAt + request * intervalMs;
      const wait = dueAt - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const body = JSON.stringify({ userId: `u${(request * 7919) % settings.users}`, count: settings.count });
      try {
        const response = await pool.request({
          path: settings.path,
          method: settings.path === "/bare" ? "GET" : "POST",
          headers: { authorization: settings.authorization, "content-type": "application/json" },
          ...(settings.path === "/bare" ? {} : { body }),
        });
        const text = await response.body.text();
        latenciesMs.push(performance.now() - dueAt);
        dueOffsetsMs.push(dueAt - startedAt);
        if (response.statusCode === 503) shedLatenciesMs.push(performance.now() - dueAt);
        if (response.statusCode === 200) okLatenciesMs.push(performance.now() - dueAt);
        statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
        if (response.statusCode === 200 && settings.path !== "/bare") {
          const parsed = JSON.parse(text) as { degraded: boolean; items: unknown[] };
          if (parsed.degraded) degraded += 1;
          items += parsed.items.length;
        }
      } catch {
        latenciesMs.push(performance.now() - dueAt);
        dueOffsetsMs.push(dueAt - startedAt);
        statuses.error = (statuses.error ?? 0) + 1;
      }
    }
  }

  const cpuAtStart = threadCpuMs();
  await Promise.all(Array.from({ length: settings.concurrency }, () => lane()));
  const cpuAtEnd = threadCpuMs();
  return {
    latenciesMs,
    dueOffsetsMs,
    okLatenciesMs,
    shedLatenciesMs,
    statuses,
    degraded,
    items,
    elapsedMs: performance.now() - startedAt,
    startedAtEpochMs: performance.timeOrigin + startedAt,
    cpuMs: cpuAtStart === null || cpuAtEnd === null ? null : cpuAtEnd - cpuAtStart,
    cpuTotalMs: cpuAtMessage === null || cpuAtEnd === null ? null : cpuAtEnd - cpuAtMessage,
  };
}

parentPort!.on("message", (message: RecommendLoadMessage) => {
  if ("run" in message) {
    void run(message.run).then((result) => parentPort!.postMessage(result));
    return;
  }
  void Promise.all([...pools.values()].map((pool) => pool.close())).then(() => parentPort!.close());
});
// Loaded: the bench waits for this before its first run, so the start-up falls in no run's window.
parentPort!.postMessage({ ready: true });

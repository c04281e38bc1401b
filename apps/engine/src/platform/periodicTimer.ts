// A timer for background refreshes (the popularity, trending and fresh lists, co-visitation):
// every `intervalMs`, starting at a random phase within the first interval.
//
// Why the random phase: the lists start together when an engine boots, so with plain setInterval
// their refreshes land in the same second every minute (trending, popularity and fresh at once) and
// add their database and CPU time to the same requests' latency — the once-a-minute bump of
// docs/benchmarks.md. N engines started together by a deploy would also hit PostgreSQL in step.
// A random phase per timer spreads them over the interval; the time between two refreshes of a
// list stays `intervalMs`, so no list is ever staler than before.
export type PeriodicTimer = { stop(): void };

export function startPeriodicTimer(tick: () => void, intervalMs: number, options: { random?: () => number } = {}): PeriodicTimer {
  const random = options.random ?? Math.random;
  let interval: NodeJS.Timeout | null = null;
  const phase = setTimeout(
    () => {
      tick();
      interval = setInterval(tick, intervalMs);
      interval.unref();
    },
    Math.floor(random() * intervalMs),
  );
  phase.unref();
  return {
    stop() {
      clearTimeout(phase);
      if (interval) clearInterval(interval);
    },
  };
}

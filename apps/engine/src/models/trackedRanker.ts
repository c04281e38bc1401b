// A ranker's ONNX session may be replaced while requests still score with it (a hot swap, or a
// pinned version no running experiment wants any more). TrackedRanker counts in-flight `score`
// calls so the session is released only when none is running; DeferredReleases waits a grace
// period first, so a request that took the reference just before the swap still finishes on it.
import type { Logger } from "pino";
import type { ServingRanker } from "../ranking/servingRanker.ts";

export type TrackedRanker = ServingRanker & { drainAndRelease(): Promise<void> };

/** Counts in-flight `score` calls so the session is released only when none is running. */
export function trackRanker(inner: ServingRanker): TrackedRanker {
  let inFlight = 0;
  let released = false;
  const idleWaiters: Array<() => void> = [];
  return {
    featureNames: inner.featureNames,
    outputs: inner.outputs,
    async score(features, rows) {
      if (released) throw new Error("this ranker version was swapped out and released; take the current one from activeModels.ranker()");
      inFlight += 1;
      try {
        return await inner.score(features, rows);
      } finally {
        inFlight -= 1;
        if (inFlight === 0) idleWaiters.splice(0).forEach((wake) => wake());
      }
    },
    release: () => inner.release(),
    async drainAndRelease() {
      if (released) return;
      if (inFlight > 0) await new Promise<void>((resolve) => idleWaiters.push(resolve));
      released = true;
      await inner.release();
    },
  };
}

export class DeferredReleases {
  private readonly pending = new Set<{ release: Promise<void>; endGrace: () => void }>();

  constructor(
    private readonly logger: Pick<Logger, "warn">,
    private readonly graceMs: number,
  ) {}

  /** Releases `ranker` after the grace period and its in-flight calls. */
  releaseLater(ranker: TrackedRanker): void {
    let endGrace = () => {};
    const release = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.graceMs);
      timer.unref();
      endGrace = () => {
        clearTimeout(timer);
        resolve();
      };
    })
      .then(() => ranker.drainAndRelease())
      .catch((error: unknown) => this.logger.warn({ err: error }, "releasing a ranker session failed"))
      .finally(() => this.pending.delete(entry));
    const entry = { release, endGrace };
    this.pending.add(entry);
  }

  /** Shutting down: ends every grace period and waits only for in-flight calls. */
  async releaseAllNow(): Promise<void> {
    const pending = [...this.pending];
    for (const entry of pending) entry.endGrace();
    await Promise.all(pending.map((entry) => entry.release));
  }
}

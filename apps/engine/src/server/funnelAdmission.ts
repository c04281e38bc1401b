// Admission control for the routes that run the funnel (POST /v1/recommendations first pages,
// POST /v1/rerank): near capacity the engine answers a fast 503 `overloaded` with Retry-After
// instead of starting funnels it cannot finish within their budgets (which would come back
// degraded: components timed out, lists from what was left).
//
// Why a gate of our own rather than @fastify/under-pressure: that plugin is one process-wide switch
// sampled once per interval (event-loop delay, heap, RSS, event-loop utilisation) that turns away
// every route alike, /v1/health and /v1/events included. What breaks first here is the number of
// funnels interleaved on the one event loop (each waits for the others' synchronous stretches and
// misses its budgets), so the gate bounds exactly that, per route group, and is exact: a slot is
// released when its handler finishes, whatever the client did. The event-loop delay is a second,
// optional signal (something else is starving the loop: shed new funnels until it recovers).
//
// A request is admitted at once while fewer than `maxInFlight` funnels run; otherwise it waits in a
// FIFO queue of at most `maxQueued` requests for up to `maxQueueWaitMs`; a full queue or a longer
// wait → FunnelOverloadedError (server/errors.ts: 503 `overloaded`, Retry-After). A request whose
// expected wait (its place in the queue × the mean time a funnel holds its slot / maxInFlight)
// already exceeds the bound is turned away at once: under sustained overload the 503 is immediate,
// not a wait that holds the client's connection. Later pages
// (a cursor) read a stored page session and are never gated.
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";

export type FunnelAdmissionOptions = {
  /** Funnel runs at once; 0 = no gate. */
  maxInFlight: number;
  /** Requests waiting for a slot; beyond → shed at once. */
  maxQueued: number;
  /** Longest wait for a slot, ms; a request that waited this long is shed. */
  maxQueueWaitMs: number;
  /** Shed new funnel runs while the event loop's mean delay over the last sample exceeds this, ms; 0 = off. */
  maxEventLoopDelayMs: number;
  /** Retry-After of a shed request, seconds. */
  retryAfterSeconds: number;
  /** How often the event-loop delay is sampled, ms (default 500). */
  sampleIntervalMs?: number;
  /** Clock of the hold times, ms (default performance.now; tests pass their own). */
  now?: () => number;
};

export type ShedReason = "in_flight" | "queue_wait" | "event_loop_delay";

export class FunnelOverloadedError extends Error {
  override readonly name = "FunnelOverloadedError";
  constructor(
    readonly reason: ShedReason,
    readonly retryAfterSeconds: number,
  ) {
    super(
      reason === "event_loop_delay"
        ? `this engine is overloaded (event loop delayed); retry after ${retryAfterSeconds} s`
        : `this engine is running as many recommendation funnels as it can; retry after ${retryAfterSeconds} s`,
    );
  }
}

type Waiter = { grant: (release: () => void) => void; timer: NodeJS.Timeout };

/** Weight of the latest run in the moving average of slot hold times (≈ the last 20 runs). */
const HOLD_SMOOTHING = 0.05;

/** Event-loop resolution of the delay histogram, ms (its samples include it; subtracted as @fastify/under-pressure does). */
const DELAY_RESOLUTION_MS = 10;

export class FunnelAdmission {
  private running = 0;
  private readonly waiting: Waiter[] = [];
  private eventLoopDelayMs = 0;
  private holdMs = 0;
  private readonly histogram: IntervalHistogram | null = null;
  private readonly sampler: NodeJS.Timeout | null = null;

  constructor(private readonly options: FunnelAdmissionOptions) {
    if (options.maxInFlight > 0 && options.maxEventLoopDelayMs > 0) {
      const histogram = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });
      histogram.enable();
      this.histogram = histogram;
      this.sampler = setInterval(() => this.sample(), options.sampleIntervalMs ?? 500).unref();
    }
  }

  get enabled(): boolean {
    return this.options.maxInFlight > 0;
  }

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** The event loop's mean delay over the last sample, ms (0 when not measured). */
  get eventLoopDelay(): number {
    return this.eventLoopDelayMs;
  }

  /** Runs `work` under the gate, or throws FunnelOverloadedError without running it. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (!this.enabled) return work();
    const release = await this.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }

  /** A slot (call the returned function once to give it back), or FunnelOverloadedError. */
  acquire(): Promise<() => void> {
    if (!this.enabled) return Promise.resolve(() => {});
    if (this.options.maxEventLoopDelayMs > 0 && this.eventLoopDelayMs > this.options.maxEventLoopDelayMs) {
      return Promise.reject(this.shed("event_loop_delay"));
    }
    if (this.running < this.options.maxInFlight && this.waiting.length === 0) {
      this.running += 1;
      return Promise.resolve(this.releaser());
    }
    if (this.waiting.length >= this.options.maxQueued || this.options.maxQueueWaitMs <= 0) {
      return Promise.reject(this.shed("in_flight"));
    }
    // Under sustained overload the queue ahead would outlast the wait bound: say so now, not after the wait.
    if (this.expectedWaitMs(this.waiting.length + 1) > this.options.maxQueueWaitMs) return Promise.reject(this.shed("queue_wait"));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: resolve,
        timer: setTimeout(() => {
          const index = this.waiting.indexOf(waiter);
          if (index >= 0) this.waiting.splice(index, 1);
          reject(this.shed("queue_wait"));
        }, this.options.maxQueueWaitMs),
      };
      this.waiting.push(waiter);
    });
  }

  /** Mean time a funnel holds its slot, ms (moving average over the recent runs; 0 before any). */
  get meanHoldMs(): number {
    return this.holdMs;
  }

  /** The expected wait of the `position`-th waiter: slots free up every meanHold / maxInFlight on average. */
  private expectedWaitMs(position: number): number {
    return (position * this.holdMs) / this.options.maxInFlight;
  }

  /** Sets the event-loop delay directly (tests); the sampler overwrites it at its next sample. */
  setEventLoopDelayForTest(ms: number): void {
    this.eventLoopDelayMs = ms;
  }

  close(): void {
    if (this.sampler) clearInterval(this.sampler);
    this.histogram?.disable();
  }

  private releaser(): () => void {
    let released = false;
    const now = this.options.now ?? performance.now.bind(performance);
    const acquiredAt = now();
    return () => {
      if (released) return;
      released = true;
      const heldMs = now() - acquiredAt;
      this.holdMs = this.holdMs === 0 ? heldMs : this.holdMs + HOLD_SMOOTHING * (heldMs - this.holdMs);
      const next = this.waiting.shift();
      if (next) {
        // The slot passes straight to the oldest waiter: `running` is unchanged.
        clearTimeout(next.timer);
        next.grant(this.releaser());
      } else {
        this.running -= 1;
      }
    };
  }

  /**
   * The error of a shed request, without a stack trace: shedding is an expected answer, given
   * hundreds of times a second under overload, and capturing the stack was most of its cost (a CPU
   * profile at 1M items and 200/s shedding half the requests: 116 ms of the engine thread in 15 s).
   */
  private shed(reason: ShedReason): FunnelOverloadedError {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return new FunnelOverloadedError(reason, this.options.retryAfterSeconds);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }

  private sample(): void {
    const histogram = this.histogram!;
    // An empty sample (no tick of the histogram's timer yet) reads as NaN.
    const meanMs = histogram.count > 0 ? histogram.mean / 1e6 - DELAY_RESOLUTION_MS : 0;
    this.eventLoopDelayMs = Math.max(0, meanMs);
    histogram.reset();
  }
}

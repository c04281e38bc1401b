// Where in a load run the engine thread was busy: its event-loop utilisation and GC pauses, per
// second of the run, to set beside the run's per-second p99 (is a latency spike the thread being
// busy — GC, a periodic job — or the funnels waiting on something else?). Sampled from this
// thread, every 100 ms, on the epoch clock the load generator also reports its start on.
import { performance, PerformanceObserver, type EventLoopUtilization } from "node:perf_hooks";

type Sample = { atEpochMs: number; utilization: EventLoopUtilization };

export type SecondsTimeline = {
  /** Share of each second the event loop was not idle, %. */
  busyPercent: number[];
  /** GC pause time in each second, ms. */
  gcMs: number[];
};

const epochNow = () => performance.timeOrigin + performance.now();

export class ThreadTimeline {
  private readonly samples: Sample[] = [];
  private readonly gcPauses: { atEpochMs: number; ms: number }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) this.gcPauses.push({ atEpochMs: performance.timeOrigin + entry.startTime, ms: entry.duration });
  });

  start(): void {
    this.sample();
    this.observer.observe({ entryTypes: ["gc"] });
    this.timer = setInterval(() => this.sample(), 100);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.observer.disconnect();
    this.sample();
  }

  /** Per second from `startEpochMs`: busy share (from the samples spanning each second) and GC time. */
  perSecond(startEpochMs: number, seconds: number): SecondsTimeline {
    const busy = new Array<number>(seconds).fill(0);
    const span = new Array<number>(seconds).fill(0);
    for (let index = 1; index < this.samples.length; index += 1) {
      const previous = this.samples[index - 1]!;
      const current = this.samples[index]!;
      const second = Math.floor((current.atEpochMs - startEpochMs) / 1000);
      if (second < 0 || second >= seconds) continue;
      const delta = performance.eventLoopUtilization(current.utilization, previous.utilization);
      busy[second]! += delta.active;
      span[second]! += delta.active + delta.idle;
    }
    const gcMs = new Array<number>(seconds).fill(0);
    for (const pause of this.gcPauses) {
      const second = Math.floor((pause.atEpochMs - startEpochMs) / 1000);
      if (second >= 0 && second < seconds) gcMs[second]! += pause.ms;
    }
    return {
      busyPercent: busy.map((active, second) => (span[second]! > 0 ? Math.round((100 * active) / span[second]!) : 0)),
      gcMs: gcMs.map((ms) => Math.round(ms)),
    };
  }

  private sample(): void {
    this.samples.push({ atEpochMs: epochNow(), utilization: performance.eventLoopUtilization() });
  }
}

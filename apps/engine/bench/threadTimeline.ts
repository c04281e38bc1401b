// Where in a load run the engine thread was busy: its event-loop utilisation and GC pauses, per
// second of the run, to set beside the run's per-second p99 (is a latency spike the thread being
// busy — GC, a periodic job — or the funnels waiting on something else?). Sampled from this
// thread, every 100 ms, on the epoch clock the load generator also reports its start on. Beside
// it, the whole machine's: how busy all cores were (is the thread competing with the load
// generator, the servers, another process?) and the steal time (a VM's vCPUs waiting for the
// hypervisor, which no process's counters show).
import { availableParallelism } from "node:os";
import { performance, PerformanceObserver, type EventLoopUtilization } from "node:perf_hooks";
import { machineTicksMs } from "./cpuByPlace.ts";

type Sample = { atEpochMs: number; utilization: EventLoopUtilization; machine: { busyMs: number; stealMs: number } | null };

export type SecondsTimeline = {
  /** Share of each second the event loop was not idle, %. */
  busyPercent: number[];
  /** GC pause time in each second, ms. */
  gcMs: number[];
  /** Share of all cores' time each second spent busy (steal apart), %; empty elsewhere than Linux. */
  machineBusyPercent: number[];
  /** Steal time of all cores in each second, ms; empty elsewhere than Linux. */
  stealMs: number[];
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
    const machineBusy = new Array<number>(seconds).fill(0);
    const machineSpan = new Array<number>(seconds).fill(0);
    const steal = new Array<number>(seconds).fill(0);
    const cores = availableParallelism();
    for (let index = 1; index < this.samples.length; index += 1) {
      const previous = this.samples[index - 1]!;
      const current = this.samples[index]!;
      const second = Math.floor((current.atEpochMs - startEpochMs) / 1000);
      if (second < 0 || second >= seconds) continue;
      const delta = performance.eventLoopUtilization(current.utilization, previous.utilization);
      busy[second]! += delta.active;
      span[second]! += delta.active + delta.idle;
      if (current.machine && previous.machine) {
        machineBusy[second]! += current.machine.busyMs - previous.machine.busyMs;
        steal[second]! += current.machine.stealMs - previous.machine.stealMs;
        machineSpan[second]! += (current.atEpochMs - previous.atEpochMs) * cores;
      }
    }
    const onLinux = this.samples.some((sample) => sample.machine !== null);
    const gcMs = new Array<number>(seconds).fill(0);
    for (const pause of this.gcPauses) {
      const second = Math.floor((pause.atEpochMs - startEpochMs) / 1000);
      if (second >= 0 && second < seconds) gcMs[second]! += pause.ms;
    }
    return {
      busyPercent: busy.map((active, second) => (span[second]! > 0 ? Math.round((100 * active) / span[second]!) : 0)),
      gcMs: gcMs.map((ms) => Math.round(ms)),
      machineBusyPercent: onLinux
        ? machineBusy.map((ms, second) => (machineSpan[second]! > 0 ? Math.min(100, Math.round((100 * ms) / machineSpan[second]!)) : 0))
        : [],
      stealMs: onLinux ? steal.map((ms) => Math.round(ms)) : [],
    };
  }

  private sample(): void {
    this.samples.push({ atEpochMs: epochNow(), utilization: performance.eventLoopUtilization(), machine: machineTicksMs() });
  }
}

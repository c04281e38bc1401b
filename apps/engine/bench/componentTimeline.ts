// Which funnel component a second of a load run waited on: each component's mean duration per
// second of the run, recorded from the engine's own component observations (EngineMetrics'
// observeComponent, wrapped by the in-process bench), so a second whose p99 jumps while the engine
// thread is not busier (docs/benchmarks.md) can be put on a component: a PostgreSQL read, a Redis
// read, the ANN thread, the ranker thread.
import type { EngineMetrics } from "../src/telemetry/engineMetrics.ts";

type Totals = { sum: Float64Array; count: Int32Array; max: Float64Array };

export class ComponentTimeline {
  private readonly byComponent = new Map<string, Totals>();
  private startEpochMs = 0;
  private seconds = 0;
  private detach: (() => void) | null = null;

  /** Records `metrics`' component observations by second from `startEpochMs`, for `seconds` seconds, until stop(). */
  start(metrics: Pick<EngineMetrics, "observeComponent">, startEpochMs: number, seconds: number): void {
    this.startEpochMs = startEpochMs;
    this.seconds = seconds;
    const original = metrics.observeComponent;
    metrics.observeComponent = (labels, durationMs) => {
      this.record(`${labels.stage}/${labels.component}`, durationMs, Date.now());
      original.call(metrics, labels, durationMs);
    };
    this.detach = () => {
      metrics.observeComponent = original;
    };
  }

  stop(): void {
    this.detach?.();
    this.detach = null;
  }

  record(component: string, durationMs: number, atEpochMs: number): void {
    const second = Math.floor((atEpochMs - this.startEpochMs) / 1000);
    if (second < 0 || second >= this.seconds || !Number.isFinite(durationMs)) return;
    let totals = this.byComponent.get(component);
    if (!totals)
      this.byComponent.set(
        component,
        (totals = { sum: new Float64Array(this.seconds), count: new Int32Array(this.seconds), max: new Float64Array(this.seconds) }),
      );
    totals.sum[second]! += durationMs;
    totals.count[second]! += 1;
    if (durationMs > totals.max[second]!) totals.max[second] = durationMs;
  }

  /** Per component whose mean reached `minMeanMs` in some second: its mean per second (ms, 0 for a second without any), slowest first. */
  slowSeconds(minMeanMs: number): { component: string; meanMs: number[] }[] {
    const rows: { component: string; meanMs: number[]; worst: number }[] = [];
    for (const [component, { sum, count }] of this.byComponent) {
      const meanMs = Array.from(sum, (total, second) => (count[second]! > 0 ? Math.round((10 * total) / count[second]!) / 10 : 0));
      const worst = Math.max(...meanMs);
      if (worst >= minMeanMs) rows.push({ component, meanMs, worst });
    }
    return rows.sort((a, b) => b.worst - a.worst).map(({ component, meanMs }) => ({ component, meanMs }));
  }

  /**
   * Per component whose longest single duration reached `minMaxMs` in some second: its longest per
   * second (ms), slowest first. A stall of a few dozen requests hardly moves a second's mean but
   * sets the p99; this names the component the stalled requests waited on.
   */
  longestPerSecond(minMaxMs: number): { component: string; maxMs: number[] }[] {
    const rows: { component: string; maxMs: number[]; worst: number }[] = [];
    for (const [component, { max }] of this.byComponent) {
      const maxMs = Array.from(max, (longest) => Math.round(10 * longest) / 10);
      const worst = Math.max(...maxMs);
      if (worst >= minMaxMs) rows.push({ component, maxMs, worst });
    }
    return rows.sort((a, b) => b.worst - a.worst).map(({ component, maxMs }) => ({ component, maxMs }));
  }
}

// A value computed off the request path (a SQL aggregate, a table) and refreshed on a timer that
// starts at a random phase (platform/periodicTimer.ts). Requests read `current` and never wait; a
// failed refresh keeps the previous value and marks the snapshot stale until a refresh succeeds.
// stop() aborts a load in flight through its signal (a loader that honours it, like the
// co-visitation build thread, stops at once; one that does not is waited for, as before).
import type { Logger } from "pino";
import { startPeriodicTimer, type PeriodicTimer } from "../platform/periodicTimer.ts";

export type PeriodicSnapshotOptions<T> = {
  name: string;
  /** `signal` aborts when the snapshot stops. */
  load: (signal: AbortSignal) => Promise<T>;
  refreshIntervalMs: number;
  logger: Pick<Logger, "warn">;
};

export class PeriodicSnapshot<T> {
  private value: T | null = null;
  private inFlight: Promise<void> | null = null;
  private loading: AbortController | null = null;
  private timer: PeriodicTimer | null = null;
  private failed = false;

  constructor(private readonly options: PeriodicSnapshotOptions<T>) {}

  get current(): T | null {
    return this.value;
  }

  get stale(): boolean {
    return this.failed;
  }

  /** Loads now (joining a load in flight). Never rejects. */
  refresh(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    const loading = (this.loading = new AbortController());
    this.inFlight = this.options
      .load(loading.signal)
      .then((value) => {
        this.value = value;
        this.failed = false;
      })
      .catch((error: unknown) => {
        // Stopping is not a failure (nor a reason to call the value stale).
        if (loading.signal.aborted) return;
        this.failed = true;
        this.options.logger.warn({ err: error, snapshot: this.options.name }, "refresh failed; serving the previous value");
      })
      .finally(() => {
        this.inFlight = null;
        this.loading = null;
      });
    return this.inFlight;
  }

  start(): void {
    if (this.timer) return;
    void this.refresh();
    if (this.options.refreshIntervalMs > 0) {
      this.timer = startPeriodicTimer(() => void this.refresh(), this.options.refreshIntervalMs);
    }
  }

  async stop(): Promise<void> {
    this.timer?.stop();
    this.timer = null;
    this.loading?.abort(new Error(`${this.options.name} stopped`));
    await this.inFlight;
  }
}

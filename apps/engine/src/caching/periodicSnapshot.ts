// A value computed off the request path (a SQL aggregate, a table) and refreshed on a timer that
// starts at a random phase (platform/periodicTimer.ts). Requests read `current` and never wait; a
// failed refresh keeps the previous value and marks the snapshot stale until a refresh succeeds.
import type { Logger } from "pino";
import { startPeriodicTimer, type PeriodicTimer } from "../platform/periodicTimer.ts";

export type PeriodicSnapshotOptions<T> = {
  name: string;
  load: () => Promise<T>;
  refreshIntervalMs: number;
  logger: Pick<Logger, "warn">;
};

export class PeriodicSnapshot<T> {
  private value: T | null = null;
  private inFlight: Promise<void> | null = null;
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
    this.inFlight ??= this.options
      .load()
      .then((value) => {
        this.value = value;
        this.failed = false;
      })
      .catch((error: unknown) => {
        this.failed = true;
        this.options.logger.warn({ err: error, snapshot: this.options.name }, "refresh failed; serving the previous value");
      })
      .finally(() => {
        this.inFlight = null;
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
    await this.inFlight;
  }
}

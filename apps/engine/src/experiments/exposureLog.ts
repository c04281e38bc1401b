// One exposure row per unit per experiment phase (the first page the unit was served under a variant):
// what the analysis counts from. Written after the response, never awaited by it; an insert that
// meets the (experiment, unit) key does nothing, so replicas and retries cannot double-count. The
// units already written are remembered (bounded) so a returning unit costs no query.
import type { Database } from "@cascade/db";
import type { Logger } from "pino";
import type { ServedVariant } from "./runningExperiments.ts";

export class ExposureLog {
  private readonly written = new Set<string>();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly db: Database,
    private readonly logger: Pick<Logger, "warn">,
    private readonly maxRemembered = 200_000,
  ) {}

  record(served: Pick<ServedVariant, "experimentId" | "variantId" | "phase">, unitId: string, userId: string, atMs: number): void {
    const key = `${served.experimentId}\u0000${served.phase}\u0000${unitId}`;
    if (this.written.has(key)) return;
    if (this.written.size >= this.maxRemembered) this.written.clear();
    this.written.add(key);
    const write = this.db.$executeRaw`
      INSERT INTO exposures (experiment_id, phase, variant_id, unit_id, user_id, exposed_at)
      VALUES (${served.experimentId}, ${served.phase}, ${served.variantId}, ${unitId}, ${userId}, ${new Date(atMs)})
      ON CONFLICT (experiment_id, phase, unit_id) DO NOTHING`.then(
      () => undefined,
      (error: unknown) => {
        this.written.delete(key); // a later request retries
        this.logger.warn({ err: error, experimentId: served.experimentId }, "exposure not recorded");
      },
    );
    this.pending.add(write);
    void write.finally(() => this.pending.delete(write));
  }

  /** Waits for the writes started so far (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}

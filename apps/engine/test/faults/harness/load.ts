// A small open-loop load generator for fault tests: every tick it sends one recommendation request
// and one batch of events with fresh, unique event ids (plus one retry of a batch that was not
// answered 200: same ids, as a client retries), each on a connection of its own, without waiting
// for earlier requests. Every outcome is recorded (status and error code, or the network error;
// degraded flag and causes; latency) under the phase label current when it was sent, and the ids
// the engine answered `accepted` (or `duplicate`: an earlier delivery reached the stream) are kept,
// so a test can check that each of them is in the event log exactly once.
import { request } from "node:http";

export type Outcome = {
  kind: "recommend" | "events";
  phase: string;
  /** When it was sent (Date.now()); answered (or given up) at sentAt + ms. */
  sentAt: number;
  /** "200", "503 shutting_down", … or the network failure: "refused" (nothing listening), "reset before response", "cut mid-response", "timeout". */
  code: string;
  ms: number;
  degraded?: boolean;
  causes?: string[];
  /** Recommendations: the ranker version that scored the page (null: none). */
  modelVersion?: string | null;
};

export type LoadSettings = {
  url: string;
  authorization: string;
  /** Unique prefix of this run's event and user ids. */
  run: string;
  itemIds: readonly string[];
  tickMs?: number;
  batchSize?: number;
  /** A request still unanswered after this is abandoned and counted as "timeout" (a hang). */
  timeoutMs?: number;
};

export type Answer = { code: string; status: number | null; body: unknown; ms: number };

/** One POST on a connection of its own; network failures are answers too (`code`). */
export function post(url: string, path: string, authorization: string, payload: unknown, timeoutMs: number): Promise<Answer> {
  const body = JSON.stringify(payload);
  const startedAt = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    let responseStarted = false;
    const finish = (code: string, status: number | null, parsed: unknown) => {
      if (settled) return;
      settled = true;
      resolve({ code, status, body: parsed, ms: performance.now() - startedAt });
    };
    const req = request(
      `${url}${path}`,
      { method: "POST", agent: false, headers: { authorization, "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
      (res) => {
        responseStarted = true;
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString()));
        res.on("error", () => finish("cut mid-response", res.statusCode ?? null, null));
        res.on("aborted", () => finish("cut mid-response", res.statusCode ?? null, null));
        res.on("end", () => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            finish("cut mid-response", res.statusCode ?? null, null);
            return;
          }
          const status = res.statusCode ?? 0;
          const errorCode = (parsed as { error?: { code?: string } }).error?.code;
          finish(status >= 300 && errorCode ? `${status} ${errorCode}` : String(status), status, parsed);
        });
      },
    );
    const timer = setTimeout(() => {
      finish("timeout", null, null);
      req.destroy();
    }, timeoutMs);
    req.on("close", () => clearTimeout(timer));
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNREFUSED") finish("refused", null, null);
      else finish(responseStarted ? "cut mid-response" : "reset before response", null, null);
    });
    req.end(body);
  });
}

export class LoadGenerator {
  readonly outcomes: Outcome[] = [];
  /** Event ids answered `accepted` (or `duplicate`) at least once: each must end up in the log exactly once. */
  readonly answeredAccepted = new Set<string>();
  /** Every event id sent, accepted or not. */
  readonly sent = new Set<string>();
  /** Events answered `rejected` (none expected: every event is valid). */
  rejected = 0;
  phase = "before";
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly retries: string[][] = [];
  private sequence = 0;
  private readonly settings: Required<LoadSettings>;

  constructor(settings: LoadSettings) {
    this.settings = { tickMs: 100, batchSize: 5, timeoutMs: 15_000, ...settings };
  }

  /** Points the load at another engine (a restarted one on another port). */
  retarget(url: string): void {
    this.settings.url = url;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.settings.tickMs);
  }

  /** Stops sending and waits for every request in flight. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.all([...this.inFlight]);
  }

  /** Re-sends every batch still unanswered (after the fault is over), until each is answered 200 or the bound passes. */
  async flushRetries(boundMs = 30_000): Promise<void> {
    const deadline = Date.now() + boundMs;
    while (this.retries.length > 0 && Date.now() < deadline) {
      const batch = this.retries.shift()!;
      await this.sendEvents(batch);
      if (this.retries.includes(batch)) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    if (this.retries.length > 0) throw new Error(`${this.retries.length} event batches were never accepted`);
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private tick(): void {
    const { run, batchSize } = this.settings;
    const n = this.sequence++;
    this.track(this.recommend(`${run}-u${n % 40}`));
    const ids = Array.from({ length: batchSize }, (_, index) => `${run}-e${n}-${index}`);
    for (const id of ids) this.sent.add(id);
    this.track(this.sendEvents(ids));
    const retry = this.retries.shift();
    if (retry) this.track(this.sendEvents(retry));
  }

  private async recommend(userId: string): Promise<void> {
    const { url, authorization, timeoutMs } = this.settings;
    const phase = this.phase;
    const sentAt = Date.now();
    const answer = await post(url, "/v1/recommendations", authorization, { userId, surface: "home", count: 10 }, timeoutMs);
    const body =
      answer.status === 200
        ? (answer.body as { degraded: boolean; degradedCauses: { component: string; reason: string }[]; modelVersion: string | null })
        : null;
    this.outcomes.push({
      kind: "recommend",
      phase,
      sentAt,
      code: answer.code,
      ms: answer.ms,
      ...(body ? { degraded: body.degraded, causes: body.degradedCauses.map((cause) => cause.component), modelVersion: body.modelVersion } : {}),
    });
  }

  private async sendEvents(ids: string[]): Promise<void> {
    const { url, authorization, timeoutMs, run, itemIds } = this.settings;
    const phase = this.phase;
    const events = ids.map((eventId, index) => ({
      eventId,
      type: index % 2 === 0 ? "impression" : "click",
      userId: `${run}-u${index}`,
      itemId: itemIds[index % itemIds.length]!,
      surface: "home",
      timestamp: new Date().toISOString(),
    }));
    const sentAt = Date.now();
    const answer = await post(url, "/v1/events", authorization, { events }, timeoutMs);
    this.outcomes.push({ kind: "events", phase, sentAt, code: answer.code, ms: answer.ms });
    if (answer.status !== 200) {
      this.retries.push(ids);
      return;
    }
    const results = (answer.body as { results: { eventId?: string; status: string }[] }).results;
    for (const result of results) {
      if (result.status === "rejected") this.rejected += 1;
      else if (result.eventId) this.answeredAccepted.add(result.eventId);
    }
  }
}

export type Summary = {
  requests: number;
  codes: Record<string, number>;
  /** Share of 200 recommendation answers that said `degraded: true`. */
  degradedShare: number | null;
  causes: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
};

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** The requests sent before `at` and answered (or failed) after it: in flight at that moment. */
export function inFlightAt(outcomes: readonly Outcome[], at: number): Outcome[] {
  return outcomes.filter((outcome) => outcome.sentAt < at && outcome.sentAt + outcome.ms > at);
}

export function summarize(outcomes: readonly Outcome[]): Summary {
  const codes: Record<string, number> = {};
  const causes: Record<string, number> = {};
  for (const outcome of outcomes) {
    codes[outcome.code] = (codes[outcome.code] ?? 0) + 1;
    for (const cause of outcome.causes ?? []) causes[cause] = (causes[cause] ?? 0) + 1;
  }
  const answered = outcomes.filter((outcome) => outcome.degraded !== undefined);
  const latencies = outcomes.map((outcome) => outcome.ms).sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms);
  return {
    requests: outcomes.length,
    codes,
    degradedShare: answered.length > 0 ? answered.filter((outcome) => outcome.degraded).length / answered.length : null,
    causes,
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(latencies.at(-1) ?? 0),
  };
}

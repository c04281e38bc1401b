import { afterEach, describe, expect, it, vi } from "vitest";
import { FunnelAdmission, FunnelOverloadedError, type FunnelAdmissionOptions } from "./funnelAdmission.ts";
import { toErrorResponse } from "./errors.ts";

const OPTIONS: FunnelAdmissionOptions = { maxInFlight: 2, maxQueued: 1, maxQueueWaitMs: 100, maxEventLoopDelayMs: 0, retryAfterSeconds: 3 };
let gates: FunnelAdmission[] = [];
function gate(options: Partial<FunnelAdmissionOptions> = {}): FunnelAdmission {
  const created = new FunnelAdmission({ ...OPTIONS, ...options });
  gates.push(created);
  return created;
}

async function shedReason(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(FunnelOverloadedError);
  return (error as FunnelOverloadedError).reason;
}

afterEach(() => {
  for (const each of gates) each.close();
  gates = [];
  vi.useRealTimers();
});

describe("FunnelAdmission", () => {
  it("admits up to maxInFlight at once, queues up to maxQueued and sheds the rest at once", async () => {
    const admission = gate();
    const first = await admission.acquire();
    await admission.acquire();
    expect(admission.inFlight).toBe(2);
    const queued = admission.acquire();
    expect(admission.queued).toBe(1);
    expect(await shedReason(admission.acquire())).toBe("in_flight");
    // A released slot goes to the oldest waiter: still two running, nobody waiting.
    first();
    const third = await queued;
    expect(admission.inFlight).toBe(2);
    expect(admission.queued).toBe(0);
    third();
    expect(admission.inFlight).toBe(1);
  });

  it("a release function counts once, however often it is called", async () => {
    const admission = gate();
    const release = await admission.acquire();
    await admission.acquire();
    release();
    release();
    expect(admission.inFlight).toBe(1);
  });

  it("sheds a waiter whose wait reaches maxQueueWaitMs, and forgets it", async () => {
    vi.useFakeTimers();
    const admission = gate({ maxInFlight: 1 });
    const held = await admission.acquire();
    const waiting = admission.acquire();
    const reason = shedReason(waiting);
    await vi.advanceTimersByTimeAsync(100);
    expect(await reason).toBe("queue_wait");
    expect(admission.queued).toBe(0);
    held();
    expect(admission.inFlight).toBe(0);
  });

  it("turns a request away at once when its expected wait (place in the queue × mean hold time / slots) exceeds the bound", async () => {
    let clock = 0;
    const admission = gate({ maxInFlight: 2, maxQueued: 10, maxQueueWaitMs: 100, now: () => clock });
    // Funnels that hold their slot 80 ms: slots free up every 40 ms on average.
    const first = await admission.acquire();
    clock += 80;
    first();
    expect(admission.meanHoldMs).toBe(80);
    const running = [await admission.acquire(), await admission.acquire()];
    // Places 1 and 2 expect 40 and 80 ms: they wait; place 3 expects 120 ms > 100: shed without waiting.
    const waiting = [admission.acquire(), admission.acquire()];
    expect(admission.queued).toBe(2);
    expect(await shedReason(admission.acquire())).toBe("queue_wait");
    expect(admission.queued).toBe(2);
    for (const release of running) release();
    for (const release of await Promise.all(waiting)) release();
    expect(admission.inFlight).toBe(0);
  });

  it("with no queue (maxQueued 0 or no wait allowed), a full gate sheds at once", async () => {
    for (const options of [{ maxQueued: 0 }, { maxQueueWaitMs: 0 }]) {
      const admission = gate({ maxInFlight: 1, ...options });
      await admission.acquire();
      expect(await shedReason(admission.acquire())).toBe("in_flight");
      expect(admission.queued).toBe(0);
    }
  });

  it("a shed error carries no stack frames (an expected answer, not a fault), and the process's stack trace limit is left as it was", async () => {
    const admission = gate({ maxInFlight: 1, maxQueued: 0 });
    await admission.acquire();
    const before = Error.stackTraceLimit;
    const error = await admission.acquire().then(
      () => null,
      (thrown: unknown) => thrown as FunnelOverloadedError,
    );
    expect(error).toBeInstanceOf(FunnelOverloadedError);
    expect(error!.stack).toBe(`FunnelOverloadedError: ${error!.message}`);
    expect(Error.stackTraceLimit).toBe(before);
    expect(new Error("elsewhere").stack).toMatch(/\n\s+at /);
  });

  it("run() releases its slot when the work throws, and never runs work it sheds", async () => {
    const admission = gate({ maxInFlight: 1, maxQueued: 0 });
    await expect(admission.run(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(admission.inFlight).toBe(0);
    const held = await admission.acquire();
    const work = vi.fn(async () => 1);
    expect(await shedReason(admission.run(work))).toBe("in_flight");
    expect(work).not.toHaveBeenCalled();
    held();
    expect(await admission.run(work)).toBe(1);
  });

  it("sheds new runs while the event loop's delay is over its bound, even with free slots", async () => {
    const admission = gate({ maxEventLoopDelayMs: 50 });
    admission.setEventLoopDelayForTest(80);
    expect(await shedReason(admission.acquire())).toBe("event_loop_delay");
    expect(admission.inFlight).toBe(0);
    admission.setEventLoopDelayForTest(20);
    await admission.acquire();
    expect(admission.inFlight).toBe(1);
  });

  it("maxInFlight 0 is no gate", async () => {
    const admission = gate({ maxInFlight: 0, maxQueued: 0 });
    expect(admission.enabled).toBe(false);
    for (let i = 0; i < 5; i += 1) await admission.acquire();
    expect(await admission.run(async () => "ran")).toBe("ran");
  });

  it("a shed request becomes 503 overloaded with Retry-After in the documented error shape", () => {
    const response = toErrorResponse(new FunnelOverloadedError("in_flight", 3));
    expect(response.statusCode).toBe(503);
    expect(response.headers).toEqual({ "retry-after": "3" });
    expect(response.body).toEqual({ error: { code: "overloaded", message: expect.stringContaining("retry after 3 s") } });
  });
});

import { describe, expect, it } from "vitest";
import type { LoggedEvent } from "./eventLog.ts";
import { PendingExamples } from "./trainingLabels.ts";

let nextId = 1n;
function logged(type: LoggedEvent["type"], occurredAt: number, extra: Partial<LoggedEvent> = {}): LoggedEvent {
  const id = nextId++;
  return {
    id,
    eventId: `e${id}`,
    type,
    userId: "u",
    itemId: "i",
    occurredAt,
    requestId: null,
    position: null,
    surface: null,
    propensity: null,
    weight: null,
    ...extra,
  };
}

describe("PendingExamples", () => {
  const W = 1_000;

  it("labels outcomes in [t, t + W) for the same user and item, and nothing else", () => {
    const pending = new PendingExamples(W);
    const impression = logged("impression", 10_000);
    pending.add(impression, {});
    // As the builder does: observe in time order, closing windows before each new time.
    for (const event of [
      logged("like", 9_999), // before t (guarded even if it came late)
      logged("click", 10_000), // exactly t: counts
      logged("share", 10_500, { itemId: "other" }),
      logged("hide", 10_500, { userId: "other" }),
      logged("watch", 10_999, { value: 42 }), // last ms of the window
    ]) {
      expect(pending.closeBefore(event.occurredAt)).toEqual([]);
      pending.observe(event);
    }
    const [example] = pending.closeBefore(11_000);
    pending.observe(logged("purchase", 11_000)); // t + W: the window has closed
    expect(example!.labels).toEqual({ click: 1, like: 0, share: 0, watch: 1, purchase: 0, negative: 0 });
    expect(example!.watchSeconds).toBe(42);
    expect(pending.size).toBe(0);
  });

  it("matches request ids when both sides carry one", () => {
    const pending = new PendingExamples(W);
    pending.add(logged("impression", 0, { requestId: "r1" }), {});
    pending.add(logged("impression", 1, { requestId: "r2" }), {});
    pending.observe(logged("click", 5, { requestId: "r2" }));
    pending.observe(logged("like", 6));
    const [first, second] = pending.drain();
    expect(first!.labels.click).toBe(0);
    expect(second!.labels.click).toBe(1);
    expect(first!.labels.like).toBe(1);
    expect(second!.labels.like).toBe(1);
  });

  it("sums the seconds of every watch in the window of the same slate, and copies the impression's position and propensity", () => {
    const pending = new PendingExamples(W);
    const impression = logged("impression", 0, { requestId: "r1", position: 3, propensity: 0.125 });
    pending.add(impression, {});
    pending.observe(logged("watch", 10, { value: 20, requestId: "r1" }));
    pending.observe(logged("watch", 20, { value: 7.5 })); // no request id: (user, item) in the window suffices
    pending.observe(logged("watch", 30, { value: 100, requestId: "r2" })); // another slate's watch
    pending.observe(logged("watch", 40, { value: null })); // a watch without seconds labels but adds nothing
    pending.observe(logged("watch", W, { value: 1000 })); // window closed
    const [example] = pending.drain();
    expect(example!.watchSeconds).toBe(27.5);
    expect(example!.labels.watch).toBe(1);
    expect(example!.impression).toMatchObject({ position: 3, propensity: 0.125 });
  });

  it("closes windows in impression order and forgets them", () => {
    const pending = new PendingExamples(W);
    pending.add(logged("impression", 0), {});
    pending.add(logged("impression", 500), {});
    expect(pending.closeBefore(999)).toHaveLength(0);
    expect(pending.closeBefore(1_000).map((example) => example.impression.occurredAt)).toEqual([0]);
    pending.observe(logged("click", 1_200));
    const [late] = pending.drain();
    expect(late!.labels.click).toBe(1);
  });
});

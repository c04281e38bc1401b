import { describe, expect, it } from "vitest";
import type { ConsumerStats } from "./consumerRunner.ts";
import { describePipelineHealth, PIPELINE_FAILING_AFTER, PIPELINE_LAG_LIMIT_MS } from "./eventPipeline.ts";
import type { GroupStatus } from "../stream/eventStream.ts";

const now = 1_000_000_000;
const group = (name: string, overrides: Partial<GroupStatus> = {}): GroupStatus => ({
  group: name,
  pending: 0,
  lag: 0,
  partitions: 4,
  oldestUnackedAt: null,
  ...overrides,
});
const consumer = (name: string, consecutiveFailures = 0): ConsumerStats => ({
  group: name,
  consumer: "c",
  partition: 0,
  batches: 0,
  entries: 0,
  reclaimed: 0,
  failures: consecutiveFailures,
  consecutiveFailures,
  lastError: consecutiveFailures > 0 ? "secret internals at 10.0.0.1" : null,
  quarantinedEntries: 0,
  deadLetteredEvents: 0,
  groupsRecreated: 0,
});
const healthy = {
  partitions: 4,
  groups: [group("offline-log"), group("online-features")],
  consumers: [consumer("offline-log"), consumer("online-features")],
  nowMs: now,
};

describe("describePipelineHealth (issue 13: health tells the consumers' truth)", () => {
  it("is ok when both groups exist on every partition, keep up and no consumer is failing", () => {
    expect(describePipelineHealth(healthy)).toEqual({ status: "ok", problems: [] });
    // A backlog younger than the limit is normal.
    expect(
      describePipelineHealth({ ...healthy, groups: [group("offline-log", { lag: 5, oldestUnackedAt: now - PIPELINE_LAG_LIMIT_MS }), group("online-features")] })
        .status,
    ).toBe("ok");
  });

  it("is degraded when a group is missing (Redis restarted empty), entirely or on some partitions", () => {
    const gone = describePipelineHealth({ ...healthy, groups: [] });
    expect(gone.status).toBe("degraded");
    expect(gone.problems).toEqual([
      "consumer group offline-log is missing on 4 of 4 partitions (Redis lost it; the consumers recreate it)",
      "consumer group online-features is missing on 4 of 4 partitions (Redis lost it; the consumers recreate it)",
    ]);
    const partly = describePipelineHealth({ ...healthy, groups: [group("offline-log", { partitions: 3 }), group("online-features")] });
    expect(partly.problems).toEqual(["consumer group offline-log is missing on 1 of 4 partitions (Redis lost it; the consumers recreate it)"]);
  });

  it("is degraded when a group lags past the limit, or its consumers keep failing (without their error text)", () => {
    const lagging = describePipelineHealth({
      ...healthy,
      groups: [group("offline-log", { pending: 2, lag: 7, oldestUnackedAt: now - PIPELINE_LAG_LIMIT_MS - 1_000 }), group("online-features")],
    });
    expect(lagging.problems).toEqual(["consumer group offline-log is 31 s behind (2 pending, 7 undelivered stream entries)"]);
    const failing = describePipelineHealth({
      ...healthy,
      consumers: [consumer("offline-log", PIPELINE_FAILING_AFTER), consumer("offline-log", PIPELINE_FAILING_AFTER - 1), consumer("online-features")],
    });
    expect(failing.problems).toEqual(["1 of 2 offline-log consumers are failing (retrying; details in the log)"]);
    expect(JSON.stringify(failing)).not.toContain("10.0.0.1");
  });

  it("is degraded when the stream or the consumers do not answer", () => {
    expect(describePipelineHealth({ ...healthy, groups: null }).problems).toEqual([
      "the event stream does not answer: accepted events wait there or are refused",
    ]);
    expect(describePipelineHealth({ ...healthy, consumers: null }).problems).toEqual(["the event consumers do not answer"]);
  });
});

import { describe, expect, it } from "vitest";
import { OnlineStoreError } from "../../stores/onlineStore.ts";
import { EventStreamError } from "../stream/eventStream.ts";
import { isTransientFailure } from "./transientFailure.ts";

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe("isTransientFailure", () => {
  it("treats outages as transient: unreachable Redis, timeouts, lost or refused database connections, deadlocks", () => {
    expect(isTransientFailure(new OnlineStoreError("Redis unavailable: connect ECONNREFUSED 127.0.0.1:6379"))).toBe(true);
    expect(isTransientFailure(new OnlineStoreError("Redis command failed: Command timed out"))).toBe(true);
    expect(isTransientFailure(new EventStreamError("event stream is closed"))).toBe(true);
    expect(isTransientFailure(withCode("terminating connection due to administrator command", "57P01"))).toBe(true);
    expect(isTransientFailure(withCode("connection failure", "08006"))).toBe(true);
    expect(isTransientFailure(withCode("deadlock detected", "40P01"))).toBe(true);
    expect(isTransientFailure(withCode("connect ECONNREFUSED", "ECONNREFUSED"))).toBe(true);
    expect(isTransientFailure(new Error("Connection terminated unexpectedly"))).toBe(true);
  });

  it("treats data problems as not transient: script errors, bad values, programming errors", () => {
    expect(isTransientFailure(new OnlineStoreError("Redis command failed: ERR user_script:1: WRONGTYPE"))).toBe(false);
    expect(isTransientFailure(withCode("invalid input syntax for type json", "22P02"))).toBe(false);
    expect(isTransientFailure(withCode("null value in column violates not-null constraint", "23502"))).toBe(false);
    expect(isTransientFailure(new TypeError("cannot read properties of undefined"))).toBe(false);
    expect(isTransientFailure(new RangeError("hash increments must be finite numbers, got NaN"))).toBe(false);
  });
});

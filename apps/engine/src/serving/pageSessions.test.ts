import { describe, expect, it } from "vitest";
import { PageSessions } from "./pageSessions.ts";

describe("PageSessions", () => {
  it("forgets sessions after the ttl and keeps at most maxSessions (oldest out)", () => {
    let now = 0;
    const sessions = new PageSessions({ ttlMs: 100, maxSessions: 2, now: () => now });
    for (const id of ["s1", "s2", "s3"]) sessions.put({ id, surface: "home", userId: "u", items: [] });
    expect(sessions.get("s1")).toBeUndefined();
    expect(sessions.get("s2")?.id).toBe("s2");
    now = 101;
    expect(sessions.get("s3")).toBeUndefined();
  });
});

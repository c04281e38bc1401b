import { DEMO_API_KEY, DEMO_CONSOLE_PASSWORD } from "@cascade/core";
import { describe, expect, it } from "vitest";
import { fixedClock, wallClock } from "../platform/clock.ts";
import { formatStartBanner, type StartBannerInfo } from "./startBanner.ts";

const base: StartBannerInfo = {
  engineUrl: "http://127.0.0.1:4000",
  consoleUrl: "http://127.0.0.1:3000",
  databaseMode: "embedded",
  storeMode: "memory",
  models: { retrieval: null, ranker: null, loadFailures: 0 },
  onlineFeatures: { status: "warming", source: "snapshot", eventsReplayed: 0, progress: 0, snapshotAt: null },
  training: { state: "running", step: "training-set", progress: 0, stepEtaSeconds: null, startedAt: null, finishedAt: null },
  demo: { apiKey: DEMO_API_KEY, consoleLogin: { email: "demo@cascade.local", password: DEMO_CONSOLE_PASSWORD } },
};

describe("start banner", () => {
  it("prints the demo credentials only when they work against this database", () => {
    const demo = formatStartBanner(base);
    expect(demo).toContain(`Demo API key         ${DEMO_API_KEY}`);
    expect(demo).toContain(`Demo console login   demo@cascade.local / ${DEMO_CONSOLE_PASSWORD}`);

    const imported = formatStartBanner({ ...base, demo: { apiKey: null, consoleLogin: null } });
    expect(imported).not.toContain(DEMO_API_KEY);
    expect(imported).not.toContain(DEMO_CONSOLE_PASSWORD);
    expect(imported).not.toContain("Demo");
    expect(imported).toContain("cascade keys create");
    expect(imported).toContain("Bearer <api key>");
  });

  it("says what serves: training in the background, or the loaded versions", () => {
    expect(formatStartBanner(base)).toMatch(/models {3}no models yet: training in the background/);
    expect(formatStartBanner(base)).toMatch(/features online features loaded from the snapshot; replaying/);
    const serving = formatStartBanner({
      ...base,
      models: {
        retrieval: { id: "a", kind: "two_tower", version: 2, name: "two-tower", loadedAt: "2026-12-01T00:00:00Z" },
        ranker: null,
        loadFailures: 0,
      },
      onlineFeatures: { status: "ready", source: "rebuild", eventsReplayed: 9, progress: 1, snapshotAt: null },
      training: { ...base.training, state: "idle" },
    });
    expect(serving).toMatch(/models {3}two-tower v2 \(no ranker: ordered by retrieval rank\)/);
    const withItemToItem = formatStartBanner({
      ...base,
      models: {
        retrieval: null,
        itemToItem: { id: "b", kind: "item_item", version: 1, name: "item-to-item", loadedAt: "2026-12-01T00:00:00Z" },
        ranker: { id: "c", kind: "ranker", version: 3, name: "ranker", loadedAt: "2026-12-01T00:00:00Z" },
        loadFailures: 0,
      },
    });
    expect(withItemToItem).toMatch(/models {3}item-to-item v1, ranker v3\n/);
    expect(serving).toMatch(/features online features ready \(rebuilt from the event log\)/);
  });

  it("says when business time is not the wall clock", () => {
    expect(formatStartBanner(base)).not.toContain("clock");
    expect(formatStartBanner({ ...base, clock: wallClock })).not.toContain("clock");
    expect(formatStartBanner({ ...base, clock: fixedClock(Date.parse("1998-04-22T23:10:16Z")) })).toContain(
      "clock    fixed (business time 1998-04-22T23:10:16.000Z): served as of this time, not the wall clock (CASCADE_CLOCK)",
    );
  });
});

import { describe, expect, it } from "vitest";
import { DEFAULT_DEMO_SEED, DEMO_SIZE_PRESETS, resolveDemoConfig } from "./worldConfig.ts";

const NOW = Date.UTC(2025, 5, 1, 13, 45, 12);

describe("resolveDemoConfig", () => {
  it("starts from the size preset, the default seed and now floored to the hour", () => {
    expect(resolveDemoConfig("default", {}, NOW)).toEqual({
      size: "default",
      ...DEMO_SIZE_PRESETS.default,
      seed: DEFAULT_DEMO_SEED,
      endAtMs: Date.UTC(2025, 5, 1, 13),
    });
  });

  it("has the sizes the issue asks for", () => {
    expect(DEMO_SIZE_PRESETS.tiny).toMatchObject({ items: 500, users: 200, events: 20_000 });
    expect(DEMO_SIZE_PRESETS.small).toMatchObject({ items: 2_000, users: 1_000, events: 100_000 });
    expect(DEMO_SIZE_PRESETS.default).toMatchObject({ items: 20_000, users: 5_000, events: 1_000_000 });
    expect(DEMO_SIZE_PRESETS.large).toMatchObject({ items: 1_000_000, users: 100_000, events: 10_000_000 });
  });

  it("applies overrides and ignores undefined ones", () => {
    const config = resolveDemoConfig("tiny", { items: 900, users: undefined, seed: 7, days: 14, endAtMs: 1_000 }, NOW);
    expect(config).toMatchObject({ size: "tiny", items: 900, users: 200, seed: 7, days: 14, endAtMs: 1_000 });
  });

  it("accepts a complete config", () => {
    const custom = { size: "custom" as const, items: 10, users: 5, events: 100, days: 5, seed: 1, endAtMs: 86_400_000 * 30 };
    expect(resolveDemoConfig(custom, { events: 50 })).toEqual({ ...custom, events: 50 });
  });

  it("rejects impossible values with the field named", () => {
    expect(() => resolveDemoConfig("tiny", { items: 0 })).toThrow(/items/);
    expect(() => resolveDemoConfig("tiny", { days: 2 })).toThrow(/days/);
    expect(() => resolveDemoConfig("tiny", { seed: -1 })).toThrow(/seed/);
    expect(() => resolveDemoConfig("tiny", { events: 1.5 })).toThrow(/events/);
  });
});

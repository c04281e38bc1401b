// Sizes of the demo world. Every size is a starting point: items, users, events, days, seed and
// the end of the simulated window can be overridden (the CLI's --items/--users/--events/--seed).
import { z } from "zod";

export const demoSizes = ["tiny", "small", "default", "large"] as const;
export type DemoSize = (typeof demoSizes)[number];

export type DemoConfig = {
  /** The preset this config started from ("custom" when built by hand). */
  size: DemoSize | "custom";
  items: number;
  users: number;
  /** Target number of events; the simulator lands within a few percent (see eventStream.ts). */
  events: number;
  /** Length of the simulated window, ending at endAtMs. */
  days: number;
  seed: number;
  /**
   * End of the simulated window (epoch ms). Part of the config because "fresh" means "published
   * in the last 2 days before endAt": the same seed and endAt give the same world byte for byte;
   * the default (now, floored to the hour) keeps a newly loaded demo fresh.
   */
  endAtMs: number;
};

export type DemoOverrides = Partial<Pick<DemoConfig, "items" | "users" | "events" | "days" | "seed" | "endAtMs">>;

type SizePreset = Pick<DemoConfig, "items" | "users" | "events" | "days">;

export const DEMO_SIZE_PRESETS: Readonly<Record<DemoSize, SizePreset>> = {
  // For unit tests and the CI end-to-end run: loads in about a second.
  tiny: { items: 500, users: 200, events: 20_000, days: 28 },
  small: { items: 2_000, users: 1_000, events: 100_000, days: 28 },
  // What `npm start` loads: big enough that a learned model clearly beats popularity.
  default: { items: 20_000, users: 5_000, events: 1_000_000, days: 28 },
  // Benchmarks: generated and loaded as a stream, memory stays bounded (see loadDemo.ts).
  large: { items: 1_000_000, users: 100_000, events: 10_000_000, days: 28 },
};

export const DEFAULT_DEMO_SEED = 42;

const HOUR_MS = 3_600_000;

/** Shortest window that still has "fresh" items (last 2 days) after a history to learn from. */
export const MIN_DEMO_DAYS = 3;

const positiveInt = z.number().int().positive();
const demoConfigSchema = z.object({
  size: z.enum([...demoSizes, "custom"]),
  items: positiveInt.max(100_000_000),
  users: positiveInt.max(100_000_000),
  events: z.number().int().min(0),
  days: z.number().int().min(MIN_DEMO_DAYS).max(3_650),
  seed: z.number().int().min(0).max(0xffff_ffff),
  endAtMs: z.number().int().positive(),
});

/**
 * The config for a size (or a complete config) with overrides applied and checked.
 * Undefined override values are ignored, so CLI options can be passed straight through.
 */
export function resolveDemoConfig(size: DemoSize | DemoConfig, overrides: DemoOverrides = {}, nowMs = Date.now()): DemoConfig {
  const base: DemoConfig =
    typeof size === "string" ? { size, ...DEMO_SIZE_PRESETS[size], seed: DEFAULT_DEMO_SEED, endAtMs: Math.floor(nowMs / HOUR_MS) * HOUR_MS } : size;
  const merged: DemoConfig = { ...base };
  for (const [key, value] of Object.entries(overrides) as [keyof DemoOverrides, number | undefined][]) {
    if (value !== undefined) merged[key] = value;
  }
  const parsed = demoConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
    throw new Error(`invalid demo config: ${problems}`);
  }
  return parsed.data;
}

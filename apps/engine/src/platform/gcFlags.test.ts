// The engine's V8 settings, checked in a child process that imports gcFlags.ts first as the CLI
// does, from V8's own GC trace: after each full collection the next one starts when the old
// generation reaches 3× what survived (plus at most the young generation's capacity).
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const gcFlags = fileURLToPath(new URL("./gcFlags.ts", import.meta.url));
const SEMI_SPACE_MB = 16;

// ~16 MB kept alive, then ~400 MB of objects that live long enough to be promoted (a ring of 20k
// batches survives two young collections) and then die: several full collections.
const workload = (importFlags: boolean) => `
${importFlags ? `await import(${JSON.stringify(gcFlags)});` : ""}
const live = Array.from({ length: 400_000 }, (_, index) => ({ index, name: "live-" + index }));
const ring = new Array(20_000);
for (let batch = 0; batch < 400_000; batch += 1) ring[batch % ring.length] = Array.from({ length: 8 }, (_, index) => ({ batch, index, text: "x" + batch }));
console.log("kept " + live.length);
`;

/** Each full collection's survivors (MB) and the old-generation limit at which the next one started (MB). */
async function limitsAfterFullCollections(importFlags: boolean): Promise<{ survivedMb: number; nextLimitMb: number }[]> {
  const { stdout } = await run(
    process.execPath,
    [
      `--max-semi-space-size=${SEMI_SPACE_MB}`,
      "--trace-gc",
      "--trace-gc-ignore-scavenger",
      "--trace-incremental-marking",
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      workload(importFlags),
    ],
    { timeout: 120_000, maxBuffer: 16 * 2 ** 20 },
  );
  const pairs: { survivedMb: number; nextLimitMb: number }[] = [];
  let survived: number | null = null;
  for (const line of stdout.split("\n")) {
    const compacted = / Mark-Compact [\d.]+ \([\d.]+\) -> ([\d.]+) \(/.exec(line);
    if (compacted) survived = Number(compacted[1]);
    // Marking starts at the limit ("allocation limit") or a young generation short of it ("task").
    const started = /\[IncrementalMarking\] Start \((?:allocation limit|task)\): \(size\/limit\/slack\) v8: \d+MB \/ (\d+)MB/.exec(line);
    if (started && survived !== null) {
      pairs.push({ survivedMb: survived, nextLimitMb: Number(started[1]) });
      survived = null;
    }
  }
  return pairs;
}

describe("gcFlags", () => {
  it("fixes the heap growing factor at 3: the next full collection starts at 3× the survivors of the last one", async () => {
    const [withFlags, withoutFlags] = await Promise.all([limitsAfterFullCollections(true), limitsAfterFullCollections(false)]);
    expect(withFlags.length).toBeGreaterThanOrEqual(2);
    for (const { survivedMb, nextLimitMb } of withFlags) {
      expect(nextLimitMb).toBeGreaterThanOrEqual(Math.floor(3 * survivedMb));
      expect(nextLimitMb).toBeLessThanOrEqual(Math.ceil(3 * survivedMb) + SEMI_SPACE_MB + 1);
    }
    // V8's own factor (here its maximum, 4) is not 3: the trace tells the two apart.
    expect(withoutFlags.some(({ survivedMb, nextLimitMb }) => nextLimitMb > Math.ceil(3 * survivedMb) + SEMI_SPACE_MB + 1)).toBe(true);
  }, 150_000);
});

// V8's memory reducer is off in every engine process: the flags of bin/cascade.mjs's interpreter
// line (which `npm start` and `npm run cascade` run) are given to a child process whose V8 trace would show the
// reducer at work. The reducer schedules its first check a few seconds after a full collection (here
// 200 ms, --gc-memory-reducer-start-delay-ms) and prints "Memory reducer: …" when it runs; its
// watchdog then forces a memory-reducing full collection ~100 s after the last one, which in the
// latency bench fell in a lull and made the next burst's first second 105–124 ms at p99
// (docs/benchmarks.md, session 20). Only the command line turns it off: V8 creates the reducer when
// the heap is set up, and setting the flag later does not stop it (tried).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { cascadeNodeFlags } from "./engineCommand.ts";

const run = promisify(execFile);

// A heap that grows past a few full collections, then a pause long enough for the reducer's first check.
const workload = `
let live = [];
for (let i = 0; i < 1_500_000; i += 1) live.push({ i, name: "x" + i });
live = null;
for (let round = 0; round < 10; round += 1) { const junk = []; for (let i = 0; i < 200_000; i += 1) junk.push({ i }); }
await new Promise((resolve) => setTimeout(resolve, 1_500));
console.log("idle over");
`;

async function reducerTraceLines(flags: readonly string[]): Promise<string[]> {
  const { stdout } = await run(
    process.execPath,
    [...flags, "--gc-memory-reducer-start-delay-ms=200", "--trace-gc", "--trace-gc-verbose", "--input-type=module", "-e", workload],
    { timeout: 60_000, maxBuffer: 64 * 2 ** 20 },
  );
  expect(stdout).toContain("idle over");
  return stdout.split("\n").filter((line) => line.includes("Memory reducer:"));
}

describe("V8's memory reducer", () => {
  it("is off under the engine's interpreter flags, and on without them", async () => {
    const flags = cascadeNodeFlags();
    expect(flags).toContain("--no-memory-reducer");
    const withoutIt = flags.filter((flag) => flag !== "--no-memory-reducer");
    const [engine, control] = await Promise.all([reducerTraceLines(flags), reducerTraceLines(withoutIt)]);
    expect(engine).toEqual([]);
    // The workload does wake the reducer when it is on: the check above can fail.
    expect(control.length).toBeGreaterThan(0);
  }, 90_000);
});

import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createProgressReporter, silentProgress } from "./progress.ts";

function captureStream(isTTY: boolean): { stream: NodeJS.WriteStream; output: () => string } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
  Object.assign(stream, { isTTY, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  return { stream: stream as unknown as NodeJS.WriteStream, output: () => text };
}

describe("createProgressReporter", () => {
  it("writes a plain line every interval and a final line per stage when not a TTY", () => {
    let now = 0;
    const { stream, output } = captureStream(false);
    const progress = createProgressReporter({ stream, intervalMs: 1_000, now: () => now });
    progress.start("events", 1_000);
    now = 500;
    progress.increment(100);
    expect(output()).toBe("");
    now = 1_000;
    progress.increment(150);
    now = 2_000;
    progress.increment(750);
    progress.stop();
    expect(output().trim().split("\n")).toEqual([
      "events: 250/1000 (25%) 250/s ETA 3s",
      "events: 1000/1000 (100%) 500/s ETA 0s",
      "events: 1000/1000 (100%) 500/s done in 2.0 s",
    ]);
  });

  it("ends the previous stage when a new one starts, and ignores increments outside a stage", () => {
    const { stream, output } = captureStream(false);
    const progress = createProgressReporter({ stream, intervalMs: 60_000, now: () => 1_000 });
    progress.increment(5);
    progress.start("items", 10);
    progress.increment(10);
    progress.start("users", 3);
    progress.stop();
    progress.stop();
    expect(output().trim().split("\n")).toEqual(["items: 10/10 (100%) 10k/s done in 0.0 s", "users: 0/3 (0%) 0/s done in 0.0 s"]);
  });

  it("draws a bar on a TTY", () => {
    const { stream, output } = captureStream(true);
    const progress = createProgressReporter({ stream });
    progress.start("items", 10);
    progress.increment(4);
    progress.increment(8); // overshoots the estimate: the total grows instead of breaking the bar
    progress.stop();
    expect(output()).toContain("items");
    expect(output()).toContain("12/12");
  });

  it("has a silent variant for tests", () => {
    expect(() => {
      silentProgress.start("x", 1);
      silentProgress.increment(1);
      silentProgress.stop();
    }).not.toThrow();
  });
});

import { readFileSync, readlinkSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";

/** A thread's nice value as the kernel reports it (/proc/<pid>/task/<tid>/stat, field 19). */
function kernelNice(threadPath: string): number {
  const stat = readFileSync(`/proc/${threadPath}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
}

describe.runIf(process.platform === "linux")("lowerCurrentThreadPriority", () => {
  it("lowers the calling worker thread's priority only, not the process's main thread", async () => {
    const moduleUrl = new URL("./threadPriority.ts", import.meta.url).href;
    // Relative to this thread's nice value (a test run may itself be niced); threads inherit it.
    const before = kernelNice(readlinkSync("/proc/thread-self"));
    const target = Math.min(19, before + 5);
    // The worker lowers its own priority, then reports its thread and what the call returned.
    const source = `
      const { parentPort, workerData } = require("node:worker_threads");
      const { readlinkSync } = require("node:fs");
      import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(moduleUrl)}); }).then(({ lowerCurrentThreadPriority }) => {
        const returned = lowerCurrentThreadPriority(workerData);
        parentPort.postMessage({ returned, thread: readlinkSync("/proc/thread-self") });
        setTimeout(() => undefined, 300);
      });`;
    const worker = new Worker(source, { eval: true, workerData: target });
    const report = await new Promise<{ returned: number | null; thread: string }>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    expect(report.returned).toBe(target);
    expect(kernelNice(report.thread)).toBe(target);
    expect(kernelNice(readlinkSync("/proc/thread-self"))).toBe(before);
    await worker.terminate();
  });
});

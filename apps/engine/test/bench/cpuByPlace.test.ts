import { describe, expect, it } from "vitest";
import { busiestPostgresProcesses, cpuPerRequest, cpuSnapshot, processThreadIds, threadCpuMs } from "../../bench/cpuByPlace.ts";

/** Spins until this process has used `ms` more CPU (by process.cpuUsage, not by the module under test): wall time would flake on a busy machine. */
function burn(ms: number): void {
  const start = process.cpuUsage();
  let x = 0;
  for (;;) {
    for (let i = 0; i < 10_000; i += 1) x += Math.sqrt(x + i);
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms) break;
  }
  if (x < 0) throw new Error("unreachable");
}

describe("cpuByPlace", () => {
  it.runIf(process.platform === "linux")("counts this thread's CPU as the engine thread's, and the machine's busy time covers it", () => {
    const start = cpuSnapshot()!;
    const threadStart = threadCpuMs()!;
    burn(300);
    const end = cpuSnapshot()!;
    const threadEnd = threadCpuMs()!;
    // /proc counts in 10 ms ticks; the spin is this thread's (the process's other threads may add their own).
    expect(end.engineThreadMs - start.engineThreadMs).toBeGreaterThanOrEqual(150);
    // The kernel works out the process's total and each thread's time separately, each in ticks, and
    // each of the two readings of either may be rounded by up to a tick: a thread's window can read up
    // to two ticks more than its whole process's (seen in CI: 310 against 300 ms, and 310 against 290).
    const tick = 10;
    expect(end.engineThreadMs - start.engineThreadMs).toBeLessThanOrEqual(end.processMs - start.processMs + 2 * tick);
    expect(threadEnd - threadStart).toBeGreaterThanOrEqual(150);
    expect(end.machineBusyMs - start.machineBusyMs).toBeGreaterThanOrEqual(end.engineThreadMs - start.engineThreadMs - 20);
  });

  it.runIf(process.platform === "linux")("counts the runtime threads it is given, and none of the main thread's CPU among them", async () => {
    const { Worker } = await import("node:worker_threads");
    const before = processThreadIds();
    expect(before.has(process.pid)).toBe(true);
    // A thread started later is not among `before`: its CPU is not the runtime threads'.
    // A fixed amount of work, not a wall-clock spin: on a busy machine it still takes its CPU.
    const worker = new Worker("let x = 0; for (let i = 0; i < 2e7; i += 1) x += Math.sqrt(x + i); if (x < 0) throw new Error();", { eval: true });
    const start = cpuSnapshot(before)!;
    burn(200);
    await new Promise((resolve) => worker.once("exit", resolve));
    const end = cpuSnapshot(before)!;
    const runtime = end.runtimeThreadsMs - start.runtimeThreadsMs;
    const other = end.processMs - start.processMs - (end.engineThreadMs - start.engineThreadMs);
    expect(other).toBeGreaterThanOrEqual(100); // the worker's spin
    expect(runtime).toBeLessThan(other - 80);
    expect(cpuSnapshot()!.runtimeThreadsMs).toBe(0);
  });

  it("splits a window per request, taking the load generator's whole thread out of the process's other threads", () => {
    // PostgreSQL: backend 11 grew 150 ms, 12 started in the window (50 ms), 10 exited (lost, never negative).
    const start = {
      engineThreadMs: 1000,
      processMs: 3000,
      runtimeThreadsMs: 400,
      postgres: new Map([
        ["10", 900],
        ["11", 500],
      ]),
      redis: new Map([["20", 200]]),
      machineBusyMs: 10_000,
    };
    const end = {
      engineThreadMs: 1600,
      processMs: 4200,
      runtimeThreadsMs: 500,
      postgres: new Map([
        ["11", 650],
        ["12", 50],
      ]),
      redis: new Map([["20", 300]]),
      machineBusyMs: 11_800,
    };
    // Process +1200 ms: engine thread 600, load generator 250 over its life (200 during the requests), other threads 350: 100 of them the runtime's.
    expect(cpuPerRequest(start, end, { cpuMs: 200, cpuTotalMs: 250 }, 100)).toEqual({
      engineThread: 6,
      otherEngineThreads: 3.5,
      runtimeThreads: 1,
      workerThreads: 2.5,
      loadGenerator: 2,
      postgres: 2,
      redis: 1,
      machine: 18,
    });
    expect(cpuPerRequest(null, end, { cpuMs: 200, cpuTotalMs: 250 }, 100)).toBeNull();
    expect(cpuPerRequest(start, end, { cpuMs: null, cpuTotalMs: null }, 100)).toBeNull();
  });

  it("names the PostgreSQL processes that used the most CPU in a window, by their titles, busiest first", () => {
    const snapshot = (postgres: [string, number][], titles: [string, string][]) => ({
      engineThreadMs: 0,
      processMs: 0,
      runtimeThreadsMs: 0,
      postgres: new Map(postgres),
      postgresTitles: new Map(titles),
      redis: new Map<string, number>(),
      machineBusyMs: 0,
    });
    const start = snapshot(
      [
        ["10", 100],
        ["11", 500],
        ["12", 40],
      ],
      [],
    );
    const end = snapshot(
      [
        ["10", 104],
        ["11", 3_500],
        ["12", 40],
        ["13", 90],
        ["14", 20],
      ],
      [
        ["10", "postgres: walwriter"],
        ["11", "postgres: checkpointer"],
        ["13", "postgres: postgres bench 127.0.0.1(5000) SELECT"],
      ],
    );
    // 12 did nothing; 14 has no title (it exited before the titles were read).
    expect(busiestPostgresProcesses(start, end)).toEqual([
      { title: "postgres: checkpointer", ms: 3_000 },
      { title: "postgres: postgres bench 127.0.0.1(5000) SELECT", ms: 90 },
      { title: "pid 14", ms: 20 },
    ]);
    expect(busiestPostgresProcesses(start, end, 1)).toHaveLength(1);
    expect(busiestPostgresProcesses(null, end)).toEqual([]);
  });

  it("reads PostgreSQL's process titles on this machine", () => {
    const snapshot = cpuSnapshot();
    if (snapshot === null) return; // not Linux: nothing to read
    // The tests run beside a PostgreSQL server: its processes have titles, one string each.
    expect(snapshot.postgres.size).toBeGreaterThan(0);
    const titles = [...snapshot.postgres.keys()].map((pid) => snapshot.postgresTitles?.get(pid)).filter((title) => title !== undefined);
    expect(titles.length).toBeGreaterThan(0);
    for (const title of titles) expect(title).not.toContain("\0");
    expect(titles.some((title) => /^postgres: \S/.test(title!))).toBe(true);
  });
});

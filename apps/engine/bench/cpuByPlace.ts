// Where a benchmark's CPU goes on this machine, from Linux's per-thread and per-process counters
// (/proc): the engine's own thread (the process's main thread), the process's other threads (V8's
// GC helpers, libuv's pool, onnxruntime), PostgreSQL's and Redis's server processes, and the whole
// machine (/proc/stat). process.cpuUsage() alone cannot tell the engine thread, which is what
// saturates first, from the helper threads that run on the other core. Elsewhere than Linux every
// figure is null.
import { readdirSync, readFileSync } from "node:fs";

/** Kernel clock ticks per second of /proc's counters (USER_HZ: 100 on every Linux build that matters). */
const TICKS_PER_SECOND = 100;
const SERVER_COMMANDS = { postgres: "postgres", redis: "redis-server" } as const;

/** Per server process (pid → CPU ms): PostgreSQL's backends come and go, so a window sums each process's own growth. */
type ServerCpu = ReadonlyMap<string, number>;

export type CpuSnapshot = {
  engineThreadMs: number;
  processMs: number;
  /** CPU of the `runtimeThreads` given to cpuSnapshot (the main thread left out). */
  runtimeThreadsMs: number;
  postgres: ServerCpu;
  /** PostgreSQL's process titles by pid ("postgres: checkpointer", "postgres: user db host SELECT", …). */
  postgresTitles?: ReadonlyMap<string, string>;
  redis: ServerCpu;
  machineBusyMs: number;
} | null;

/** utime + stime (ms) of a /proc stat line; the command name may hold spaces and parentheses. */
function cpuMsOfStat(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null; // a process that exited between listing and reading
  }
}

/** CPU ms of every process whose command is `command` (PostgreSQL forks a process per connection). */
function serverCpu(command: string): ServerCpu {
  const byPid = new Map<string, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    if (readOrNull(`/proc/${entry}/comm`)?.trim() !== command) continue;
    const stat = readOrNull(`/proc/${entry}/stat`);
    if (stat) byPid.set(entry, cpuMsOfStat(stat));
  }
  return byPid;
}

/** The process titles of `pids` (a process's cmdline, which PostgreSQL rewrites to say what it is doing). */
function titlesOf(pids: Iterable<string>): Map<string, string> {
  const titles = new Map<string, string>();
  for (const pid of pids) {
    const cmdline = readOrNull(`/proc/${pid}/cmdline`);
    if (cmdline) titles.set(pid, cmdline.replaceAll("\0", " ").trim());
  }
  return titles;
}

/**
 * The PostgreSQL processes that used the most CPU between two snapshots, by title (the checkpointer,
 * a backend and its current statement, …): PostgreSQL's share of a window can jump for reasons of
 * its own, and this says which.
 */
export function busiestPostgresProcesses(start: CpuSnapshot, end: CpuSnapshot, top = 3): { title: string; ms: number }[] {
  if (!start || !end) return [];
  return [...end.postgres]
    .map(([pid, ms]) => ({ title: end.postgresTitles?.get(pid) ?? `pid ${pid}`, ms: Math.round(Math.max(0, ms - (start.postgres.get(pid) ?? 0))) }))
    .filter(({ ms }) => ms > 0)
    .sort((a, b) => b.ms - a.ms)
    .slice(0, top);
}

/** CPU used between two readings by the processes alive at the second (one started since counts whole; one that exited is lost). */
function serverGrowth(start: ServerCpu, end: ServerCpu): number {
  let total = 0;
  for (const [pid, ms] of end) total += Math.max(0, ms - (start.get(pid) ?? 0));
  return total;
}

/** All cores' counters of /proc/stat's first line (user, nice, system, idle, iowait, irq, softirq, steal, …), in ticks. */
function allCoresTicks(): number[] {
  const [cpuLine] = readFileSync("/proc/stat", "utf8").split("\n");
  return cpuLine!.trim().split(/\s+/).slice(1).map(Number);
}

/**
 * All cores' busy time apart from steal (user, nice, system, irq, softirq) and their steal time
 * (the hypervisor ran something else while a vCPU wanted to run), ms; null elsewhere than Linux.
 */
export function machineTicksMs(): { busyMs: number; stealMs: number } | null {
  if (process.platform !== "linux") return null;
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = allCoresTicks();
  return { busyMs: ((user + nice + system + irq + softirq) * 1000) / TICKS_PER_SECOND, stealMs: (steal * 1000) / TICKS_PER_SECOND };
}

/** Busy time of all cores (everything but idle and iowait), ms. */
function machineBusyMs(): number {
  const ticks = allCoresTicks();
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return ((ticks.reduce((sum, value) => sum + value, 0) - idle) * 1000) / TICKS_PER_SECOND;
}

/**
 * The ids of this process's threads now. Taken before the engine starts, they are the runtime's own
 * (V8's platform workers, which run the GC's parallel and concurrent phases and background
 * compilation; libuv's pool; the module loader): threads started later are worker threads (the ANN
 * search and ranker threads, the load generator).
 */
export function processThreadIds(): ReadonlySet<number> {
  if (process.platform !== "linux") return new Set();
  return new Set(readdirSync("/proc/self/task").map(Number));
}

export function cpuSnapshot(runtimeThreads: ReadonlySet<number> = new Set()): CpuSnapshot {
  if (process.platform !== "linux") return null;
  const engine = readOrNull(`/proc/self/task/${process.pid}/stat`);
  const own = readOrNull("/proc/self/stat");
  if (!engine || !own) return null;
  let runtimeThreadsMs = 0;
  for (const thread of runtimeThreads) {
    if (thread === process.pid) continue;
    const stat = readOrNull(`/proc/self/task/${thread}/stat`);
    if (stat) runtimeThreadsMs += cpuMsOfStat(stat);
  }
  const postgres = serverCpu(SERVER_COMMANDS.postgres);
  return {
    engineThreadMs: cpuMsOfStat(engine),
    processMs: cpuMsOfStat(own),
    runtimeThreadsMs,
    postgres,
    postgresTitles: titlesOf(postgres.keys()),
    redis: serverCpu(SERVER_COMMANDS.redis),
    machineBusyMs: machineBusyMs(),
  };
}

/** This thread's CPU ms so far (a worker reads its own: /proc/thread-self), or null. */
export function threadCpuMs(): number | null {
  if (process.platform !== "linux") return null;
  const stat = readOrNull("/proc/thread-self/stat");
  return stat ? cpuMsOfStat(stat) : null;
}

export type CpuPerRequest = {
  engineThread: number;
  otherEngineThreads: number;
  /** Of otherEngineThreads: the runtime's threads (mostly V8's GC helpers; see processThreadIds). */
  runtimeThreads: number;
  /** Of otherEngineThreads: the worker threads the engine started (ANN search, ranker). */
  workerThreads: number;
  loadGenerator: number;
  postgres: number;
  redis: number;
  /** Everything the machine ran, these and the rest (ms per request on all cores together). */
  machine: number;
};

/**
 * CPU ms per request between two snapshots, by place. The load generator runs in a worker thread of
 * this process: `load` is that thread's CPU during the requests and from being asked for the run to
 * its result (what falls inside the window), taken out of the process's other threads.
 */
export function cpuPerRequest(
  start: CpuSnapshot,
  end: CpuSnapshot,
  load: { cpuMs: number | null; cpuTotalMs: number | null },
  requests: number,
): CpuPerRequest | null {
  if (!start || !end || load.cpuMs === null || load.cpuTotalMs === null || requests <= 0) return null;
  const per = (ms: number) => Math.round((ms / requests) * 100) / 100;
  const engineThread = end.engineThreadMs - start.engineThreadMs;
  const other = Math.max(0, end.processMs - start.processMs - engineThread - load.cpuTotalMs);
  const runtime = Math.min(other, Math.max(0, end.runtimeThreadsMs - start.runtimeThreadsMs));
  return {
    engineThread: per(engineThread),
    otherEngineThreads: per(other),
    runtimeThreads: per(runtime),
    workerThreads: per(other - runtime),
    loadGenerator: per(load.cpuMs),
    postgres: per(serverGrowth(start.postgres, end.postgres)),
    redis: per(serverGrowth(start.redis, end.redis)),
    machine: per(end.machineBusyMs - start.machineBusyMs),
  };
}

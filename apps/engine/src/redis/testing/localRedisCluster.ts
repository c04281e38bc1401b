// A throwaway Redis Cluster for integration tests: six `redis-server` processes on loopback (three
// masters, three replicas), no persistence, their files in a temporary directory, created with
// `redis-cli --cluster create`. Needs only Debian's redis-server and redis-cli (7.0) on the PATH.
// `stop()` ends the processes by pid and removes the directory; the processes are also killed if
// the test process exits first.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { isLoopbackPortFree } from "../../testing/loopbackPorts.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export type LocalRedisCluster = {
  /** `redis://127.0.0.1:<first master's port>`: what REDIS_URL would hold. */
  url: string;
  ports: number[];
  /** Runs redis-cli against one node (e.g. `cli(port, "CLUSTER", "INFO")`) and returns its output. */
  cli(port: number, ...args: string[]): Promise<string>;
  /** Kills one node's process (SIGKILL, by pid): a crashed node, for failover tests. */
  kill(port: number): Promise<void>;
  stop(): Promise<void>;
};

export type LocalRedisClusterOptions = {
  /** The first port tried; the nodes take the first six free ports from here (each with its bus port, +10000, free too). */
  firstPort: number;
  /** How many ports from firstPort may be tried (default 100). */
  portRange?: number;
  /** Give up after this long (ms). */
  timeoutMs?: number;
};

const NODES = 6;

export async function startLocalRedisCluster(options: LocalRedisClusterOptions): Promise<LocalRedisCluster> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const ports = await freePorts(options.firstPort, options.portRange ?? 100, NODES);
  const dir = await mkdtemp(join(tmpdir(), "cascade-redis-cluster-"));
  const processes: ChildProcess[] = [];
  const killAll = () => {
    for (const child of processes) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.once("exit", killAll);
  const cli = async (port: number, ...args: string[]) => (await run("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args])).stdout;

  const stop = async () => {
    process.removeListener("exit", killAll);
    await Promise.all(
      processes.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGTERM");
            setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
          }),
      ),
    );
    await rm(dir, { recursive: true, force: true });
  };

  try {
    for (const port of ports) {
      // Each flag as its own argument: `--save ""` is an empty argument, not a pair of quotes.
      const args = [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        join(dir, `nodes-${port}.conf`),
        "--cluster-node-timeout",
        "5000",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir,
        "--logfile",
        join(dir, `redis-${port}.log`),
      ];
      const child = spawn("redis-server", args, { stdio: "ignore" });
      child.on("error", () => undefined);
      processes.push(child);
    }
    for (const port of ports) await until(deadline, `redis-server on port ${port} answers`, async () => (await cli(port, "PING")).trim() === "PONG");
    await run("redis-cli", ["--cluster", "create", ...ports.map((port) => `127.0.0.1:${port}`), "--cluster-replicas", "1", "--cluster-yes"]);
    for (const port of ports) {
      await until(deadline, `node ${port} reports cluster_state:ok`, async () => /^cluster_state:ok\s*$/m.test(await cli(port, "CLUSTER", "INFO")));
    }
    // Every node has learnt of all six, and every replica has synchronised with its master (tests
    // may count on replication, e.g. WAIT before killing a master).
    for (const port of ports) {
      await until(deadline, `node ${port} knows all nodes`, async () => (await cli(port, "CLUSTER", "NODES")).trim().split("\n").length === NODES);
      await until(deadline, `node ${port} is replicating`, async () => {
        const info = await cli(port, "INFO", "replication");
        return /^role:master\s*$/m.test(info) ? /^slave0:.*state=online/m.test(info) : /^master_link_status:up\s*$/m.test(info);
      });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const kill = async (port: number) => {
    const child = processes[ports.indexOf(port)];
    if (!child) throw new Error(`local Redis Cluster: no node on port ${port}`);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  };
  return { url: `redis://127.0.0.1:${ports[0]}`, ports, cli, kill, stop };
}

async function until(deadline: number, what: string, check: () => Promise<boolean>): Promise<void> {
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // Not up yet.
    }
    if (Date.now() > deadline) throw new Error(`local Redis Cluster: timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `count` ports from `first` on that are free on loopback, with their cluster bus ports (+10000). */
async function freePorts(first: number, range: number, count: number): Promise<number[]> {
  const found: number[] = [];
  for (let port = first; port < first + range && found.length < count; port += 1) {
    if ((await isLoopbackPortFree(port)) && (await isLoopbackPortFree(port + 10_000))) found.push(port);
  }
  if (found.length < count) throw new Error(`local Redis Cluster: fewer than ${count} free ports in ${first}…${first + range - 1}`);
  return found;
}

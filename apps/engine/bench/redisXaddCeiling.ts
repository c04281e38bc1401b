// The ceiling to read the ingestion rate against: Redis's own XADD rate on this machine, in this
// run, measured by `redis-benchmark` (pipelined 16 deep, on the benchmark's Redis database).
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export type XaddCeiling = { command: string; requestsPerSecond: number | null; output: string };

export async function measureXaddCeiling(options: { host: string; port: number; db: number; requests?: number }): Promise<XaddCeiling> {
  const args = [
    "-h",
    options.host,
    "-p",
    String(options.port),
    "--dbnum",
    String(options.db),
    "-q",
    "-n",
    String(options.requests ?? 200_000),
    "-P",
    "16",
    "XADD",
    "cascade:bench",
    "*",
    "f",
    "v",
  ];
  const command = `redis-benchmark ${args.join(" ")}`;
  try {
    const { stdout } = await run("redis-benchmark", args, { timeout: 120_000 });
    return { command, requestsPerSecond: parseRate(stdout), output: stdout.trim() };
  } catch (error) {
    return { command, requestsPerSecond: null, output: error instanceof Error ? error.message : String(error) };
  }
}

/** `XADD cascade:bench * f v: 312500.00 requests per second, p50=…` → 312500 (the last such figure: the final summary). */
export function parseRate(output: string): number | null {
  const matches = [...output.matchAll(/([\d.]+) requests per second/g)];
  const last = matches.at(-1);
  return last ? Number(last[1]) : null;
}

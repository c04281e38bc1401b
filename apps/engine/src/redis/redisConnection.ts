// Opens every ioredis connection of the engine (online store, event stream, deduplicator) with one
// failure behaviour: no offline queue (a command fails at once while Redis
// is unreachable, so a request answers 503 instead of hanging), a timeout on every command, one
// retry across a reconnect, reconnection forever in the background with throttled logging.
import { Redis } from "ioredis";
import type { Logger } from "pino";

export type RedisConnectionOptions = {
  url: string;
  logger?: Pick<Logger, "warn"> | undefined;
  connectTimeoutMs?: number | undefined;
  commandTimeoutMs?: number | undefined;
};

/** Connects, or throws what `toError` makes of the failure (the caller's error class). */
export async function connectRedis(options: RedisConnectionOptions, toError: (message: string, cause: unknown) => Error): Promise<Redis> {
  const client = new Redis(options.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: options.connectTimeoutMs ?? 2_000,
    commandTimeout: options.commandTimeoutMs ?? 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
  });
  const where = redactedUrl(options.url);
  client.on("error", throttledErrorLogger(options.logger, where));
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw toError(`cannot connect to Redis at ${where}: ${errorMessage(error)}`, error);
  }
  return client;
}

/** Closes politely (QUIT flushes pending replies), then for sure. */
export async function closeRedis(client: Redis): Promise<void> {
  try {
    await client.quit();
  } catch {
    // Already disconnected: nothing to flush.
  } finally {
    client.disconnect();
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable Redis URL)";
  }
}

/** ioredis emits an error per failed reconnect attempt; log the first and then at most every 30 s. */
function throttledErrorLogger(logger: Pick<Logger, "warn"> | undefined, where: string): (error: Error) => void {
  let lastLoggedAt = 0;
  let suppressed = 0;
  return (error) => {
    const now = Date.now();
    if (now - lastLoggedAt < 30_000) {
      suppressed += 1;
      return;
    }
    logger?.warn({ err: error, suppressed }, `Redis connection problem at ${where}`);
    lastLoggedAt = now;
    suppressed = 0;
  };
}

// Opens every ioredis connection of the engine (online store, event stream, deduplicator) with one
// failure behaviour: no offline queue (a command fails at once while Redis
// is unreachable, so a request answers 503 instead of hanging), a timeout on every command, one
// retry across a reconnect, reconnection forever in the background with throttled logging.
//
// Redis Cluster is detected, not configured: the first connection to a URL asks the server
// `INFO cluster`; with `cluster_enabled:1` it is replaced by an ioredis `Cluster` seeded with that
// node (the others are discovered from the slot map), with the same failure behaviour. The answer
// is remembered per URL for the process. A cluster has only database 0, so a URL naming another
// database is refused. Multi-key work goes through redisPipeline.ts, which keeps every command's
// keys in one slot and sends one pipeline per node.
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from "ioredis";
import type { Logger } from "pino";

/** A single Redis server or a Redis Cluster: every store takes either. */
export type RedisClient = Redis | Cluster;

export type RedisConnectionOptions = {
  url: string;
  logger?: Pick<Logger, "warn"> | undefined;
  connectTimeoutMs?: number | undefined;
  commandTimeoutMs?: number | undefined;
};

/** Whether a URL's server runs in cluster mode, remembered per URL once asked. */
const clusterModeByUrl = new Map<string, boolean>();

/** Connects, or throws what `toError` makes of the failure (the caller's error class). */
export async function connectRedis(options: RedisConnectionOptions, toError: (message: string, cause: unknown) => Error): Promise<RedisClient> {
  const where = redactedUrl(options.url);
  const known = clusterModeByUrl.get(options.url);
  if (known === true) return connectCluster(options, where, toError);
  const client = new Redis(options.url, { ...nodeOptions(options), lazyConnect: true, enableOfflineQueue: false });
  client.on("error", throttledErrorLogger(options.logger, where));
  let clusterEnabled = false;
  try {
    await client.connect();
    if (known === undefined) {
      clusterEnabled = /^cluster_enabled:1\s*$/m.test(await client.info("cluster"));
      clusterModeByUrl.set(options.url, clusterEnabled);
    }
  } catch (error) {
    client.disconnect();
    throw toError(`cannot connect to Redis at ${where}: ${errorMessage(error)}`, error);
  }
  if (!clusterEnabled) return client;
  client.disconnect();
  return connectCluster(options, where, toError);
}

async function connectCluster(options: RedisConnectionOptions, where: string, toError: (message: string, cause: unknown) => Error): Promise<Cluster> {
  const url = new URL(options.url);
  const database = url.pathname.replace(/^\//, "");
  if (database !== "" && database !== "0") {
    throw toError(`Redis at ${where} is a Redis Cluster, which has only database 0: remove /${database} from the URL`, undefined);
  }
  const seed = { host: url.hostname, port: url.port ? Number(url.port) : 6379 };
  const redisOptions: RedisOptions = { ...nodeOptions(options) };
  if (url.username) redisOptions.username = decodeURIComponent(url.username);
  if (url.password) redisOptions.password = decodeURIComponent(url.password);
  if (url.protocol === "rediss:") redisOptions.tls = {};
  const cluster = new Cluster([seed], {
    lazyConnect: true,
    enableOfflineQueue: false,
    clusterRetryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    // Stays connected with a node gone: the slot map is refreshed on MOVED and every few seconds.
    slotsRefreshTimeout: options.connectTimeoutMs ?? 2_000,
    slotsRefreshInterval: 5_000,
    redisOptions,
  } satisfies ClusterOptions);
  const logError = throttledErrorLogger(options.logger, where);
  cluster.on("error", logError);
  cluster.on("node error", logError);
  try {
    await cluster.connect();
  } catch (error) {
    cluster.disconnect();
    throw toError(`cannot connect to Redis Cluster at ${where}: ${errorMessage(error)}`, error);
  }
  return cluster;
}

/** What every connection to a server (the single one, or each cluster node) is opened with. */
function nodeOptions(options: RedisConnectionOptions): RedisOptions {
  return {
    maxRetriesPerRequest: 1,
    connectTimeout: options.connectTimeoutMs ?? 2_000,
    commandTimeout: options.commandTimeoutMs ?? 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
  };
}

/**
 * A connection of its own for blocking reads (XREADGROUP … BLOCK): no per-command timeout (a
 * blocked read legitimately waits); ioredis instead times a blocking command out at its BLOCK time
 * plus a grace period, should Redis never answer. The offline queue lets the first read wait for
 * the connection to come up. On a Cluster it is a cluster client of its own (it follows MOVED).
 */
export function duplicateForBlocking(client: RedisClient): RedisClient {
  const connection = duplicateQueued(client, { commandTimeout: undefined, blockingTimeout: 30_000, blockingTimeoutGrace: 2_000 });
  // A cluster client's offline queue has no retry bound (a single server's does: one retry per
  // request): once connected, a read while the cluster is down fails instead of waiting for it.
  if (connection instanceof Cluster) connection.once("ready", () => (connection.options.enableOfflineQueue = false));
  return connection;
}

/**
 * A connection of its own for SUBSCRIBE (a subscribed connection takes no other command). The
 * offline queue lets the first SUBSCRIBE wait for the connection; ioredis subscribes again by
 * itself after every reconnect. On a Cluster, a cluster client of its own: PUBLISH reaches every
 * node's subscribers, and it moves its subscription when its node goes away.
 */
export function duplicateForSubscribing(client: RedisClient): RedisClient {
  return duplicateQueued(client, {});
}

/**
 * A connection of its own with the client's options (every node's, on a Cluster) and `overrides`,
 * connecting at once with the offline queue on; its errors are not logged (the client's are).
 */
function duplicateQueued(client: RedisClient, overrides: RedisOptions): RedisClient {
  const connection =
    client instanceof Cluster
      ? client.duplicate([], { enableOfflineQueue: true, lazyConnect: false, redisOptions: { ...client.options.redisOptions, ...overrides } })
      : client.duplicate({ ...overrides, enableOfflineQueue: true, lazyConnect: false });
  connection.on("error", () => undefined);
  if (connection instanceof Cluster) connection.on("node error", () => undefined);
  return connection;
}

/** Closes politely (QUIT flushes pending replies), then for sure. */
export async function closeRedis(client: RedisClient): Promise<void> {
  try {
    await client.quit();
  } catch {
    // Already disconnected: nothing to flush.
  } finally {
    client.disconnect();
  }
}

/** Answers PING from the server, or from every master of a cluster. */
export async function pingRedis(client: RedisClient): Promise<void> {
  if (client instanceof Cluster) {
    if (client.status !== "ready") throw new Error(`Redis Cluster is not ready (${client.status})`);
    await Promise.all(client.nodes("master").map((node) => node.ping()));
  } else {
    await client.ping();
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

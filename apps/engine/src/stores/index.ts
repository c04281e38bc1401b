// Picks the online store: Redis when a URL is configured, the in-process store otherwise.
import type { Logger } from "pino";
import { createMemoryOnlineStore } from "./memoryOnlineStore.ts";
import type { OnlineStore } from "./onlineStore.ts";
import { createRedisOnlineStore } from "./redisOnlineStore.ts";

export * from "./onlineStore.ts";
export { createMemoryOnlineStore, type MemoryOnlineStore, type MemoryOnlineStoreOptions, type StoredEntry } from "./memoryOnlineStore.ts";
export { createRedisOnlineStore, type RedisOnlineStoreOptions } from "./redisOnlineStore.ts";

/**
 * Redis when `redisUrl` is set (rejects with OnlineStoreError if it cannot connect: a wrong
 * REDIS_URL should stop the boot, not surface later), the in-process store otherwise.
 */
export async function createOnlineStore(options: { redisUrl?: string; logger?: Pick<Logger, "warn"> }): Promise<OnlineStore> {
  if (!options.redisUrl) return createMemoryOnlineStore();
  return createRedisOnlineStore({ url: options.redisUrl, ...(options.logger ? { logger: options.logger } : {}) });
}

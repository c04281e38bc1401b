// Picks the event stream and the deduplicator: Redis when a URL is configured (production: several
// engine replicas share them), in-process otherwise (embedded mode: one engine process).
import type { Logger } from "pino";
import type { EventDeduplicator } from "./dedup/eventDeduplicator.ts";
import type { EventStream } from "./stream/eventStream.ts";
import { createMemoryEventDeduplicator } from "./dedup/memoryEventDeduplicator.ts";
import { createMemoryEventStream } from "./stream/memoryEventStream.ts";
import { createRedisEventDeduplicator } from "./dedup/redisEventDeduplicator.ts";
import { createRedisEventStream } from "./stream/redisEventStream.ts";

export * from "./stream/eventStream.ts";
export * from "./dedup/eventDeduplicator.ts";
export { startEventPipeline, type EventPipeline, type EventPipelineOptions, type EventPipelineStats } from "./consumers/eventPipeline.ts";
export { startEventPipelineThread } from "./consumers/eventPipelineThread.ts";

type BackendOptions = { redisUrl?: string | undefined; logger?: Pick<Logger, "warn"> | undefined };

/** Redis Streams when `redisUrl` is set (rejects with EventStreamError if unreachable), in-process otherwise. */
export async function createEventStream(options: BackendOptions & { partitions?: number }): Promise<EventStream> {
  const partitions = options.partitions === undefined ? {} : { partitions: options.partitions };
  if (!options.redisUrl) return createMemoryEventStream(partitions);
  return createRedisEventStream({ url: options.redisUrl, ...partitions, ...(options.logger ? { logger: options.logger } : {}) });
}

/** Redis claims when `redisUrl` is set (rejects with EventDeduplicatorError if unreachable), in-process otherwise. */
export async function createEventDeduplicator(options: BackendOptions & { ttlMs?: number }): Promise<EventDeduplicator> {
  const ttl = options.ttlMs === undefined ? {} : { ttlMs: options.ttlMs };
  if (!options.redisUrl) return createMemoryEventDeduplicator(ttl);
  return createRedisEventDeduplicator({ url: options.redisUrl, ...ttl, ...(options.logger ? { logger: options.logger } : {}) });
}

// Which partition of the event stream an event goes to: a hash of its user id, so all events of
// one user land on one partition, in order, and the partitions share the load evenly. The hash
// (32-bit FNV-1a over UTF-16 code units; user ids are ASCII, so over their bytes) must never
// change: every engine replica has to agree. Changing the partition count moves users between
// partitions, which only matters for ordering while the old partitions drain.

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export function partitionOf(userId: string, partitions: number): number {
  let hash = FNV_OFFSET;
  for (let index = 0; index < userId.length; index += 1) {
    hash ^= userId.charCodeAt(index);
    hash = Math.imul(hash, FNV_PRIME);
  }
  return (hash >>> 0) % partitions;
}

/** Splits a batch by partition, keeping each partition's events in batch order. Empty partitions are left out. */
export function splitByPartition<E extends { userId: string }>(events: readonly E[], partitions: number): Map<number, E[]> {
  const byPartition = new Map<number, E[]>();
  for (const event of events) {
    const partition = partitionOf(event.userId, partitions);
    let chunk = byPartition.get(partition);
    if (!chunk) byPartition.set(partition, (chunk = []));
    chunk.push(event);
  }
  return byPartition;
}

// The Lua script that applies one EntityUpdate on Redis atomically, and its argument encoding.
//
// Why a script: an update must be all-or-nothing and at most once per ledger id. A script runs
// without interleaving with other commands, so "is the id in the ledger? then add it and apply the
// increments" cannot race with a redelivery of the same event on another consumer. All KEYS share
// the entity's hash tag (checked by assertEntityUpdate), so the script is valid on Redis Cluster.
//
// Encoding (KEYS are deduplicated; ops refer to them by 1-based index):
//   ARGV[1]   "1" when KEYS[1] is a ledger, "0" otherwise
//   ARGV[2]   ledger id          ARGV[3] ledger score (atMs)
//   ARGV[4]   prune bound (ledger ids scored below it are forgotten)   ARGV[5] ledger ttl (ms)
//   then ops, each a run of ARGV:
//     D keyIndex n field1 … fieldN                 HDEL
//     I keyIndex ttl n field1 by1 … fieldN byN    HINCRBYFLOAT each, then PEXPIRE when ttl ≠ ""
//     Z keyIndex member score keep ttl            ZADD GT, keep the `keep` highest, PEXPIRE when ttl ≠ ""
// Returns 1 when applied, 0 when the ledger already held the id.
import type { EntityUpdate, StoreKey } from "./onlineStore.ts";

export const ENTITY_UPDATE_SCRIPT = `
if ARGV[1] == '1' then
  if redis.call('ZADD', KEYS[1], 'NX', ARGV[3], ARGV[2]) == 0 then return 0 end
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
end
local i = 6
while i <= #ARGV do
  local op = ARGV[i]
  local key = KEYS[tonumber(ARGV[i + 1])]
  if op == 'D' then
    local n = tonumber(ARGV[i + 2])
    redis.call('HDEL', key, unpack(ARGV, i + 3, i + 2 + n))
    i = i + 3 + n
  elseif op == 'I' then
    local n = tonumber(ARGV[i + 3])
    for j = 0, n - 1 do
      redis.call('HINCRBYFLOAT', key, ARGV[i + 4 + 2 * j], ARGV[i + 5 + 2 * j])
    end
    if ARGV[i + 2] ~= '' then redis.call('PEXPIRE', key, ARGV[i + 2]) end
    i = i + 4 + 2 * n
  elseif op == 'Z' then
    redis.call('ZADD', key, 'GT', ARGV[i + 3], ARGV[i + 2])
    redis.call('ZREMRANGEBYRANK', key, 0, -tonumber(ARGV[i + 4]) - 1)
    if ARGV[i + 5] ~= '' then redis.call('PEXPIRE', key, ARGV[i + 5]) end
    i = i + 6
  else
    return redis.error_reply('unknown entity update op ' .. tostring(op))
  end
end
return 1
`;

export type EncodedUpdate = { keys: string[]; args: string[] };

/** KEYS and ARGV for one update; `namespaced` maps a StoreKey to the Redis key. */
export function encodeEntityUpdate(update: EntityUpdate, namespaced: (key: StoreKey) => string): EncodedUpdate {
  const keys: string[] = [];
  const indexOf = new Map<string, number>();
  const keyIndex = (key: StoreKey): string => {
    const redisKey = namespaced(key);
    let index = indexOf.get(redisKey);
    if (index === undefined) {
      keys.push(redisKey);
      index = keys.length;
      indexOf.set(redisKey, index);
    }
    return String(index);
  };

  const args: string[] = [];
  const ledger = update.ledger;
  if (ledger) {
    keyIndex(ledger.key); // always KEYS[1]
    args.push("1", ledger.id, String(ledger.atMs), String(ledger.atMs - ledger.retentionMs), String(ledger.retentionMs));
  } else {
    args.push("0", "", "", "", "");
  }
  for (const { key, fields } of update.hashDeletes ?? []) {
    if (fields.length === 0) continue;
    args.push("D", keyIndex(key), String(fields.length), ...fields);
  }
  for (const { key, increments, ttlMs } of update.hashIncrements ?? []) {
    const fields = Object.entries(increments);
    if (fields.length === 0) continue;
    args.push("I", keyIndex(key), ttlMs === undefined ? "" : String(ttlMs), String(fields.length));
    for (const [field, by] of fields) args.push(field, String(by));
  }
  for (const { key, member, score, keep, ttlMs } of update.sortedSetMaxes ?? []) {
    args.push("Z", keyIndex(key), member, String(score), String(keep), ttlMs === undefined ? "" : String(ttlMs));
  }
  return { keys, args };
}

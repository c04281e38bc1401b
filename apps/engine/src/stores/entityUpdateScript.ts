// The Lua script that applies a group of EntityUpdates on Redis, each atomically and at most once,
// and its argument encoding.
//
// Why a script: an update must be all-or-nothing and at most once per ledger id. A script runs
// without interleaving with other commands, so "are the ids in the ledger? then add them and apply
// the changes" cannot race with a redelivery of the same events on another consumer. Each update's
// keys share one hash tag (checked by assertEntityUpdate, or vouched for by the caller).
//
// One call carries a list of updates: on Redis Cluster one entity's (one hash tag, one slot), on a
// single node several entities'. The updates run in order, exactly as if each were its own call.
//
// Encoding. KEYS declares every key the call touches (each once), as Redis requires of scripts
// (Cluster routing, ACL key checks), and the updates name keys by their index in KEYS. The updates
// travel as ONE argument (ARGV[1]): a FLAT JSON array decoded by Redis's bundled cjson. One
// argument, because building and sending dozens of small arguments per entity cost the engine more
// CPU (allocation, garbage collection, protocol framing) than the writes cost Redis; flat, because
// decoding is dominated by building Lua tables: the nested form (a table per update, op, field
// list) cost Redis ≈ 12 µs per entity update to decode, the flat one ≈ 5 µs.
// Scores and fractional amounts travel as strings (exact decimal round trip); integers (key
// indexes, counts, expiries, times, whole amounts) as JSON numbers, which Redis prints back exactly.
//
// A whole amount is added with HINCRBY, a fractional one with HINCRBYFLOAT: the integer command
// costs Redis about half (no long-double parse and print, no rewrite for propagation), and most
// increments are whole (counts). When the field already holds a fraction (or the sum would leave
// int64), HINCRBY fails without writing and the script falls back to HINCRBYFLOAT: the same sum.
//
// ARGV[1] is the concatenation of the updates, each:
//   ledger, opsLength, op…      ledger = 0 (none) | key, idCount, id…, atMs, pruneBound, ttlMs
//                               (pruneBound -1 → no upkeep); opsLength = how many array elements
//                               the ops take (to skip them when the ledger says "seen")
//   op = "D", key, n, field×n                                         HDEL
//      | "I", key, ttlMs, whenCreated, n, (field, by, c, clear×c)×n   HINCRBY(FLOAT) each field;
//            the c clears are deleted when that field was created; PEXPIRE when ttlMs > 0 and
//            (whenCreated = 0 or some field was created)
//      | "Z", key, keep, ttlMs, n, (member, score)×n                    ZADD GT of the n members;
//            when it added any, keep the `keep` highest; PEXPIRE when ttlMs > 0
// A "Z" op carries the update's consecutive writes to one set with the same keep and ttlMs: one
// trim and one PEXPIRE for all of them leave the same set as one of each per member (the `keep`
// highest of all, whatever the order) with the same expiry.
// Returns one integer per update: 1 applied, 0 duplicate (every id seen), 2 partial (some seen;
// nothing changed).
import type { EntityUpdate, SortedSetMaxWrite, StoreKey } from "./onlineStore.ts";

export const ENTITY_UPDATE_SCRIPT = `
local CHUNK = 500
-- a[first .. last] as arguments of one command per CHUNK elements (unpack has a stack limit).
local function zmscore_seen(key, a, first, last)
  local seen = 0
  for from = first, last, CHUNK do
    local scores = redis.call('ZMSCORE', key, unpack(a, from, math.min(from + CHUNK - 1, last)))
    for j = 1, #scores do
      if scores[j] then seen = seen + 1 end
    end
  end
  return seen
end
local function zadd_all(key, score, a, first, last)
  for from = first, last, CHUNK do
    local args = {}
    for j = from, math.min(from + CHUNK - 1, last) do
      args[#args + 1] = score
      args[#args + 1] = a[j]
    end
    redis.call('ZADD', key, unpack(args))
  end
end
-- a[first .. last] holds (member, score) pairs; returns how many members ZADD GT added.
local function zadd_gt(key, a, first, last)
  if last == first + 1 then return redis.call('ZADD', key, 'GT', a[last], a[first]) end
  local added = 0
  for from = first, last, CHUNK do
    local args = {}
    for j = from, math.min(from + CHUNK - 1, last), 2 do
      args[#args + 1] = a[j + 1]
      args[#args + 1] = a[j]
    end
    added = added + redis.call('ZADD', key, 'GT', unpack(args))
  end
  return added
end
local function hdel_all(key, a, first, last)
  for from = first, last, CHUNK do
    redis.call('HDEL', key, unpack(a, from, math.min(from + CHUNK - 1, last)))
  end
end

local a = cjson.decode(ARGV[1])
local results = {}
local i = 1
while i <= #a do
  local outcome = 1
  local ledger = a[i]
  i = i + 1
  if ledger ~= 0 then
    local lkey = KEYS[ledger]
    local count = a[i]
    local first, last = i + 1, i + count
    local atMs, bound, ttlMs = a[last + 1], a[last + 2], a[last + 3]
    i = last + 4
    if count == 1 then
      if redis.call('ZADD', lkey, 'NX', atMs, a[first]) == 0 then outcome = 0 end
    else
      local seen = zmscore_seen(lkey, a, first, last)
      if seen == count then
        outcome = 0
      elseif seen > 0 then
        outcome = 2
      else
        zadd_all(lkey, atMs, a, first, last)
      end
    end
    if outcome == 1 and bound >= 0 then
      redis.call('ZREMRANGEBYSCORE', lkey, '-inf', '(' .. bound)
      redis.call('PEXPIRE', lkey, ttlMs)
    end
  end
  local opsEnd = i + a[i]
  i = i + 1
  if outcome ~= 1 then i = opsEnd + 1 end
  while i <= opsEnd do
    local kind = a[i]
    local key = KEYS[a[i + 1]]
    if kind == 'I' then
      local ttlMs, whenCreated, n = a[i + 2], a[i + 3], a[i + 4]
      i = i + 5
      local created = false
      for _ = 1, n do
        local field, by, clears = a[i], a[i + 1], a[i + 2]
        local value
        if type(by) == 'number' then
          value = redis.pcall('HINCRBY', key, field, by)
          if type(value) == 'table' then value = tonumber(redis.call('HINCRBYFLOAT', key, field, by)) end
        else
          value = tonumber(redis.call('HINCRBYFLOAT', key, field, by))
          by = tonumber(by)
        end
        if math.abs(value - by) <= 1e-9 * math.abs(by) then
          created = true
          if clears > 0 then hdel_all(key, a, i + 3, i + 2 + clears) end
        end
        i = i + 3 + clears
      end
      if ttlMs > 0 and (whenCreated == 0 or created) then redis.call('PEXPIRE', key, ttlMs) end
    elseif kind == 'Z' then
      local keep, ttlMs, n = a[i + 2], a[i + 3], a[i + 4]
      i = i + 5
      if zadd_gt(key, a, i, i + 2 * n - 1) > 0 then redis.call('ZREMRANGEBYRANK', key, 0, -keep - 1) end
      if ttlMs > 0 then redis.call('PEXPIRE', key, ttlMs) end
      i = i + 2 * n
    elseif kind == 'D' then
      local n = a[i + 2]
      if n > 0 then hdel_all(key, a, i + 3, i + 2 + n) end
      i = i + 3 + n
    else
      return redis.error_reply('unknown entity update op ' .. tostring(kind))
    end
  end
  results[#results + 1] = outcome
end
return results
`;

/** Script reply code → outcome. */
export const OUTCOME_OF_CODE = ["duplicate", "applied", "partial"] as const;

/** Array elements already in JSON form (quoted strings, numbers), for `join(",")`. */
export type JsonTokens = (string | number)[];

/** A string as a JSON token; counter fields, ids and clears are plain ASCII, so the quoting is usually trivial. */
function quoted(value: string): string {
  return SAFE_JSON_STRING.test(value) ? `"${value}"` : JSON.stringify(value);
}
const SAFE_JSON_STRING = /^[\w:|.-]*$/;

/**
 * `quoted` for field names, which repeat in every update (counters hand out the same strings): a
 * small memo saves a string per field per update, most of the encoder's garbage after the ids.
 */
function quotedName(name: string): string {
  let token = quotedNames.get(name);
  if (token === undefined) {
    token = quoted(name);
    if (quotedNames.size >= QUOTED_NAMES_LIMIT) quotedNames.clear();
    quotedNames.set(name, token);
  }
  return token;
}
const quotedNames = new Map<string, string>();
const QUOTED_NAMES_LIMIT = 10_000;

/**
 * Appends the update's elements of the script's flat JSON array to `out`; false (nothing appended)
 * when it names no key (nothing to do or to remember). `keyIndex` gives a StoreKey's 1-based
 * position in the call's KEYS, adding it there (namespaced). Tokens go into one array per call,
 * joined once: concatenating thousands of small strings instead cost the engine more in garbage
 * collection than the rest of the encoding.
 */
export function encodeEntityUpdate(update: EntityUpdate, keyIndex: (key: StoreKey) => number, out: JsonTokens): boolean {
  const start = out.length;
  const ledger = update.ledger;
  if (ledger) {
    out.push(keyIndex(ledger.key), ledger.ids.length);
    for (const id of ledger.ids) out.push(quoted(id));
    out.push(ledger.atMs, (ledger.maintain ?? true) ? Math.max(0, ledger.atMs - ledger.retentionMs) : -1, ledger.retentionMs);
  } else {
    out.push(0);
  }
  // opsLength: how many elements the ops take (the script skips them on a duplicate); filled in below.
  const opsLengthAt = out.length;
  out.push(0);
  for (const { key, fields } of update.hashDeletes ?? []) {
    if (fields.length === 0) continue;
    out.push('"D"', keyIndex(key), fields.length);
    for (const field of fields) out.push(quoted(field));
  }
  for (const { key, increments, ttlMs, expireWhen, clearWhenCreated } of update.hashIncrements ?? []) {
    const head = out.length;
    out.push('"I"', 0, ttlMs ?? 0, expireWhen === "created" ? 1 : 0, 0);
    let count = 0;
    for (const field in increments) {
      const clears = clearWhenCreated?.[field] ?? NO_CLEARS;
      const by = increments[field]!;
      // Whole amounts as JSON numbers (→ HINCRBY), fractions as strings (→ HINCRBYFLOAT); see the header.
      out.push(quotedName(field), Number.isSafeInteger(by) ? by : `"${by}"`, clears.length);
      for (const clear of clears) out.push(quotedName(clear));
      count += 1;
    }
    if (count === 0) {
      out.length = head;
      continue;
    }
    out[head + 1] = keyIndex(key);
    out[head + 4] = count;
  }
  const maxes = update.sortedSetMaxes ?? NO_MAXES;
  for (let first = 0; first < maxes.length;) {
    const { key, keep, ttlMs } = maxes[first]!;
    // The run of writes to the same set with the same keep and expiry: one "Z" op.
    let end = first + 1;
    while (end < maxes.length && maxes[end]!.key === key && maxes[end]!.keep === keep && maxes[end]!.ttlMs === ttlMs) end += 1;
    out.push('"Z"', keyIndex(key), keep, ttlMs ?? 0, end - first);
    for (let index = first; index < end; index += 1) out.push(quoted(maxes[index]!.member), `"${maxes[index]!.score}"`);
    first = end;
  }
  const opsLength = out.length - opsLengthAt - 1;
  if (!ledger && opsLength === 0) {
    out.length = start;
    return false;
  }
  out[opsLengthAt] = opsLength;
  return true;
}

const NO_CLEARS: readonly string[] = [];
const NO_MAXES: readonly SortedSetMaxWrite[] = [];

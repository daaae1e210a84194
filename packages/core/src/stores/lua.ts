/**
 * Every Lua script of the RedisStore, each with its KEYS and ARGV, and the pieces both stores
 * share, so the memory store and the scripts cannot drift apart: the grace added to every cleanup
 * TTL, the send-rate windows, and the Lua helpers the per-token scripts include. Records are
 * `|`-separated strings rather than hashes: one small string key per challenge costs far less
 * Redis memory than a hash.
 */

/**
 * Added to every cleanup TTL. Decisions use the caller's clock, expiry in Redis (or the memory
 * sweeper) uses the real one; the grace keeps an app server whose clock lags a little from
 * finding a record gone that it still considers live.
 */
export const TTL_GRACE_MS = 30_000;

/** Sends are capped per rolling hour. */
export const SEND_WINDOW_MS = 3_600_000;

/** `reserve` calls are counted per token in fixed windows of this length (`maxPerMinute`). */
export const CALL_WINDOW_MS = 60_000;

/**
 * Lua helpers prepended to the per-token scripts.
 * - `split`: fields of a `|`-separated record, empty fields kept (a reserved challenge has an
 *   empty hash; a permanent block an empty `until`).
 * - `live_block`: the raw block record if it is still in force at `now`; an expired one is
 *   deleted so it cannot come back to life under a clock that moves backwards.
 */
export const LUA_HELPERS = `
local function split(s)
  local out, i = {}, 1
  while true do
    local j = string.find(s, '|', i, true)
    if not j then
      out[#out + 1] = string.sub(s, i)
      return out
    end
    out[#out + 1] = string.sub(s, i, j - 1)
    i = j + 1
  end
end

local function live_block(key, now)
  local b = redis.call('GET', key)
  if not b then return nil end
  local untilMs = split(b)[2]
  if untilMs ~= nil and untilMs ~= '' and tonumber(untilMs) <= now then
    redis.call('DEL', key)
    return nil
  end
  return b
end
`;

/**
 * Challenge records are `|`-separated, so a hash containing `|` would corrupt one. Both stores
 * refuse it alike (keyed hashes are hex or base64url, so this only catches a caller's bug).
 */
export function checkHash(codeHash: string): void {
  if (codeHash.includes('|')) throw new TypeError('codeHash must not contain "|"');
}

/**
 * `resolve`: the hot-path read, resource -> user -> assigned token, in one round trip.
 *
 * KEYS: ver (read for the reply, and declared so a Cluster client routes the call to the node that
 * owns the `{d}` slot). The chain's keys are only known as it is followed, so they cannot be declared up
 * front; they are built from the directory prefix and all carry the same `{d}` hash tag, hence
 * live in that same slot on that same node, which is all Cluster needs.
 * ARGV: directory prefix, resource id or name, lower-cased login, then the key-name heads from
 * `dirKey`: res, resname, login, usr, tok, and the assignment's head, middle and tail.
 *
 * Reply: {resource, user, token, version}, false where a link is missing; version is the
 * directory's, so a caller can tell how long the answer stays right (see DirectoryCache).
 */
export const RESOLVE_LUA = `
local p = ARGV[1]
local rid = ARGV[2]
local res = redis.call('GET', p .. ARGV[4] .. rid)
if not res then
  rid = redis.call('GET', p .. ARGV[5] .. ARGV[2])
  if rid then res = redis.call('GET', p .. ARGV[4] .. rid) end
end
if not res then rid = false end

local usr = false
local uid = redis.call('GET', p .. ARGV[6] .. ARGV[3])
if uid then usr = redis.call('GET', p .. ARGV[7] .. uid) end
if not usr then uid = false end

local tok = false
if rid and uid then
  local tid = redis.call('GET', p .. ARGV[9] .. rid .. ARGV[10] .. uid .. ARGV[11])
  if tid then tok = redis.call('GET', p .. ARGV[8] .. tid) end
end
return {res or false, usr or false, tok or false, redis.call('GET', KEYS[1]) or '0'}
`;

/**
 * `reserve`: block check, reuse of an open challenge, send-rate limits and the new challenge, as
 * one atomic step so two concurrent prepares cannot both send.
 *
 * KEYS: blk, ch, ctr, sends, prev, calls.
 * ARGV: now, resend ('1'|'0'), maxSendsPerHour, cooldownMs, windowStart (sends at or before it
 * no longer count), maxAttempts, expiresAt, challenge PX, sends PX, window length, guessed
 * counter ('' for none), the code hash for it, calls allowed per call window ('' for no limit),
 * call window length, calls PX, the least counter to take.
 *
 * Replies: {'throttled', retryAfterMs} | {'blocked', block} | {'open', expiresAt, sentAt,
 * attemptsLeft} | {'rate_limited', retryAfterMs, 'cooldown'|'hourly_cap'} | {'reserved', counter, filled 1|0}. The
 * challenge is filled with the given hash only if its counter is the guessed one.
 *
 * `calls` (`start|count`) counts this token's calls in a fixed window that opens at the first
 * one; the call past the limit is answered `throttled` before anything else is read or written,
 * so a flood of page loads costs one read each and writes nothing. Windows follow the caller's
 * clock, like every other decision; the key's TTL only cleans up.
 *
 * A resend that replaces a live, filled challenge keeps it aside under `prev` (renamed, so with
 * its remaining TTL) for `discard` to put back if the new code's mail fails. Replacing a
 * reservation still unfilled keeps whatever that one had aside; replacing nothing or an expired
 * challenge drops any stale `prev`, so `prev` always holds what the current `ch` replaced.
 */
export const RESERVE_LUA = `${LUA_HELPERS}
local now = tonumber(ARGV[1])
local resend = ARGV[2] == '1'

if ARGV[13] ~= '' then
  local window = tonumber(ARGV[14])
  local start, count = ARGV[1], 0
  local calls = redis.call('GET', KEYS[6])
  if calls then
    local c = split(calls)
    local s = tonumber(c[1])
    -- A window that started "later" than now (another process's clock runs ahead) still counts.
    if s + window > now then
      start, count = c[1], tonumber(c[2])
    end
  end
  if count >= tonumber(ARGV[13]) then
    return {'throttled', math.min(tonumber(start) + window - now, window)}
  end
  redis.call('SET', KEYS[6], start .. '|' .. (count + 1), 'PX', ARGV[15])
end

local blk = live_block(KEYS[1], now)
if blk then return {'blocked', blk} end

local ch = redis.call('GET', KEYS[2])
if ch and not resend then
  local c = split(ch)
  if tonumber(c[3]) > now then return {'open', c[3], c[4], c[2]} end
end

redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', ARGV[5])
local retry = 0
local reason = 'hourly_cap'
local cap = tonumber(ARGV[3])
if redis.call('ZCARD', KEYS[4]) >= cap then
  local oldest = redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')
  if oldest[2] then
    retry = tonumber(oldest[2]) + tonumber(ARGV[10]) - now
  else
    retry = tonumber(ARGV[10])
  end
end
-- The cooldown guards against resend clicks only; a first send (or one after expiry) is bound
-- by the hourly cap alone. When both apply, the caller must wait for the later of the two.
if resend then
  local newest = redis.call('ZRANGE', KEYS[4], -1, -1, 'WITHSCORES')
  if newest[2] then
    local r = tonumber(newest[2]) + tonumber(ARGV[4]) - now
    if r > retry then retry, reason = r, 'cooldown' end
  end
end
if retry > 0 then return {'rate_limited', retry, reason} end

if ch then
  local c = split(ch)
  if tonumber(c[3]) <= now then
    redis.call('DEL', KEYS[5])
  elseif c[1] ~= '' then
    redis.call('RENAME', KEYS[2], KEYS[5])
  end
else
  redis.call('DEL', KEYS[5])
end

-- max(stored + 1, least): a counter key restored from an older copy cannot repeat a code. The
-- counter passes 2^31, so it is written with %.0f (tostring would give '1.7e+15').
local counter = (tonumber(redis.call('GET', KEYS[3])) or 0) + 1
local least = tonumber(ARGV[16]) or 0
if least > counter then counter = least end
counter = string.format('%.0f', counter)
redis.call('SET', KEYS[3], counter)
redis.call('ZADD', KEYS[4], ARGV[1], counter)
redis.call('PEXPIRE', KEYS[4], ARGV[9])
local filled = ARGV[11] == counter
local hash = filled and ARGV[12] or ''
redis.call('SET', KEYS[2], hash .. '|' .. ARGV[6] .. '|' .. ARGV[7] .. '|' .. ARGV[1] .. '|' .. counter, 'PX', ARGV[8])
return {'reserved', counter, filled and 1 or 0}
`;

/**
 * `fill`: store the code's hash in the challenge reserved for this counter, unless a resend
 * replaced it meanwhile (then the mail just sent carries a dead code, and must not revive it).
 * A challenge a resend kept aside (`prev`) stays there: the mail is sent after `fill`, and
 * `discard` puts it back if that mail fails. Its own TTL removes it otherwise.
 *
 * KEYS: ch. ARGV: counter, codeHash. Reply: 1 filled, 0 not.
 */
export const FILL_LUA = `${LUA_HELPERS}
local ch = redis.call('GET', KEYS[1])
if not ch then return 0 end
local c = split(ch)
if c[5] ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2] .. '|' .. c[2] .. '|' .. c[3] .. '|' .. c[4] .. '|' .. c[5], 'KEEPTTL')
return 1
`;

/**
 * `discard`: undo a reservation whose mail could not be delivered. The send is forgotten even if
 * the challenge was replaced meanwhile, so an undelivered mail never counts against the
 * cooldown or the hourly cap. If this reservation replaced a challenge (a resend), the one kept
 * aside under `prev` is put back as it was, unless it expired by `now`; a `prev` that is this
 * very reservation (replaced meanwhile by a concurrent resend) is dropped, as its code was never
 * delivered.
 *
 * KEYS: ch, sends, prev. ARGV: counter, now. Reply: 1.
 */
export const DISCARD_LUA = `${LUA_HELPERS}
local ch = redis.call('GET', KEYS[1])
local prev = redis.call('GET', KEYS[3])
if ch and split(ch)[5] == ARGV[1] then
  if prev and tonumber(split(prev)[3]) > tonumber(ARGV[2]) then
    redis.call('RENAME', KEYS[3], KEYS[1])
  else
    redis.call('DEL', KEYS[1], KEYS[3])
  end
elseif prev and split(prev)[5] == ARGV[1] then
  redis.call('DEL', KEYS[3])
end
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`;

/**
 * `verify`: check, count and consume in one atomic step, so of any number of concurrent
 * requests with the right code, on any number of processes, exactly one succeeds.
 *
 * KEYS: blk, ch, fails.
 * ARGV: now, codeHash, pinOk ('1'|'0'), resourceId, lockAfter, hardBlockAfter, lock until,
 * lock PX, then the code's hashes under older secrets (during a secret rotation only).
 *
 * Replies: {'blocked', block, lockedNow 0|1} | {'expired'} | {'ok'} | {'invalid', attemptsLeft}.
 * The failure counts live in one hash: field <resourceId> per resource, field '*' for the run
 * of failures on any resource that ends in a block only an admin lifts.
 */
export const VERIFY_LUA = `${LUA_HELPERS}
local now = tonumber(ARGV[1])

local blk = live_block(KEYS[1], now)
if blk then return {'blocked', blk, 0} end

local ch = redis.call('GET', KEYS[2])
if not ch then return {'expired'} end
local c = split(ch)
if tonumber(c[3]) <= now then
  redis.call('DEL', KEYS[2])
  return {'expired'}
end

-- Lua compares interned strings by pointer, not byte by byte, and both sides are HMACs under a
-- key Redis never sees: timing reveals nothing an attacker could steer towards the stored value.
-- An empty hash is a challenge not filled yet, or input of the wrong shape: never a match.
local match = ARGV[2] ~= '' and c[1] == ARGV[2]
-- A code mailed before a secret rotation was hashed under an older secret.
for i = 9, #ARGV do
  if ARGV[i] ~= '' and c[1] == ARGV[i] then match = true end
end
if ARGV[3] == '1' and c[1] ~= '' and match then
  redis.call('DEL', KEYS[2])
  -- A success ends both runs of failures: here, and on any resource.
  redis.call('HDEL', KEYS[3], ARGV[4], '*')
  return {'ok'}
end

local left = tonumber(c[2]) - 1
if left <= 0 then
  left = 0
  redis.call('DEL', KEYS[2])
else
  redis.call('SET', KEYS[2], c[1] .. '|' .. left .. '|' .. c[3] .. '|' .. c[4] .. '|' .. c[5], 'KEEPTTL')
end

local here = redis.call('HINCRBY', KEYS[3], ARGV[4], 1)
local anywhere = redis.call('HINCRBY', KEYS[3], '*', 1)
if anywhere >= tonumber(ARGV[6]) then
  -- No TTL: this block waits for an administrator.
  redis.call('SET', KEYS[1], 'failed_attempts|')
  redis.call('DEL', KEYS[2])
  return {'blocked', 'failed_attempts|', 1}
end
if here >= tonumber(ARGV[5]) then
  local b = 'failed_attempts|' .. ARGV[7]
  redis.call('SET', KEYS[1], b, 'PX', ARGV[8])
  -- The lock paid for this run; the '*' run keeps counting towards the hard block.
  redis.call('HDEL', KEYS[3], ARGV[4])
  redis.call('DEL', KEYS[2])
  return {'blocked', b, 1}
end
return {'invalid', left}
`;

/**
 * `dirRange`: a page of an ordered list and the directory version, read together so a commit
 * built on the page sees a conflict if anything moved in between.
 *
 * KEYS: list, ver. ARGV: min ('-' or '(' + member), count. Reply: {version, members}.
 */
export const DIR_RANGE_LUA = `
return {redis.call('GET', KEYS[2]) or '0', redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], '+', 'LIMIT', 0, ARGV[2])}
`;

/**
 * `dirCommit`: an optimistic transaction over the directory. All directory keys share the `{d}`
 * hash tag, so on a Cluster this one script can touch them all.
 *
 * KEYS: ver, then one key per op. ARGV: expected version, then per op its name and its value or
 * member ('' for del). Reply: 1 applied, 0 version moved on.
 *
 * Redis does not roll a script back when a command fails half-way, so every op is checked
 * before the first write: a bad op fails the whole commit with nothing applied.
 */
export const DIR_COMMIT_LUA = `
local current = redis.call('GET', KEYS[1]) or '0'
if tonumber(current) ~= tonumber(ARGV[1]) then return 0 end

for i = 2, #KEYS do
  local op = ARGV[2 * i - 2]
  if op == 'zadd' or op == 'zrem' then
    local t = redis.call('TYPE', KEYS[i])['ok']
    if t ~= 'zset' and t ~= 'none' then
      return redis.error_reply('WRONGTYPE ' .. KEYS[i] .. ' is not an ordered list')
    end
  elseif op ~= 'set' and op ~= 'del' then
    return redis.error_reply('ERR unknown directory op ' .. tostring(op))
  end
end

for i = 2, #KEYS do
  local op, arg = ARGV[2 * i - 2], ARGV[2 * i - 1]
  if op == 'set' then
    redis.call('SET', KEYS[i], arg)
  elseif op == 'del' then
    redis.call('DEL', KEYS[i])
  elseif op == 'zadd' then
    redis.call('ZADD', KEYS[i], 0, arg)
  else
    redis.call('ZREM', KEYS[i], arg)
  end
end
redis.call('INCR', KEYS[1])
return 1
`;

/**
 * `appendEvents`: a batch of audit entries in one command, so the log costs the hot path one
 * write per batch of decisions rather than one per decision.
 *
 * Two streams, each capped on its own (approximate MAXLEN: Redis trims whole nodes, so a stream
 * keeps at least its cap): noise in one can never trim the other. Entries get explicit ids,
 * `ms-seq` like the ones Redis makes, but increasing across both streams, so one id orders and
 * pages both logs at once (`listEvents`). They follow the later of Redis's clock and the newest
 * id in either stream, so they never go back.
 *
 * KEYS: security stream, activity stream. ARGV: security cap, activity cap, then per entry its
 * log ('s' or 'a') and its data. Reply: the number appended.
 */
export const APPEND_EVENTS_LUA = `
local lastMs, lastSeq = -1, 0
for k = 1, 2 do
  local top = redis.call('XREVRANGE', KEYS[k], '+', '-', 'COUNT', 1)[1]
  if top then
    local dash = string.find(top[1], '-', 1, true)
    local ms, seq = tonumber(string.sub(top[1], 1, dash - 1)), tonumber(string.sub(top[1], dash + 1))
    if ms > lastMs or (ms == lastMs and seq > lastSeq) then lastMs, lastSeq = ms, seq end
  end
end
local t = redis.call('TIME')
local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if ms > lastMs then lastMs, lastSeq = ms, -1 end
for i = 3, #ARGV, 2 do
  lastSeq = lastSeq + 1
  local key, cap = KEYS[2], ARGV[2]
  if ARGV[i] == 's' then key, cap = KEYS[1], ARGV[1] end
  redis.call('XADD', key, 'MAXLEN', '~', cap, string.format('%.0f-%.0f', lastMs, lastSeq), 'd', ARGV[i + 1])
end
return (#ARGV - 2) / 2
`;

/**
 * `listEvents`: the newest entries of both audit streams before a given id, read in one atomic
 * step so that a page never misses an entry appended to one stream while the other was read.
 *
 * KEYS: security stream, activity stream. ARGV: end ('+' or '(' .. id), count, which ('' both,
 * 's' security only, 'a' activity only). Reply: {security rows, activity rows}, each newest
 * first; the caller merges them.
 */
export const LIST_EVENTS_LUA = `
local function rows(k, flag)
  if ARGV[3] ~= '' and ARGV[3] ~= flag then return {} end
  return redis.call('XREVRANGE', KEYS[k], ARGV[1], '-', 'COUNT', ARGV[2])
end
return {rows(1, 's'), rows(2, 'a')}
`;

/**
 * `putDevice`'s list side: a user's remembered devices, a sorted set scored by each record's
 * cleanup deadline. Adds the member, drops those past their deadline, and lets the set itself
 * expire with its last member (a PEXPIREAT that works on Redis 6.2, which has no `GT`).
 *
 * KEYS: the user's set. ARGV: hash, deadline (epoch ms of the caller's clock, plus the grace), now.
 */
export const DEVICE_INDEX_LUA = `
redis.call('ZADD', KEYS[1], tonumber(ARGV[2]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then redis.call('PEXPIREAT', KEYS[1], math.floor(tonumber(last[2]))) end
return 1
`;

import { LUA_HELPERS } from './common';

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
 * attemptsLeft} | {'rate_limited', retryAfterMs} | {'reserved', counter, filled 1|0}. The
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
    if r > retry then retry = r end
  end
end
if retry > 0 then return {'rate_limited', retry} end

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

import { LUA_HELPERS } from './common';

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

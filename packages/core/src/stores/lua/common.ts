/**
 * Pieces both stores share, so the memory store and the Lua scripts cannot drift apart: the grace
 * added to every cleanup TTL, the send-rate window, and the Lua helpers the per-token scripts
 * include. Records are `|`-separated strings rather than hashes: one small string key per
 * challenge costs far less Redis memory than a hash.
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

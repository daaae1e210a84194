import { LUA_HELPERS } from './common';

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

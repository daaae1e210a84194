import { LUA_HELPERS } from './common';

/**
 * `discard`: undo a reservation whose mail could not be delivered. The send is forgotten even if
 * the challenge was replaced meanwhile, so an undelivered mail never counts against the
 * cooldown or the hourly cap.
 *
 * KEYS: ch, sends. ARGV: counter. Reply: 1.
 */
export const DISCARD_LUA = `${LUA_HELPERS}
local ch = redis.call('GET', KEYS[1])
if ch and split(ch)[5] == ARGV[1] then redis.call('DEL', KEYS[1]) end
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`;

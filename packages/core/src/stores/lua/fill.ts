import { LUA_HELPERS } from './common';

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

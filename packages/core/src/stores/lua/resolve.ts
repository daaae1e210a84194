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

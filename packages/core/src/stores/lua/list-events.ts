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

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

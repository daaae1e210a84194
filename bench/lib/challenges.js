'use strict';
/**
 * Open challenges written straight into Redis in the RedisStore's exact format, so a benchmark can
 * open thousands (or a million) without mailing anything. The format is the one `reserve` + `fill`
 * write (packages/core/src/stores/lua.ts, RESERVE_LUA and FILL_LUA):
 *   <prefix>{t:<tokenId>}:ch:<resourceId> = "<codeHash>|<attemptsLeft>|<expiresAt>|<sentAt>|<counter>"  PX ttl + grace
 *   <prefix>{t:<tokenId>}:ctr             = "<counter>"                                                (no TTL)
 *   <prefix>{t:<tokenId>}:sends           = zset { <counter>: <sentAt> }                                PX window + grace
 * `checkFormat` compares what this writes with what the real store writes, key by key.
 */
const { randomBytes } = require('node:crypto');
const { coreModule } = require('./common');

const { TTL_GRACE_MS, SEND_WINDOW_MS } = coreModule('stores/lua');
const { Keyring } = coreModule('crypto');

const TTL_MS = 300_000;

function keys(prefix, tokenId, resourceId) {
  const base = `${prefix}{t:${tokenId}}:`;
  return { ch: `${base}ch:${resourceId}`, ctr: `${base}ctr`, sends: `${base}sends` };
}

/**
 * Queues on `pipeline` the challenge of `tokenId` on `resourceId` whose code is `code` (hashed with
 * the keyring of `secret`, as the core does), and with `full` also the counter and send record a
 * first send leaves. `now` is the sending time.
 */
function queueChallenge(pipeline, keyring, prefix, { tokenId, resourceId, code = '123456', now = Date.now(), counter = now * 1000, full = false, attempts = 3 }) {
  const k = keys(prefix, tokenId, resourceId);
  const hash = keyring.codeHash(tokenId, resourceId, code);
  pipeline.set(k.ch, `${hash}|${attempts}|${now + TTL_MS}|${now}|${counter}`, 'PX', TTL_MS + TTL_GRACE_MS);
  if (full) {
    pipeline.set(k.ctr, String(counter));
    pipeline.zadd(k.sends, now, String(counter));
    pipeline.pexpire(k.sends, SEND_WINDOW_MS + TTL_GRACE_MS);
  }
}

/** Writes challenges for `items` in pipelines of `batch`. */
async function writeChallenges(client, keyring, prefix, items, { batch = 5000, full = false } = {}) {
  for (let i = 0; i < items.length; i += batch) {
    const p = client.pipeline();
    for (const item of items.slice(i, i + batch)) queueChallenge(p, keyring, prefix, { ...item, full: item.full ?? full });
    const replies = await p.exec();
    const failed = replies.find(([err]) => err);
    if (failed) throw failed[0];
  }
}

/**
 * Opens one challenge through the real store (reserve + fill, as `prepare` does) and one through
 * `queueChallenge` for another token, then compares them: same keys, same value shape, same types,
 * TTLs within a second, and `MEMORY USAGE` of each key. Returns the comparison; throws if it differs.
 */
async function checkFormat(client, store, keyring, prefix) {
  const resourceId = `res_${randomBytes(9).toString('base64url')}`;
  const real = `tok_${randomBytes(9).toString('base64url')}`;
  const mine = `tok_${randomBytes(9).toString('base64url')}`;
  const now = Date.now();
  const r = await store.reserve({ tokenId: real, resourceId, now, ttlMs: TTL_MS, maxAttempts: 3, resend: false, cooldownMs: 30_000, maxSendsPerHour: 10, minCounter: now * 1000 });
  if (r.status !== 'reserved') throw new Error(`reserve said ${r.status}`);
  await store.fill(real, resourceId, r.counter, keyring.codeHash(real, resourceId, '123456'));
  const p = client.pipeline();
  queueChallenge(p, keyring, prefix, { tokenId: mine, resourceId, now, counter: r.counter, full: true });
  await p.exec();

  const describe = async (tokenId) => {
    const k = keys(prefix, tokenId, resourceId);
    const out = {};
    for (const [name, key] of Object.entries(k)) {
      const type = await client.type(key);
      const value = type === 'string' ? await client.get(key) : type === 'zset' ? await client.zrange(key, 0, -1, 'WITHSCORES') : null;
      out[name] = { type, value, pttl: await client.pttl(key), bytes: Number(await client.call('MEMORY', 'USAGE', key)) };
    }
    return out;
  };
  const a = await describe(real);
  const b = await describe(mine);
  const shape = (v) => (typeof v === 'string' ? v.replace(/^[A-Za-z0-9_-]{43}\|/, 'H|') : JSON.stringify(v));
  for (const name of Object.keys(a)) {
    const same = a[name].type === b[name].type && shape(a[name].value) === shape(b[name].value) && Math.abs(a[name].pttl - b[name].pttl) < 1000;
    if (!same) throw new Error(`challenge format differs on ${name}: store ${JSON.stringify(a[name])} vs bench ${JSON.stringify(b[name])}`);
  }
  await client.del(...Object.values(keys(prefix, real, resourceId)), ...Object.values(keys(prefix, mine, resourceId)));
  return { store: a, bench: b };
}

/**
 * The commands `queueChallenge` queues, as plain argument lists (for `resp.pipe`). `parts` picks
 * which keys: 'ch', 'ctr', 'sends' (default all three).
 */
function challengeCommands(keyring, prefix, { tokenId, resourceId, code = '123456', now = Date.now(), counter = 1, attempts = 3, hash }, parts = ['ch', 'ctr', 'sends']) {
  const k = keys(prefix, tokenId, resourceId);
  const out = [];
  if (parts.includes('ch')) {
    // A filler that is never typed may pass a ready hash: same length, no HMAC per key.
    hash ??= keyring.codeHash(tokenId, resourceId, code);
    out.push(['SET', k.ch, `${hash}|${attempts}|${now + TTL_MS}|${now}|${counter}`, 'PX', String(TTL_MS + TTL_GRACE_MS)]);
  }
  if (parts.includes('ctr')) out.push(['SET', k.ctr, String(counter)]);
  if (parts.includes('sends')) out.push(['ZADD', k.sends, String(now), String(counter)], ['PEXPIRE', k.sends, String(SEND_WINDOW_MS + TTL_GRACE_MS)]);
  return out;
}

module.exports = { Keyring, TTL_MS, keys, queueChallenge, writeChallenges, checkFormat, challengeCommands };

import type { Writable } from 'node:stream';
import type { Cluster, Redis } from 'ioredis';
import type { EventLog } from '../audit';
import type { Block, BlockReason } from '../model';
import { DirectoryCache, type DirectoryCacheOptions } from './directory-cache';
import { dirKey, mergeNewestFirst, type DirOp, type DirRange, type DirRead, type EventCaps, type EventEntry, type ReserveArgs, type ReserveResult, type Resolved, type Store, type StoredDevice, type StoredEvent, type VerifyArgs, type VerifyResult } from './store';
import {
  APPEND_EVENTS_LUA,
  CALL_WINDOW_MS,
  checkHash,
  DIR_COMMIT_LUA,
  DEVICE_INDEX_LUA,
  DIR_RANGE_LUA,
  DISCARD_LUA,
  FILL_LUA,
  LIST_EVENTS_LUA,
  RESERVE_LUA,
  RESOLVE_LUA,
  SEND_WINDOW_MS,
  TTL_GRACE_MS,
  VERIFY_LUA,
} from './lua';

/**
 * ioredis, loaded only to open the store's own client (`url`): it is an optional peer dependency,
 * so an app on MemoryStore, or one handing RedisStore its own `client`, never needs it installed.
 */
function loadIoredis(): typeof import('ioredis') {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('ioredis') as typeof import('ioredis');
  } catch (err) {
    // Only ioredis itself missing; a broken install under it keeps its own error.
    const missing = (err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && String((err as Error).message).includes("'ioredis'");
    if (!missing) throw err;
    throw new Error('RedisStore with `url` needs the package ioredis (5.x), which is not installed: npm install ioredis', { cause: err });
  }
}

/** Options of {@link RedisStore}: pass exactly one of `client` and `url`. */
export interface RedisStoreOptions {
  /**
   * An ioredis 5 client (standalone or Cluster) you own: the store never quits it. It must not
   * have a `keyPrefix`; use `prefix` instead.
   */
  client?: Redis | Cluster;
  /**
   * A `redis://` or `rediss://` URL: the store opens its own client on first use, set to fail
   * fast (a Redis that is down makes calls reject within about 2 s instead of hanging), and
   * `close()` quits it.
   */
  url?: string;
  /**
   * Prepended to every key, so several apps can share one Redis. No `{` or `}`: the store's own
   * hash tags must be the first in each key. Default `'pm:'`.
   */
  prefix?: string;
  /**
   * Keeps `resolve` answers (resource -> user -> token) in this process, so an `authenticate`
   * or `prepare` whose answer is known costs one script on the token's keys instead of two.
   * Admin changes made through this store apply at once; made elsewhere (another process, or
   * another store object), within `maxStaleMs` (default 1 s). `false` reads the directory on
   * every call. Default on.
   */
  directoryCache?: DirectoryCacheOptions | false;
}

/**
 * Script names as defined on the client. Namespaced, since `defineCommand` adds methods to a
 * client that may be the caller's.
 */
const SCRIPTS = {
  protectimusMailDirRange: DIR_RANGE_LUA,
  protectimusMailDirCommit: DIR_COMMIT_LUA,
  protectimusMailResolve: RESOLVE_LUA,
  protectimusMailReserve: RESERVE_LUA,
  protectimusMailFill: FILL_LUA,
  protectimusMailDiscard: DISCARD_LUA,
  protectimusMailVerify: VERIFY_LUA,
  protectimusMailAppendEvents: APPEND_EVENTS_LUA,
  protectimusMailListEvents: LIST_EVENTS_LUA,
  protectimusMailDeviceIndex: DEVICE_INDEX_LUA,
} as const;

type ScriptName = keyof typeof SCRIPTS;
type Scripted = Record<ScriptName, (numKeys: number, ...args: (string | number)[]) => Promise<unknown>>;

/** Redis stream ids, `ms-seq`; anything else cannot name an entry of the log. */
const STREAM_ID = /^\d+(-\d+)?$/;

/**
 * The key-name heads of `dirKey`, handed to the resolve script so the script and the admin code
 * that writes these keys share one spelling.
 */
function resolveKeyHeads(): string[] {
  const [head = '', rest = ''] = dirKey.assignment('\u0000', '\u0001').split('\u0000');
  const [middle = '', tail = ''] = rest.split('\u0001');
  return [
    dirKey.resource(''),
    dirKey.resourceName(''),
    dirKey.login(''),
    dirKey.user(''),
    dirKey.token(''),
    head,
    middle,
    tail,
  ];
}

/**
 * The production store: Redis 6.2+ (standalone or Cluster) through ioredis 5. Every per-token
 * operation is one Lua script over keys of one hash slot (`{t:<tokenId>}`); the directory lives
 * under the `{d}` tag and the audit logs are the streams `{ev}:sec` (security) and `{ev}:log`
 * (activity), under one tag so one script writes both. Times come from the caller; Redis TTLs
 * only clean up.
 */
export class RedisStore implements Store {
  private readonly client: Redis | Cluster;
  private readonly owned: boolean;
  private readonly prefix: string;
  private readonly dirPrefix: string;
  private readonly heads = resolveKeyHeads();
  private readonly cache: DirectoryCache | null;
  // A Cluster spreads commands over many connections; batching is for a single one.
  private readonly batch: WriteBatch | null;
  private revalidating = false;
  private closed = false;

  constructor(options: RedisStoreOptions) {
    const prefix = options.prefix ?? 'pm:';
    if (/[{}]/.test(prefix)) throw new TypeError('RedisStore prefix must not contain "{" or "}"');
    if ((options.client === undefined) === (options.url === undefined)) {
      throw new TypeError('RedisStore needs exactly one of `client` and `url`');
    }
    this.prefix = prefix;
    this.dirPrefix = `${prefix}{d}:`;
    this.cache = options.directoryCache === false ? null : new DirectoryCache(options.directoryCache);
    this.batch = options.client?.isCluster ? null : new WriteBatch(8);
    if (options.client) {
      if (options.client.options.keyPrefix) {
        throw new TypeError('RedisStore cannot use a client with a keyPrefix; pass `prefix` instead');
      }
      this.client = options.client;
      this.owned = false;
    } else {
      const { Redis } = loadIoredis();
      this.client = new Redis(options.url as string, {
        // No socket until the first call: building a store must not need Redis to be up.
        lazyConnect: true,
        // The offline queue stays on so the first call waits for the connection; these bound
        // that wait. A refused connection fails the queued calls after the second attempt
        // (maxRetriesPerRequest), a silent host after connectTimeout, and commandTimeout caps
        // everything, including a connection that is up but never answers.
        connectTimeout: 1000,
        maxRetriesPerRequest: 1,
        commandTimeout: 2000,
        retryStrategy: (attempt: number) => Math.min(attempt * 100, 500),
        // How long a disconnect waits for a graceful close; ioredis arms this timer even for a
        // socket already gone, and it would hold the process open after close() for its length.
        disconnectTimeout: 500,
      });
      // Each failed call rejects with its own error; without a listener ioredis would also log
      // every reconnection failure to the console.
      this.client.on('error', () => undefined);
      this.owned = true;
    }
    for (const [name, lua] of Object.entries(SCRIPTS)) {
      // ioredis sends the script body once per connection, then only its SHA (EVALSHA), and
      // resends the body on NOSCRIPT (a restarted or failed-over node): no SCRIPT LOAD to manage.
      this.client.defineCommand(name, { lua });
    }
  }

  private run(name: ScriptName, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    // A connection that is up writes the command at once, into the held batch; one that is not
    // queues it in ioredis until it is.
    if (this.batch !== null && this.client.status === 'ready') this.batch.hold((this.client as Redis).stream);
    const scripted = this.client as unknown as Scripted;
    return scripted[name](keys.length, ...keys, ...args);
  }

  private dir(key: string): string {
    return this.dirPrefix + key;
  }

  private tokenKey(tokenId: string, suffix: string): string {
    return `${this.prefix}{t:${tokenId}}:${suffix}`;
  }

  /**
   * A remembered device's record, in a slot of its own (`{dv:<hash>}`), and its user's list of
   * them (`{ud:<userId>}`): no command touches both, so they may live on different Cluster nodes.
   */
  private deviceKey(hash: string): string {
    return `${this.prefix}{dv:${hash}}`;
  }

  private userDevicesKey(userId: string): string {
    return `${this.prefix}{ud:${userId}}:devs`;
  }

  /** The two audit streams, security then activity (the activity one kept its old name). */
  private eventsKeys(): [string, string] {
    return [`${this.prefix}{ev}:sec`, `${this.prefix}{ev}:log`];
  }

  async dirGet(keys: readonly string[]): Promise<DirRead> {
    const sentAt = this.cache?.now() ?? 0;
    const [ver, ...values] = await this.client.mget(this.dir('ver'), ...keys.map((k) => this.dir(k)));
    const version = Number(ver ?? 0);
    this.cache?.confirm(version, sentAt);
    return { version, values };
  }

  async dirRange(list: string, after: string | null, count: number): Promise<DirRange> {
    const n = Math.floor(count);
    const min = after === null ? '-' : `(${after}`;
    // LIMIT with a negative count means "all": never what a pager asks for.
    const reply = (await this.run('protectimusMailDirRange', [this.dir(list), this.dir('ver')], [min, Math.max(n, 0)])) as [
      string,
      string[],
    ];
    return { version: Number(reply[0]), members: n > 0 ? reply[1] : [] };
  }

  async dirCommit(version: number, ops: readonly DirOp[]): Promise<boolean> {
    this.cache?.invalidate();
    const keys = [this.dir('ver')];
    const args: string[] = [String(version)];
    for (const op of ops) {
      keys.push(this.dir(op.key));
      args.push(op.op, op.op === 'set' ? op.value : op.op === 'del' ? '' : op.member);
    }
    return (await this.run('protectimusMailDirCommit', keys, args)) === 1;
  }

  async resolve(resource: string, lowerLogin: string): Promise<Resolved> {
    const cache = this.cache;
    if (cache === null) return (await this.readResolve(resource, lowerLogin)).resolved;
    const key = `${resource}\n${lowerLogin}`;
    const hit = cache.get(key);
    if (hit.refresh) this.revalidate(cache);
    if (hit.value !== undefined) return hit.value;
    const sentAt = cache.now();
    const { resolved, version } = await this.readResolve(resource, lowerLogin);
    cache.put(key, resolved, version, sentAt);
    return resolved;
  }

  /**
   * The cached `resolve` answer while it is known right (see `directoryCache`), else undefined;
   * never a command on the caller's path. A background version check may start, as in `resolve`.
   */
  resolveCached(resource: string, lowerLogin: string): Resolved | undefined {
    const cache = this.cache;
    if (cache === null) return undefined;
    const hit = cache.get(`${resource}\n${lowerLogin}`);
    if (hit.refresh) this.revalidate(cache);
    return hit.value;
  }

  private async readResolve(resource: string, lowerLogin: string): Promise<{ resolved: Resolved; version: number }> {
    const reply = (await this.run(
      'protectimusMailResolve',
      [this.dir('ver')],
      [this.dirPrefix, resource, lowerLogin, ...this.heads],
    )) as (string | null)[];
    return { resolved: { resource: reply[0] ?? null, user: reply[1] ?? null, token: reply[2] ?? null }, version: Number(reply[3]) };
  }

  /** Confirms the directory's version in the background, one check at a time. */
  private revalidate(cache: DirectoryCache): void {
    if (this.revalidating) return;
    this.revalidating = true;
    const sentAt = cache.now();
    this.client
      .get(this.dir('ver'))
      .then((ver) => cache.confirm(Number(ver ?? 0), sentAt))
      // A failed check confirms nothing: the answers go stale and the next calls read through.
      .catch(() => undefined)
      .finally(() => {
        this.revalidating = false;
      });
  }

  async reserve(a: ReserveArgs): Promise<ReserveResult> {
    if (a.guess) checkHash(a.guess.codeHash);
    const expiresAt = a.now + a.ttlMs;
    const reply = (await this.run(
      'protectimusMailReserve',
      [
        this.tokenKey(a.tokenId, 'blk'),
        this.tokenKey(a.tokenId, `ch:${a.resourceId}`),
        this.tokenKey(a.tokenId, 'ctr'),
        this.tokenKey(a.tokenId, 'sends'),
        this.tokenKey(a.tokenId, `prev:${a.resourceId}`),
        this.tokenKey(a.tokenId, 'calls'),
      ],
      [
        a.now,
        a.resend ? '1' : '0',
        a.maxSendsPerHour,
        a.cooldownMs,
        a.now - SEND_WINDOW_MS,
        a.maxAttempts,
        expiresAt,
        Math.max(a.ttlMs, 0) + TTL_GRACE_MS,
        SEND_WINDOW_MS + TTL_GRACE_MS,
        SEND_WINDOW_MS,
        a.guess ? String(a.guess.counter) : '',
        a.guess?.codeHash ?? '',
        a.maxPerMinute === undefined ? '' : Math.max(0, Math.floor(a.maxPerMinute)),
        CALL_WINDOW_MS,
        CALL_WINDOW_MS + TTL_GRACE_MS,
        a.minCounter,
      ],
    )) as [string, ...(string | number)[]];
    switch (reply[0]) {
      case 'throttled':
        return { status: 'throttled', retryAfterMs: Number(reply[1]) };
      case 'blocked':
        return { status: 'blocked', block: parseBlock(String(reply[1])) };
      case 'open':
        return {
          status: 'open',
          expiresAt: Number(reply[1]),
          lastSentAt: Number(reply[2]),
          attemptsLeft: Number(reply[3]),
        };
      case 'rate_limited':
        return { status: 'rate_limited', retryAfterMs: Number(reply[1]), reason: reply[2] === 'cooldown' ? 'cooldown' : 'hourly_cap' };
      case 'reserved':
        return { status: 'reserved', counter: Number(reply[1]), filled: reply[2] === 1, expiresAt, lastSentAt: a.now };
      default:
        throw new Error(`unexpected reserve reply ${String(reply[0])}`);
    }
  }

  async fill(tokenId: string, resourceId: string, counter: number, codeHash: string): Promise<boolean> {
    checkHash(codeHash);
    const reply = await this.run('protectimusMailFill', [this.tokenKey(tokenId, `ch:${resourceId}`)], [String(counter), codeHash]);
    return reply === 1;
  }

  async discard(tokenId: string, resourceId: string, counter: number, now: number): Promise<void> {
    await this.run(
      'protectimusMailDiscard',
      [this.tokenKey(tokenId, `ch:${resourceId}`), this.tokenKey(tokenId, 'sends'), this.tokenKey(tokenId, `prev:${resourceId}`)],
      [String(counter), now],
    );
  }

  async verify(a: VerifyArgs): Promise<VerifyResult> {
    checkHash(a.codeHash);
    const older = a.olderCodeHashes ?? [];
    for (const h of older) checkHash(h);
    const reply = (await this.run(
      'protectimusMailVerify',
      [this.tokenKey(a.tokenId, 'blk'), this.tokenKey(a.tokenId, `ch:${a.resourceId}`), this.tokenKey(a.tokenId, 'fails')],
      [
        a.now,
        a.codeHash,
        a.pinOk ? '1' : '0',
        a.resourceId,
        a.lockAfter,
        a.hardBlockAfter,
        a.now + a.lockMs,
        Math.max(a.lockMs, 0) + TTL_GRACE_MS,
        ...older,
      ],
    )) as [string, ...(string | number)[]];
    switch (reply[0]) {
      case 'ok':
        return { status: 'ok' };
      case 'expired':
        return { status: 'expired' };
      case 'invalid':
        return { status: 'invalid', attemptsLeft: Number(reply[1]) };
      case 'blocked':
        return { status: 'blocked', block: parseBlock(String(reply[1])), lockedNow: reply[2] === 1 };
      default:
        throw new Error(`unexpected verify reply ${String(reply[0])}`);
    }
  }

  async tokenBlocks(tokenIds: readonly string[], now: number): Promise<(Block | null)[]> {
    // One GET each rather than MGET: on a Cluster the tokens live in different slots. ioredis
    // writes them all before the first reply arrives, so this is still one round trip.
    const raw = await Promise.all(tokenIds.map((id) => this.client.get(this.tokenKey(id, 'blk'))));
    return raw.map((r) => {
      if (r === null) return null;
      const block = parseBlock(r);
      return block.until !== null && block.until <= now ? null : block;
    });
  }

  async setTokenBlock(tokenId: string, block: Block | null, now: number): Promise<void> {
    const key = this.tokenKey(tokenId, 'blk');
    if (block === null) {
      await this.client.del(key, this.tokenKey(tokenId, 'fails'));
    } else if (block.until === null) {
      await this.client.set(key, `${block.reason}|`);
    } else {
      await this.client.set(key, `${block.reason}|${block.until}`, 'PX', Math.max(block.until - now, 0) + TTL_GRACE_MS);
    }
  }

  async dropChallenges(tokenId: string, resourceIds: readonly string[]): Promise<void> {
    if (resourceIds.length === 0) return;
    await this.client.del(...resourceIds.flatMap((r) => [this.tokenKey(tokenId, `ch:${r}`), this.tokenKey(tokenId, `prev:${r}`)]));
  }

  async purgeToken(tokenId: string, resourceIds: readonly string[]): Promise<void> {
    await this.client.del(
      ...resourceIds.flatMap((r) => [this.tokenKey(tokenId, `ch:${r}`), this.tokenKey(tokenId, `prev:${r}`)]),
      ...['ctr', 'sends', 'fails', 'blk', 'calls'].map((s) => this.tokenKey(tokenId, s)),
    );
  }

  async putDevice(hash: string, userId: string, data: string, expiresAt: number, now: number): Promise<void> {
    const ttl = Math.max(0, expiresAt - now) + TTL_GRACE_MS;
    await this.client.set(this.deviceKey(hash), data, 'PX', ttl);
    // Scored by the wall clock, as Redis expires the record by it.
    await this.run('protectimusMailDeviceIndex', [this.userDevicesKey(userId)], [hash, Date.now() + ttl, Date.now()]);
  }

  async getDevice(hash: string): Promise<string | null> {
    return this.client.get(this.deviceKey(hash));
  }

  async updateDevice(hash: string, data: string): Promise<boolean> {
    return (await this.client.set(this.deviceKey(hash), data, 'KEEPTTL', 'XX')) === 'OK';
  }

  async listDevices(userId: string, _now: number): Promise<StoredDevice[]> {
    const list = this.userDevicesKey(userId);
    const hashes = await this.client.zrangebyscore(list, Date.now(), '+inf');
    if (hashes.length === 0) return [];
    // One GET each: the records are in slots of their own, which an MGET cannot span on a Cluster.
    const values = await Promise.all(hashes.map((hash) => this.client.get(this.deviceKey(hash))));
    const out: StoredDevice[] = [];
    const gone: string[] = [];
    hashes.forEach((hash, i) => {
      const data = values[i];
      if (data === null || data === undefined) gone.push(hash);
      else out.push({ hash, data });
    });
    if (gone.length > 0) await this.client.zrem(list, ...gone);
    return out;
  }

  async deleteDevices(userId: string, hashes?: readonly string[]): Promise<number> {
    const list = this.userDevicesKey(userId);
    let targets = hashes ?? (await this.client.zrange(list, 0, -1));
    if (targets.length === 0) return 0;
    if (hashes !== undefined) {
      // Only the user's own: a hash listed under someone else is not theirs to delete.
      const scores = await this.client.zmscore(list, ...hashes);
      targets = hashes.filter((_, i) => scores[i] !== null && scores[i] !== undefined);
      if (targets.length === 0) return 0;
    }
    const deleted = await Promise.all(targets.map((hash) => this.client.del(this.deviceKey(hash))));
    if (hashes === undefined) await this.client.del(list);
    else await this.client.zrem(list, ...targets);
    return deleted.reduce((sum, n) => sum + n, 0);
  }

  async appendEvents(entries: readonly EventEntry[], caps: EventCaps): Promise<void> {
    if (entries.length === 0) return;
    const args: (string | number)[] = [Math.max(1, Math.floor(caps.security)), Math.max(1, Math.floor(caps.activity))];
    for (const e of entries) args.push(e.log === 'security' ? 's' : 'a', e.data);
    await this.run('protectimusMailAppendEvents', this.eventsKeys(), args);
  }

  async listEvents(limit: number, before?: string, log?: EventLog): Promise<StoredEvent[]> {
    const n = Math.floor(limit);
    if (n <= 0) return [];
    if (before !== undefined && !STREAM_ID.test(before)) return [];
    const which = log === undefined ? '' : log === 'security' ? 's' : 'a';
    const [security, activity] = (await this.run('protectimusMailListEvents', this.eventsKeys(), [
      before === undefined ? '+' : `(${before}`,
      n,
      which,
    ])) as [StreamRow[], StreamRow[]];
    return mergeNewestFirst(
      security.map(([id, fields]) => ({ id, log: 'security' as const, data: fieldValue(fields, 'd') })),
      activity.map(([id, fields]) => ({ id, log: 'activity' as const, data: fieldValue(fields, 'd') })),
      n,
      (x, y) => compareStreamIds(x.id, y.id) > 0,
    );
  }

  async close(): Promise<void> {
    if (!this.owned || this.closed) return;
    this.closed = true;
    const client = this.client;
    if (client.status === 'end') return;
    if (client.status === 'reconnecting' || client.status === 'close') {
      // No socket, only a reconnection timer, which this clears; ioredis emits no 'end' here.
      client.disconnect();
      return;
    }
    // Resolve once the socket is really gone, so no handle outlives `close()`.
    const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
    if (client.status === 'ready') {
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    } else {
      client.disconnect();
    }
    await ended;
  }
}

/** A stream entry as XREVRANGE replies it: id, then field names and values. */
type StreamRow = [string, string[]];

/** Stream ids compared as the pairs of numbers they are (`ms-seq`). */
function compareStreamIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am - bm || as - bs;
}

function fieldValue(fields: string[], name: string): string {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === name) return fields[i + 1] ?? '';
  }
  return '';
}

/** Parses a stored `reason|untilMs` block record (empty `untilMs`: until an admin acts). */
function parseBlock(raw: string): Block {
  const bar = raw.indexOf('|');
  const reason = (bar < 0 ? raw : raw.slice(0, bar)) as BlockReason;
  const until = bar < 0 ? '' : raw.slice(bar + 1);
  return { reason, until: until === '' ? null : Number(until) };
}

/**
 * Gathers the commands a store sends in one turn of the event loop into fewer socket writes.
 *
 * Under load the replies to many requests arrive together, and each request then sends its next
 * command at once: one `write` system call each, which on a loopback or virtualised network costs
 * more than the rest of the work. Corking the socket turns those into one `writev` per `size`
 * commands. The batch is capped rather than held to the end of the turn so that Redis starts on
 * the first commands while this process still prepares the next ones; whatever is corked is sent
 * at the end of the turn at the latest (`process.nextTick`), so no command waits for I/O.
 */
export class WriteBatch {
  private stream: Writable | null = null;
  private count = 0;
  private readonly release = (): void => this.flush();

  constructor(private readonly size: number) {}

  /** Call right before a command is written to `stream` (a connection that is up). */
  hold(stream: Writable): void {
    if (this.stream !== stream) {
      this.flush();
      if (!stream.writable) return;
      stream.cork();
      this.stream = stream;
      this.count = 0;
      process.nextTick(this.release);
    }
    if (++this.count > this.size) {
      stream.uncork();
      stream.cork();
      this.count = 1;
    }
  }

  private flush(): void {
    const stream = this.stream;
    this.stream = null;
    stream?.uncork();
  }
}

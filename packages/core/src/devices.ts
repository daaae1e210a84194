import { createHash, randomBytes } from 'node:crypto';
import type { EventType, ProtectimusEvent } from './audit';
import type { Challenges } from './challenge';
import { ProtectimusError } from './errors';
import type { ResourceRecord, TokenRecord, UserRecord } from './model';
import type { Context } from './protectimus';
import { dirKey } from './stores/store';
import * as v from './validation';

// Remembered devices (docs/design.md, "Remember this device"): after a right code, a device may
// skip the code for a number of days. The device holds only a random id in a cookie; the record
// lives in the store under a hash of that id, so a copy of the store gives no cookie, and every
// record can be revoked: by its user, by an administrator, and by any change that ends a verified
// session (the record keeps the grant's stamp, checked on every use).

/** Random bytes of a device's id: 256 bits, written as 43 base64url characters. */
const ID_BYTES = 32;
const ID_SHAPE = /^[A-Za-z0-9_-]{43}$/;
/** How a device id's hash (the admin's device id) is written. */
const HASH_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Longest a device may be remembered, in days (`rememberDevice.days`). */
export const MAX_REMEMBER_DAYS = 365;

/** A remembered device as the admin API lists it. */
export interface RememberedDevice {
  /** The hash of the device's cookie id (never the id): what `devices.forget` takes. */
  id: string;
  userId: string;
  login: string;
  resourceId: string;
  resourceName: string;
  tokenId: string;
  tokenName: string;
  /** The browser and system, from the User-Agent when it was remembered (`Firefox on Linux`). */
  label: string;
  /** ISO times. */
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
}

/** What the store keeps of a device. */
interface DeviceRecord {
  userId: string;
  login: string;
  resourceId: string;
  resourceName: string;
  tokenId: string;
  tokenName: string;
  /** The grant's stamp (`grantStamp`): the device holds only while the directory gives the same. */
  stamp: string;
  label: string;
  createdAt: number;
  lastUsedAt: number;
  expiresAt: number;
}

/** What the guard hands `remember` after a right code. */
export interface RememberDeviceInput {
  resource: string;
  login: string;
  /** The stamp of the success just granted (`AuthenticateResult.stamp`). */
  stamp: string;
  days: number;
  userAgent?: string;
  ip?: string;
}

/** A device the guard just remembered: the id for its cookie, and when it ends (epoch ms). */
export interface DeviceRemembered {
  secret: string;
  expiresAt: number;
}

/** The id a device's cookie holds, as the guard read it, and the request it came with. */
export interface DeviceUseInput {
  secret: string;
  resource: string;
  login: string;
  ip?: string;
}

/** Who forgot a device, in `device.forgotten`'s `detail.by`. */
export type ForgottenBy = 'user' | 'admin' | 'system';

function hashOf(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

/** Whether a cookie value has the shape of a device id; anything else is ignored unread. */
export function isDeviceSecret(value: unknown): value is string {
  return typeof value === 'string' && ID_SHAPE.test(value);
}

const BROWSERS: [RegExp, string][] = [
  [/\bEdg(?:e|A|iOS)?\//, 'Edge'],
  [/\bOPR\/|\bOpera\b/, 'Opera'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\bChrome\/|\bCriOS\/|\bChromium\//, 'Chrome'],
  [/\bSafari\//, 'Safari'],
];
const SYSTEMS: [RegExp, string][] = [
  [/\b(?:iPhone|iPad|iPod)\b/, 'iOS'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b/, 'Linux'],
];

/**
 * A device's label from its User-Agent: browser and system by name only (`Chrome on Android`),
 * so nothing the client wrote reaches a page or the panel but these fixed words.
 */
export function deviceLabel(userAgent: string | undefined): string {
  const ua = typeof userAgent === 'string' ? userAgent.slice(0, 512) : '';
  const browser = BROWSERS.find(([re]) => re.test(ua))?.[1];
  const system = SYSTEMS.find(([re]) => re.test(ua))?.[1];
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? 'Unknown browser';
}

function parse(data: string | null): DeviceRecord | null {
  if (data === null) return null;
  try {
    const rec = JSON.parse(data) as Partial<DeviceRecord> | null;
    if (!rec || typeof rec.userId !== 'string' || typeof rec.stamp !== 'string' || typeof rec.expiresAt !== 'number') return null;
    return rec as DeviceRecord;
  } catch {
    return null;
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

function view(hash: string, rec: DeviceRecord): RememberedDevice {
  return {
    id: hash,
    userId: rec.userId,
    login: rec.login,
    resourceId: rec.resourceId,
    resourceName: rec.resourceName,
    tokenId: rec.tokenId,
    tokenName: rec.tokenName,
    label: rec.label,
    createdAt: iso(rec.createdAt),
    lastUsedAt: iso(rec.lastUsedAt),
    expiresAt: iso(rec.expiresAt),
  };
}

/**
 * Remembered devices: `remember`, `use` and `forgetOwn` for the guard; `list`, `forget` and
 * `forgetAll` for an administrator (`pm.devices`, `pm.as(actor).devices`).
 */
export class Devices {
  constructor(
    private readonly ctx: Context,
    private readonly rules: Challenges,
  ) {}

  private event(type: EventType, rec: Pick<DeviceRecord, 'userId' | 'login' | 'resourceId' | 'resourceName' | 'tokenId' | 'tokenName'>, extra: Partial<ProtectimusEvent> = {}): void {
    this.ctx.audit.emit({
      type,
      resourceId: rec.resourceId,
      resourceName: rec.resourceName,
      userId: rec.userId,
      login: rec.login,
      tokenId: rec.tokenId,
      tokenName: rec.tokenName,
      ...extra,
    });
  }

  private forgotten(hash: string, rec: DeviceRecord, by: ForgottenBy, ip?: string): void {
    this.event('device.forgotten', rec, {
      ...(ip === undefined ? {} : { ip }),
      ...(by === 'admin' ? { actor: this.ctx.actor ?? null } : {}),
      detail: { by, device: hash.slice(0, 8), label: rec.label },
    });
  }

  /**
   * Remembers the device a right code was just typed on, for `days`: null when the grant it
   * stands on already ended (an admin change in between), so nothing is remembered.
   */
  async remember(input: RememberDeviceInput): Promise<DeviceRemembered | null> {
    const days = v.integer(input.days, 'days', 1, MAX_REMEMBER_DAYS);
    const grant = await this.rules.grantNow(input.resource, input.login, { ip: input.ip });
    if (grant === null || grant.stamp !== input.stamp) return null;
    const now = this.ctx.clock.now();
    const secret = randomBytes(ID_BYTES).toString('base64url');
    const rec = this.record(grant, now, now + days * 86_400_000, deviceLabel(input.userAgent));
    await this.ctx.store.putDevice(hashOf(secret), grant.user.id, JSON.stringify(rec), rec.expiresAt, now);
    this.event('device.remembered', rec, { ...(input.ip === undefined ? {} : { ip: input.ip }), detail: { label: rec.label, expiresAt: iso(rec.expiresAt) } });
    return { secret, expiresAt: rec.expiresAt };
  }

  private record(grant: { resource: ResourceRecord; user: UserRecord; token: TokenRecord; stamp: string }, now: number, expiresAt: number, label: string): DeviceRecord {
    return {
      userId: grant.user.id,
      login: grant.user.login,
      resourceId: grant.resource.id,
      resourceName: grant.resource.name,
      tokenId: grant.token.id,
      tokenName: grant.token.name,
      stamp: grant.stamp,
      label,
      createdAt: now,
      lastUsedAt: now,
      expiresAt,
    };
  }

  /**
   * The grant a remembered device gives `login` on `resource` now: its stamp, or null when the
   * id is unknown, expired, someone else's, for another resource, or revoked by a change to
   * what it was remembered with (then its record is deleted). Emits `device.used` on success.
   */
  async use(input: DeviceUseInput): Promise<{ stamp: string } | null> {
    if (!isDeviceSecret(input.secret)) return null;
    const hash = hashOf(input.secret);
    const rec = parse(await this.ctx.store.getDevice(hash));
    const now = this.ctx.clock.now();
    if (rec === null || rec.expiresAt <= now) return null;
    const grant = await this.rules.grantNow(input.resource, input.login, { ip: input.ip });
    if (grant === null || grant.resource.id !== rec.resourceId || grant.user.id !== rec.userId) return null;
    if (grant.stamp !== rec.stamp) {
      // Blocked, unassigned, address or PIN changed since: the device is revoked for good.
      await this.ctx.store.deleteDevices(rec.userId, [hash]);
      this.forgotten(hash, rec, 'system', input.ip);
      return null;
    }
    await this.ctx.store.updateDevice(hash, JSON.stringify({ ...rec, lastUsedAt: now }));
    this.event('device.used', rec, input.ip === undefined ? {} : { ip: input.ip });
    return { stamp: grant.stamp };
  }

  /** The user's "forget this device": deletes the record the cookie names; false if there was none of theirs. */
  async forgetOwn(input: DeviceUseInput): Promise<boolean> {
    if (!isDeviceSecret(input.secret)) return false;
    const hash = hashOf(input.secret);
    const rec = parse(await this.ctx.store.getDevice(hash));
    if (rec === null) return false;
    // The user by their login now (a login may have been renamed since), as the guard knows them.
    const [userId] = (await this.ctx.store.dirGet([dirKey.login(v.loginKey(input.login))])).values;
    if (userId !== rec.userId) return false;
    const n = await this.ctx.store.deleteDevices(rec.userId, [hash]);
    if (n > 0) this.forgotten(hash, rec, 'user', input.ip);
    return n > 0;
  }

  private async userRecord(userId: string): Promise<UserRecord> {
    const id = v.id(userId, 'id');
    const [raw] = (await this.ctx.store.dirGet([dirKey.user(id)])).values;
    if (raw === null || raw === undefined) throw new ProtectimusError('NOT_FOUND', 'user not found');
    return JSON.parse(raw) as UserRecord;
  }

  /**
   * A user's remembered devices that still hold, soonest to expire last. One that a change
   * revoked (a block, an unassigned token, a new address or PIN) is deleted here, not listed.
   */
  async list(userId: string): Promise<RememberedDevice[]> {
    const user = await this.userRecord(userId);
    const now = this.ctx.clock.now();
    const stored = await this.ctx.store.listDevices(user.id, now);
    const grants = new Map<string, Promise<string | null>>();
    const out: RememberedDevice[] = [];
    for (const { hash, data } of stored) {
      const rec = parse(data);
      if (rec === null || rec.expiresAt <= now) continue;
      let stamp = grants.get(rec.resourceId);
      if (stamp === undefined) grants.set(rec.resourceId, (stamp = this.rules.grantNow(rec.resourceId, user.login).then((g) => g?.stamp ?? null)));
      if ((await stamp) === rec.stamp) {
        out.push(view(hash, { ...rec, login: user.login }));
      } else {
        await this.ctx.store.deleteDevices(user.id, [hash]);
        this.forgotten(hash, rec, 'system');
      }
    }
    return out.sort((a, b) => (a.lastUsedAt < b.lastUsedAt ? 1 : a.lastUsedAt > b.lastUsedAt ? -1 : 0));
  }

  /** Forgets one of the user's devices (`RememberedDevice.id`); `NOT_FOUND` when they have no such device. */
  async forget(userId: string, deviceId: string): Promise<void> {
    const user = await this.userRecord(userId);
    if (typeof deviceId !== 'string' || !HASH_SHAPE.test(deviceId)) throw new ProtectimusError('NOT_FOUND', 'device not found');
    const rec = parse(await this.ctx.store.getDevice(deviceId));
    if (rec === null || rec.userId !== user.id || (await this.ctx.store.deleteDevices(user.id, [deviceId])) === 0) {
      throw new ProtectimusError('NOT_FOUND', 'device not found');
    }
    this.forgotten(deviceId, rec, 'admin');
  }

  /** Forgets every device of the user; resolves how many there were. */
  async forgetAll(userId: string): Promise<number> {
    const user = await this.userRecord(userId);
    const stored = await this.ctx.store.listDevices(user.id, this.ctx.clock.now());
    const n = await this.ctx.store.deleteDevices(user.id);
    for (const { hash, data } of stored) {
      const rec = parse(data);
      if (rec) this.forgotten(hash, rec, 'admin');
    }
    return n;
  }
}

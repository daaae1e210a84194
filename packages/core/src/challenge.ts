import type { EventType, ProtectimusEvent } from './audit';
import { hotp } from './crypto';
import { invalidInput, ProtectimusError } from './errors';
import { maskEmail } from './mail';
import { activeBlock, grantStamp, isPending, tokenView, userView, type Block, type MailToken, type PinPosition, type ResourceRecord, type TokenRecord, type User, type UserRecord } from './model';
import { confirmToken, enroll, type Enrollee } from './directory/enrollment';
import type { Context } from './protectimus';
import { isOpen, nextOpening, type Schedule } from './schedule';
import type { Resolved } from './stores/store';
import { IpAllowList, isValidPin, loginKey, optionalLocale } from './validation';

/** Who asks for a code, where. */
export interface PrepareInput {
  /** Resource id or name. */
  resource: string;
  /** The user's login (first factor already passed). */
  login: string;
  /** Client address, checked against the resource's `allowedIps` and written to the audit log. */
  ip?: string;
  /** Send a new code that replaces the open one (rate limited). */
  resend?: boolean;
  /**
   * What the app knows of the user, to enroll them when they have no token on the resource and
   * the resource allows enrollment (docs/design.md, "Enrollment"): a user, a pending mail token
   * at `email` and the assignment are made, and the code mailed to it confirms the address. Any
   * refusal is `NOT_ASSIGNED`, with nothing made and nothing mailed.
   */
  enroll?: Enrollee | null;
  /**
   * The language of the page that asked (a BCP 47 tag): the code mail is in the user's own
   * `locale` when the instance serves it, else in this one, else in English (docs/design.md,
   * "Languages"). The guard passes the page's negotiated language.
   */
  locale?: string;
}

/** What the user needs to know to type the code; nothing secret. */
export interface PrepareResult {
  tokenId: string;
  tokenName: string;
  /** The token's address, masked: `a***e@example.com`. */
  sentTo: string;
  otpLength: 6 | 8;
  pin: PinPosition | null;
  /** ISO time the code stops working. */
  expiresAt: string;
  /** ISO time a resend will be accepted. */
  resendAfter: string;
  /** False when an open code was reused and nothing was mailed. */
  sent: boolean;
  /** The resource's `displayName`, or null when it has none (the guard's page then names no resource). */
  resourceDisplayName: string | null;
}

/** A typed code, checked against the open challenge. */
export interface AuthenticateInput {
  resource: string;
  login: string;
  /** PIN and code as one string, as typed (surrounding whitespace is trimmed, spaces and hyphens inside ignored). */
  otp: unknown;
  ip?: string;
}

/** Who passed. */
export interface AuthenticateResult {
  user: User;
  token: MailToken;
  /**
   * What this success stood on (resource, user, token, and the admin state that ends a verified
   * session), as an opaque string to keep with the session: `pm.stillGranted(resource, login,
   * stamp)` tells on each later request whether it still holds.
   */
  stamp: string;
}

/** What a user typed, split into its PIN and code parts. */
export interface TypedCredential {
  pin: string | null;
  otp: string;
}

const ASCII_DIGITS = /^[0-9]+$/;

/** Spaces (U+0020, U+00A0) and hyphens (U+002D) between the characters of what was typed. */
const GROUP_SEPARATORS = /(?<=[^ \u00a0-])[ \u00a0-]+(?=[^ \u00a0-])/g;

/**
 * `2468 0661 1224` or `0661-1224` as `246806611224` and `06611224`: people group long codes when
 * they type or paste them. Only separators between two other characters go; one at an edge stays
 * and fails the shape check. No PIN or code character is a space or a hyphen, so nothing that was
 * part of the credential is ever removed.
 */
function joinGroups(s: string): string {
  return s.includes(' ') || s.includes('-') || s.includes('\u00a0') ? s.replace(GROUP_SEPARATORS, '') : s;
}

/**
 * Splits PIN+code typed as one string (docs/design.md, "Rules" 4). Only surrounding whitespace,
 * and spaces and hyphens between characters, are forgiven; any other deviation from the exact
 * shape returns null, which the caller counts as a failed attempt. The code part must be ASCII digits: `\d` in some engines and `Number()` accept
 * other digits and signs, so neither is used.
 */
export function parseTyped(typed: string, otpLength: number, pinPosition: PinPosition | null): TypedCredential | null {
  const s = joinGroups(typed.trim());
  if (pinPosition === null) {
    return s.length === otpLength && ASCII_DIGITS.test(s) ? { pin: null, otp: s } : null;
  }
  if (s.length < otpLength + 4 || s.length > otpLength + 12) return null;
  const otp = pinPosition === 'before' ? s.slice(s.length - otpLength) : s.slice(0, otpLength);
  const pin = pinPosition === 'before' ? s.slice(0, s.length - otpLength) : s.slice(otpLength);
  return ASCII_DIGITS.test(otp) && isValidPin(pin) ? { pin, otp } : null;
}

/** The chain `prepare` and `authenticate` stand on, checked by docs/design.md, "Rules" 1. */
interface Route {
  resource: ResourceRecord;
  user: UserRecord;
  token: TokenRecord;
  ip: string | undefined;
  /** The parsed `resolve` answer the route came from (its stamp is kept there). */
  chain: Chain;
}

const MAX_TYPED = 64;

/**
 * HOTP counters per millisecond of the clock. A new code takes at least `now * COUNTERS_PER_MS`
 * as its counter, and a token mails at most `maxSendsPerHour` (<= 1000) codes an hour, so the
 * counter never runs ahead of the clock: a counter the store lost to a rollback (a snapshot
 * restored, a failover to a lagging replica) is overtaken by the clock, and no code is mailed
 * twice. This holds while the app servers' clocks do not go back.
 */
const COUNTERS_PER_MS = 1000;

/** The least counter a code reserved at `now` (epoch ms) may take. */
export function leastCounter(now: number): number {
  return Math.floor(now) * COUNTERS_PER_MS;
}

/** What `route` reads of a `prepare` or `authenticate` input. */
interface RouteInput {
  resource: unknown;
  login: unknown;
  ip?: unknown;
}

/** A `resolve` answer parsed, with its resource's allow-list. */
interface Chain {
  resource: ResourceRecord | null;
  allow: IpAllowList | null;
  user: UserRecord | null;
  token: TokenRecord | null;
  /** `grantStamp` of the chain, null when a link is missing; set on first use. */
  stamp?: string | null;
}

function text(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) throw invalidInput(field, `${field} must be a string of 1 to ${max} characters`);
  return value;
}

/**
 * What a code's hash is bound to besides its token: the resource and the token's epoch. A code
 * mailed under an address, PIN or block state the admin has since changed (by a process that had
 * not seen the change yet) matches nothing once the change is seen. Epoch 0 hashes as before
 * epochs existed.
 */
function codeScope(token: TokenRecord, resource: ResourceRecord): string {
  const epoch = token.epoch ?? 0;
  return epoch === 0 ? resource.id : `${resource.id}\0${epoch}`;
}

/** The chain's `grantStamp`, computed once per parsed answer; null when a link is missing. */
function stampOf(chain: Chain): string | null {
  if (chain.stamp === undefined) chain.stamp = chain.resource && chain.user && chain.token ? grantStamp(chain.resource, chain.user, chain.token) : null;
  return chain.stamp;
}

function retryAfter(until: number | null, now: number): number | undefined {
  return until === null ? undefined : Math.max(1, Math.ceil((until - now) / 1000));
}

/** `prepare` and `authenticate`: the rules of docs/design.md ("Rules"), whatever the store. */
export class Challenges {
  private readonly allowLists = new Map<string, IpAllowList>();
  // A store that caches its answers hands back the same object each time: parse it once.
  private readonly chains = new WeakMap<Resolved, Chain>();
  // Unsealed HOTP secrets of the tokens that mailed codes lately, by token id and sealed form (a
  // sealed secret opens only for its own token). The process holds the key that unseals them all
  // anyway; this spares an AES-GCM setup per mail.
  private readonly secrets = new Map<string, Buffer>();

  constructor(private readonly ctx: Context) {}

  private event(type: EventType, route: Partial<Route> & { login?: string }, extra: Partial<ProtectimusEvent> = {}, until?: number): void {
    this.ctx.audit.emit({
      type,
      resourceId: route.resource?.id,
      resourceName: route.resource?.name,
      userId: route.user?.id,
      login: route.user?.login ?? route.login,
      tokenId: route.token?.id,
      tokenName: route.token?.name,
      ip: route.ip,
      ...extra,
    }, until);
  }

  private refuse(err: ProtectimusError, route: Partial<Route> & { login?: string }, detail?: ProtectimusEvent['detail']): never {
    this.event('access.denied', route, { code: err.code, detail: detail ?? (err.retryAfter === undefined ? undefined : { retryAfter: err.retryAfter }) });
    throw err;
  }

  /** The refusal outside the resource's time windows (docs/design.md, "Time windows"), with when it opens. */
  private closed(schedule: Schedule, now: number): ProtectimusError {
    const next = nextOpening(schedule, now);
    const opensAt = next === null ? null : new Date(next).toISOString();
    const when = opensAt === null ? 'no time window opens in the next two weeks' : `it opens at ${opensAt}`;
    return new ProtectimusError('ACCESS_RESTRICTED', `the resource is closed at this time: ${when}`, { opensAt, timeZone: schedule.timeZone });
  }

  private blocked(block: Block, what: string): ProtectimusError {
    const retry = retryAfter(block.until, this.ctx.clock.now());
    return new ProtectimusError('BLOCKED', `the ${what} is blocked`, retry === undefined ? {} : { retryAfter: retry });
  }

  private allowList(res: ResourceRecord): IpAllowList {
    const key = `${res.id}\n${res.allowedIps.join(',')}`;
    let list = this.allowLists.get(key);
    if (!list) {
      if (this.allowLists.size > 1000) this.allowLists.clear();
      list = new IpAllowList(res.allowedIps);
      this.allowLists.set(key, list);
    }
    return list;
  }

  private chain(found: Resolved): Chain {
    let chain = this.chains.get(found);
    if (chain === undefined) {
      const resource = found.resource === null ? null : (JSON.parse(found.resource) as ResourceRecord);
      chain = {
        resource,
        allow: resource === null ? null : this.allowList(resource),
        user: found.user === null ? null : (JSON.parse(found.user) as UserRecord),
        token: found.token === null ? null : (JSON.parse(found.token) as TokenRecord),
      };
      this.chains.set(found, chain);
    }
    return chain;
  }

  /**
   * Rule 1: resource -> user -> the user's token there, refusing blocks, addresses and strangers;
   * with `enrolling`, a stranger (an unknown login, a user without a token there) is null instead.
   */
  private async route(input: RouteInput, enrolling: true): Promise<Route | null>;
  private async route(input: RouteInput): Promise<Route>;
  private async route(input: RouteInput, enrolling = false): Promise<Route | null> {
    const resource = text(input.resource, 'resource', 64);
    const login = text(input.login, 'login', 64);
    if (input.ip !== undefined && typeof input.ip !== 'string') throw invalidInput('ip', 'ip must be a string');
    const ip = input.ip as string | undefined;
    const found = this.chain(await this.ctx.store.resolve(resource, loginKey(login)));
    if (!found.resource || !found.allow) throw new ProtectimusError('NOT_FOUND', 'resource not found');
    const route: Partial<Route> & { login: string } = { resource: found.resource, ip, login, chain: found };
    if (!found.allow.allows(ip)) this.refuse(new ProtectimusError('ACCESS_RESTRICTED', 'access from this address is not allowed'), route);
    // Before the login is looked at: a closed resource answers every login alike, and nothing
    // is reserved, mailed or counted.
    const schedule = found.resource.schedule;
    if (schedule) {
      const now = this.ctx.clock.now();
      if (!isOpen(schedule, now)) {
        const err = this.closed(schedule, now);
        this.refuse(err, route, { reason: 'schedule', opensAt: err.opensAt ?? null });
      }
    }
    // An unknown login answers like a user without a token, so logins cannot be probed. Logins
    // are unique case-insensitively but found only as spelled: `KATE` is not `kate`.
    if (!found.user || found.user.login !== login) {
      if (enrolling) return null;
      this.refuse(new ProtectimusError('NOT_ASSIGNED', 'no token is assigned to this user on this resource'), route);
    }
    route.user = found.user;
    const userBlock = activeBlock(route.user.block, this.ctx.clock.now());
    if (userBlock) this.refuse(this.blocked(userBlock, 'user'), route);
    if (!found.token && enrolling) return null;
    if (!found.token) this.refuse(new ProtectimusError('NOT_ASSIGNED', 'no token is assigned to this user on this resource'), route);
    route.token = found.token;
    return route as Route;
  }

  /**
   * Makes sure the user has an open code: reuses the open one (sending nothing), or with
   * `resend` replaces it, within the cooldown and hourly cap. docs/design.md, "Rules" 1-3.
   */
  async prepare(input: PrepareInput): Promise<PrepareResult> {
    if (input.resend !== undefined && typeof input.resend !== 'boolean') throw invalidInput('resend', 'resend must be a boolean');
    if (input.locale !== undefined && optionalLocale(input.locale) === null) throw invalidInput('locale', 'locale must be a BCP 47 language tag');
    const enrollee = input.enroll ?? null;
    if (enrollee !== null && (typeof enrollee !== 'object' || Array.isArray(enrollee))) throw invalidInput('enroll', 'enroll must be { email, name? } or null');
    const route = enrollee === null ? await this.route(input) : ((await this.route(input, true)) ?? (await this.enroll(input, enrollee)));
    const { otp } = this.ctx;
    const now = this.ctx.clock.now();
    const guess = this.guess(route, now);
    const reserved = await this.ctx.store.reserve({
      tokenId: route.token.id,
      resourceId: route.resource.id,
      now,
      ttlMs: otp.ttl * 1000,
      maxAttempts: otp.maxAttempts,
      resend: input.resend === true,
      cooldownMs: otp.resendCooldown * 1000,
      maxSendsPerHour: otp.maxSendsPerHour,
      maxPerMinute: otp.maxPreparesPerMinute,
      minCounter: guess.counter,
      guess: { counter: guess.counter, codeHash: guess.codeHash },
    });
    switch (reserved.status) {
      case 'throttled': {
        const err = new ProtectimusError('RATE_LIMITED', 'too many requests for this token; wait before trying again', { retryAfter: Math.max(1, Math.ceil(reserved.retryAfterMs / 1000)), reason: 'requests' });
        this.event('otp.rate_limited', route, { code: err.code, detail: { retryAfter: err.retryAfter ?? null, reason: 'requests' } });
        throw err;
      }
      case 'blocked':
        return this.refuse(this.blocked(reserved.block, 'token'), route);
      case 'rate_limited': {
        const message = reserved.reason === 'cooldown' ? 'a code was mailed moments ago; wait before asking for another' : 'too many codes mailed this hour; wait before asking again';
        const err = new ProtectimusError('RATE_LIMITED', message, { retryAfter: Math.max(1, Math.ceil(reserved.retryAfterMs / 1000)), reason: reserved.reason });
        this.event('otp.rate_limited', route, { code: err.code, detail: { retryAfter: err.retryAfter ?? null, reason: reserved.reason } });
        throw err;
      }
      case 'open':
        // One entry per open code, however often its page is loaded (the run ends with the code).
        this.event('otp.reused', route, {}, reserved.expiresAt);
        return this.result(route, reserved.expiresAt, reserved.lastSentAt, false);
      case 'reserved': {
        const sent = await this.send(route, reserved.counter, reserved.filled ? guess.code : undefined, input.locale);
        return this.result(route, reserved.expiresAt, reserved.lastSentAt, sent);
      }
    }
  }

  /** Enrolls the user (or refuses, as `route` would: `NOT_ASSIGNED`), then routes as usual. */
  private async enroll(input: PrepareInput, enrollee: Enrollee): Promise<Route> {
    const outcome = await enroll(this.ctx, { resource: input.resource, login: input.login, enrollee, ip: input.ip });
    if (outcome.status === 'refused') {
      const err = new ProtectimusError('NOT_ASSIGNED', 'no token is assigned to this user on this resource');
      this.event('access.denied', { resource: outcome.resource, login: input.login, ip: input.ip }, { code: err.code, detail: { enroll: outcome.reason } });
      throw err;
    }
    // Written through this store, so its next `resolve` reads the new directory.
    return this.route(input);
  }

  /**
   * The code for the counter the reservation will almost surely get: the clock's least counter
   * (the stored one is behind it unless this token was mailed in this very millisecond). A
   * reservation that gets it stores its hash at once, saving the store a second step (`fill`);
   * a wrong guess costs nothing but this computation, and its code is never stored nor sent.
   */
  private guess(route: Route, now: number): { counter: number; code: string; codeHash: string } {
    const counter = leastCounter(now);
    const code = this.code(route.token, counter);
    return { counter, code, codeHash: this.codeHash(route.token, route.resource, code) };
  }

  private code(token: TokenRecord, counter: number): string {
    const key = `${token.id}\n${token.secret}`;
    let secret = this.secrets.get(key);
    if (secret === undefined) {
      secret = this.ctx.keyring.unseal(token.id, token.secret);
      this.ctx.rekey.onUse(token, null);
      if (this.secrets.size >= 10_000) this.secrets.clear();
      this.secrets.set(key, secret);
    }
    return hotp(secret, counter, token.otpLength);
  }

  /**
   * Mails the code for `counter` (`filledCode`: the reservation already holds its hash); false
   * when a concurrent resend took its place first.
   */
  private async send(route: Route, counter: number, filledCode: string | undefined, pageLocale: string | undefined): Promise<boolean> {
    const { token, resource, user } = route;
    let code = filledCode;
    if (code === undefined) {
      code = this.code(token, counter);
      const filled = await this.ctx.store.fill(token.id, resource.id, counter, this.codeHash(token, resource, code));
      // A concurrent resend replaced our reservation: its code is the one that will work.
      if (!filled) return false;
    }
    try {
      const { tag, messages } = this.ctx.locales.forMail(user.locale, pageLocale);
      await this.ctx.mailer.send({ to: token.email, code, tokenName: token.name, resourceName: resource.displayName ?? resource.name, minutesValid: Math.ceil(this.ctx.otp.ttl / 60), locale: tag, messages });
    } catch (err) {
      // A failed resend puts back the code the user already had, if it is still valid.
      await this.ctx.store.discard(token.id, resource.id, counter, this.ctx.clock.now()).catch(() => undefined);
      this.event('otp.delivery_failed', route, { code: 'DELIVERY_FAILED' });
      throw err instanceof ProtectimusError ? err : new ProtectimusError('DELIVERY_FAILED', 'the code could not be sent', {}, { cause: err });
    }
    this.event('otp.sent', route);
    return true;
  }

  private result(route: Route, expiresAt: number, lastSentAt: number, sent: boolean): PrepareResult {
    return {
      tokenId: route.token.id,
      tokenName: route.token.name,
      sentTo: maskEmail(route.token.email),
      otpLength: route.token.otpLength,
      pin: route.token.pinHash === null ? null : route.token.pinPosition,
      expiresAt: new Date(expiresAt).toISOString(),
      resendAfter: new Date(lastSentAt + this.ctx.otp.resendCooldown * 1000).toISOString(),
      sent,
      resourceDisplayName: route.resource.displayName ?? null,
    };
  }

  /**
   * Checks PIN+code typed as one string against the open code, counting the attempt and
   * consuming the code in one atomic store step (rules 4-6). A wrong PIN and a wrong code are
   * the same failure to the caller.
   */
  async authenticate(input: AuthenticateInput): Promise<AuthenticateResult> {
    if (typeof input.otp !== 'string' || input.otp.trim().length === 0 || input.otp.length > MAX_TYPED) {
      throw invalidInput('otp', `otp must be a non-empty string of at most ${MAX_TYPED} characters`);
    }
    const route = await this.route(input);
    const { token, resource } = route;
    const typed = parseTyped(input.otp, token.otpLength, token.pinHash === null ? null : token.pinPosition);
    const pinOk = typed !== null && (token.pinHash === null || (typed.pin !== null && this.ctx.keyring.pinMatches(token.id, typed.pin, token.pinHash)));
    const now = this.ctx.clock.now();
    const verdict = await this.ctx.store.verify({
      tokenId: token.id,
      resourceId: resource.id,
      codeHash: typed === null ? '' : this.codeHash(token, resource, typed.otp),
      olderCodeHashes: typed === null ? undefined : this.ctx.keyring.olderCodeHashes(token.id, codeScope(token, resource), typed.otp),
      pinOk,
      now,
      lockAfter: resource.failedAttemptsBeforeLock,
      lockMs: resource.lockMinutes * 60_000,
      hardBlockAfter: this.ctx.hardBlockAfter,
    });
    switch (verdict.status) {
      case 'ok': {
        this.ctx.rekey.onUse(token, typed?.pin ?? null);
        this.event('otp.verified', route);
        // The first right code of an enrolled token proves its address.
        const confirmed = isPending(token) ? await confirmToken(this.ctx, token.id, resource, route.ip) : null;
        return { user: userView(route.user, now), token: tokenView(confirmed ?? token, null), stamp: stampOf(route.chain) ?? '' };
      }
      case 'invalid':
        this.event('otp.failed', route, { code: 'INVALID_OTP', detail: { attemptsLeft: verdict.attemptsLeft } });
        throw new ProtectimusError('INVALID_OTP', 'the code is not right', { attemptsLeft: verdict.attemptsLeft });
      case 'expired':
        this.event('otp.expired', route, { code: 'OTP_EXPIRED' });
        throw new ProtectimusError('OTP_EXPIRED', 'no code is open: it expired, was used, or was never sent');
      case 'blocked': {
        const err = this.blocked(verdict.block, 'token');
        if (!verdict.lockedNow) return this.refuse(err, route);
        this.event('otp.failed', route, { code: 'INVALID_OTP', detail: { attemptsLeft: 0 } });
        this.event('token.blocked', route, { code: 'BLOCKED', detail: { reason: verdict.block.reason, blockedUntil: verdict.block.until === null ? null : new Date(verdict.block.until).toISOString() } });
        throw err;
      }
    }
  }

  /** A code's keyed hash under the first server secret, bound to its scope (`codeScope`). */
  private codeHash(token: TokenRecord, resource: ResourceRecord, code: string): string {
    return this.ctx.keyring.codeHash(token.id, codeScope(token, resource), code);
  }

  /**
   * Whether a success stamped `stamp` (`AuthenticateResult.stamp`) for `login` on `resource`
   * still holds, from what the store knows without I/O; undefined when only a read can tell.
   * Synchronous and, on a known answer, allocation-light: the guard asks on every request.
   */
  stillGranted(resource: string, login: string, stamp: string): boolean | undefined {
    const found = this.ctx.store.resolveCached?.(resource, loginKey(login));
    return found === undefined ? undefined : this.holds(found, login, stamp);
  }

  /** `stillGranted`, reading the directory when the store does not know; rejects when it is unreachable. */
  async confirmGrant(resource: string, login: string, stamp: string): Promise<boolean> {
    if (typeof resource !== 'string' || typeof login !== 'string' || typeof stamp !== 'string') return false;
    return this.holds(await this.ctx.store.resolve(resource, loginKey(login)), login, stamp);
  }

  /**
   * What a grant for `login` on `resource` stands on now: the chain's records and its stamp, when
   * the chain is whole and the user not blocked; null otherwise. Remembered devices (docs/design.md,
   * "Remember this device") hold only while this gives the stamp they were remembered with.
   * With `at` (a request: a device used or remembered) the place and the time are checked as
   * `prepare` checks them: an address the resource does not allow, or a time outside its windows
   * ("Time windows"), is refused with ACCESS_RESTRICTED and `access.denied`, not answered null, so
   * where or when a device is used never revokes it. Without `at` (an admin listing devices) only
   * the chain and its stamp count. Reads the store; rejects when it is unreachable.
   */
  async grantNow(resource: string, login: string, at?: { ip: string | undefined }): Promise<{ resource: ResourceRecord; user: UserRecord; token: TokenRecord; stamp: string } | null> {
    const chain = this.chain(await this.ctx.store.resolve(resource, loginKey(login)));
    const { resource: res, user, token, allow } = chain;
    if (!res || !user || !token || !allow || user.login !== login) return null;
    const now = this.ctx.clock.now();
    if (activeBlock(user.block, now) !== null) return null;
    if (at) {
      const route = { resource: res, ip: at.ip, login, chain };
      if (!allow.allows(at.ip)) this.refuse(new ProtectimusError('ACCESS_RESTRICTED', 'access from this address is not allowed'), route);
      if (res.schedule && !isOpen(res.schedule, now)) {
        const err = this.closed(res.schedule, now);
        this.refuse(err, route, { reason: 'schedule', opensAt: err.opensAt ?? null });
      }
    }
    const stamp = stampOf(chain);
    return stamp === null ? null : { resource: res, user, token, stamp };
  }

  /**
   * The stamp names the resource, user and token and the user's and token's epochs, so an equal
   * one means: still assigned, not deleted, no admin block, address and PIN as they were. A
   * failed-attempt lock lives in the token's state, not its record, and does not count: it
   * would let whoever knows the password end the real user's session by typing wrong codes.
   */
  private holds(found: Resolved, login: string, stamp: string): boolean {
    const chain = this.chain(found);
    // Found as spelled only, as `route` finds a login (docs/design.md, "Login matching").
    if (chain.user?.login !== login) return false;
    const own = stampOf(chain);
    if (own === null || own !== stamp) return false;
    // A block moves the user's epoch on anyway; this also covers one written some other way.
    const block = chain.user?.block ?? null;
    const now = this.ctx.clock.now();
    if (block !== null && activeBlock(block, now) !== null) return false;
    // A verified session stops passing when the resource's time window closes (docs/design.md,
    // "Time windows"); the next request is refused by `route` like any other outside it.
    return isOpen(chain.resource?.schedule, now);
  }
}

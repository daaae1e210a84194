import { randomBytes } from 'node:crypto';
import type { Context } from '../protectimus';
import { DirTx, transact } from './transaction';
import { ProtectimusError } from '../errors';
import { newId } from '../crypto';
import { type ListQuery, type MailToken, type OtpLength, type Page, type PinPosition, member, nextEpoch, tokenView, type TokenRecord } from '../model';
import { listPage } from './paging';
import { resealAll, type ResealReport } from '../secrets';
import { dirKey, dirList } from '../stores/store';
import * as v from '../validation';

/** A new mail token, as the "Add Token -> Software tokens -> Protectimus MAIL" form fills it. */
export interface CreateMailTokenInput {
  /** 1..50 characters, unique (case-insensitive). */
  name: string;
  /** Where codes go; unique among mail tokens. */
  email: string;
  /** 6 or 8. Default 6. */
  otpLength?: OtpLength;
  /** 4..12 ASCII letters or digits, typed with the code. Default: none. */
  pin?: string;
  /** Where the PIN goes. Default 'before' when a PIN is given. */
  pinPosition?: PinPosition;
}

/** Changes to a token; `pin: null` removes the PIN. */
export interface UpdateMailTokenInput {
  name?: string;
  email?: string;
  otpLength?: OtpLength;
  pin?: string | null;
  pinPosition?: PinPosition;
}

const CREATE_FIELDS = ['name', 'email', 'otpLength', 'pin', 'pinPosition'] as const;

export function notFound(what: string): ProtectimusError {
  return new ProtectimusError('NOT_FOUND', `${what} not found`);
}

/** Reads a token record in a transaction, or throws NOT_FOUND. */
export async function loadToken(tx: DirTx, id: unknown): Promise<TokenRecord> {
  const rec = await tx.record<TokenRecord>(dirKey.token(v.id(id, 'tokenId')));
  if (!rec) throw notFound('token');
  return rec;
}

async function claimUnique(tx: DirTx, key: string, field: string, what: string, ownId: string | null): Promise<void> {
  const holder = await tx.get(key);
  if (holder !== null && holder !== ownId) throw new ProtectimusError('ALREADY_EXISTS', `a token with this ${what} exists`, { field });
}

/**
 * Validates a new token and queues its writes in `tx`; used by `createMail`, "Assign Token: New"
 * and enrollment (`pending`: the token waits for its first right code).
 */
export async function stageNewToken(ctx: Context, tx: DirTx, input: unknown, userId: string | null, pending = false): Promise<TokenRecord> {
  const f = v.fields(input, CREATE_FIELDS, 'token');
  const name = v.displayName(f.name, 'name');
  const email = v.email(f.email);
  const otpLength = f.otpLength === undefined ? 6 : v.otpLength(f.otpLength);
  const pin = f.pin === undefined || f.pin === null ? null : v.pin(f.pin);
  const pinPosition = pin === null ? null : f.pinPosition === undefined ? 'before' : v.pinPosition(f.pinPosition);
  if (pin === null && f.pinPosition !== undefined) v.pinPosition(f.pinPosition);
  await claimUnique(tx, dirKey.tokenName(name.toLowerCase()), 'name', 'name', null);
  await claimUnique(tx, dirKey.tokenEmail(email.toLowerCase()), 'email', 'email', null);
  const id = newId('tok');
  const rec: TokenRecord = {
    id,
    name,
    email,
    otpLength,
    pinHash: pin === null ? null : ctx.keyring.pinHash(id, pin),
    pinPosition,
    userId,
    secret: ctx.keyring.seal(id, randomBytes(20)),
    createdAt: ctx.clock.now(),
    ...(pending ? { confirmedAt: null } : {}),
  };
  tx.set(dirKey.token(id), rec);
  tx.set(dirKey.tokenName(name.toLowerCase()), id);
  tx.set(dirKey.tokenEmail(email.toLowerCase()), id);
  tx.zadd(dirList.tokens, member(name, id));
  if (userId !== null) tx.zadd(dirList.userTokens(userId), id);
  return rec;
}

/**
 * Queues the removal of a token's assignments on every resource ("token with user" needs an
 * owner, so losing the owner or the token ends them). Returns the resource ids, whose open
 * challenges the caller drops after the commit.
 */
export async function stageDetach(tx: DirTx, rec: TokenRecord): Promise<string[]> {
  const resourceIds = await tx.members(dirList.tokenResources(rec.id));
  for (const rid of resourceIds) {
    if (rec.userId !== null) {
      tx.del(dirKey.assignment(rid, rec.userId));
      tx.zrem(dirList.assignments(rid), rec.userId);
    }
  }
  tx.del(dirList.tokenResources(rec.id));
  return resourceIds;
}

/** Mail tokens: the Tokens page. */
export class Tokens {
  constructor(private readonly ctx: Context) {}

  /** The API view of records, with their current blocks. */
  async views(recs: readonly (TokenRecord | null)[]): Promise<(MailToken | null)[]> {
    const present = recs.filter((r): r is TokenRecord => r !== null);
    const blocks = await this.ctx.store.tokenBlocks(present.map((r) => r.id), this.ctx.clock.now());
    const byId = new Map(present.map((r, i) => [r.id, tokenView(r, blocks[i] ?? null)]));
    return recs.map((r) => (r ? (byId.get(r.id) ?? null) : null));
  }

  /** Creates a mail token (unowned). */
  async createMail(input: CreateMailTokenInput): Promise<MailToken> {
    const rec = await transact(this.ctx.store, (tx) => stageNewToken(this.ctx, tx, input, null));
    this.ctx.audit.emit({ type: 'token.created', tokenId: rec.id, tokenName: rec.name, actor: this.ctx.actor ?? null });
    return tokenView(rec, null);
  }

  async get(id: string): Promise<MailToken> {
    const rec = await transact(this.ctx.store, (tx) => loadToken(tx, id));
    return (await this.views([rec]))[0] as MailToken;
  }

  /** Tokens ordered by name; `q` matches name or address. */
  list(query: ListQuery = {}): Promise<Page<MailToken>> {
    return listPage(this.ctx.store, dirList.tokens, query, (ids) => this.load(ids), (t) => [t.name, t.email]);
  }

  private async load(ids: string[]): Promise<(MailToken | null)[]> {
    const { values } = await this.ctx.store.dirGet(ids.map(dirKey.token));
    return this.views(values.map((raw) => (raw === null ? null : (JSON.parse(raw) as TokenRecord))));
  }

  /**
   * Changes a token. A new address or PIN (set, changed or removed) ends the sessions the token
   * verified and voids its open codes: they were granted to, or mailed for, what it was before.
   */
  async update(id: string, patch: UpdateMailTokenInput): Promise<MailToken> {
    const { rec, voided } = await transact(this.ctx.store, async (tx) => {
      const old = await loadToken(tx, id);
      const f = v.fields(patch, CREATE_FIELDS, 'token');
      const next: TokenRecord = { ...old };
      if (f.name !== undefined) next.name = v.displayName(f.name, 'name');
      if (f.email !== undefined) next.email = v.email(f.email);
      if (f.otpLength !== undefined) next.otpLength = v.otpLength(f.otpLength);
      if (f.pin === null) Object.assign(next, { pinHash: null, pinPosition: null });
      else if (f.pin !== undefined) {
        next.pinHash = this.ctx.keyring.pinHash(old.id, v.pin(f.pin));
        next.pinPosition = old.pinPosition ?? 'before';
      }
      if (f.pinPosition !== undefined) {
        const position = v.pinPosition(f.pinPosition);
        if (next.pinHash !== null) next.pinPosition = position;
      }
      await this.reindex(tx, old, next);
      const credentials = next.email !== old.email || (f.pin !== undefined && (f.pin !== null || old.pinHash !== null));
      const voided = credentials ? await tx.members(dirList.tokenResources(old.id)) : [];
      const stored = credentials ? nextEpoch(next) : next;
      tx.set(dirKey.token(old.id), stored);
      return { rec: stored, voided };
    });
    await this.ctx.store.dropChallenges(rec.id, voided);
    this.ctx.audit.emit({ type: 'token.updated', tokenId: rec.id, tokenName: rec.name, actor: this.ctx.actor ?? null });
    return (await this.views([rec]))[0] as MailToken;
  }

  private async reindex(tx: DirTx, old: TokenRecord, next: TokenRecord): Promise<void> {
    if (old.name.toLowerCase() !== next.name.toLowerCase()) {
      await claimUnique(tx, dirKey.tokenName(next.name.toLowerCase()), 'name', 'name', old.id);
      tx.del(dirKey.tokenName(old.name.toLowerCase()));
      tx.set(dirKey.tokenName(next.name.toLowerCase()), old.id);
    }
    if (old.name !== next.name) {
      tx.zrem(dirList.tokens, member(old.name, old.id));
      tx.zadd(dirList.tokens, member(next.name, old.id));
    }
    if (old.email.toLowerCase() !== next.email.toLowerCase()) {
      await claimUnique(tx, dirKey.tokenEmail(next.email.toLowerCase()), 'email', 'email', old.id);
      tx.del(dirKey.tokenEmail(old.email.toLowerCase()));
      tx.set(dirKey.tokenEmail(next.email.toLowerCase()), old.id);
    }
  }

  /** Deletes a token, its assignments and everything pending for it. */
  async remove(id: string): Promise<void> {
    const { rec, resourceIds } = await transact(this.ctx.store, async (tx) => {
      const rec = await loadToken(tx, id);
      const resourceIds = await stageDetach(tx, rec);
      tx.del(dirKey.token(rec.id));
      tx.del(dirKey.tokenName(rec.name.toLowerCase()));
      tx.del(dirKey.tokenEmail(rec.email.toLowerCase()));
      tx.zrem(dirList.tokens, member(rec.name, rec.id));
      if (rec.userId !== null) tx.zrem(dirList.userTokens(rec.userId), rec.id);
      return { rec, resourceIds };
    });
    await this.ctx.store.purgeToken(rec.id, resourceIds);
    this.ctx.audit.emit({ type: 'token.removed', tokenId: rec.id, tokenName: rec.name, actor: this.ctx.actor ?? null });
  }

  /**
   * Blocks a token: for `minutes`, or until `unblock` when omitted. Its verified sessions end and
   * its open codes are void: the new epoch goes into the directory first, so even if a later step
   * fails, no session outlives the admin's intent.
   */
  async block(id: string, options: { minutes?: number } = {}): Promise<MailToken> {
    const minutes = options.minutes === undefined ? null : v.integer(options.minutes, 'minutes', 1, 525600);
    const { rec, resourceIds } = await transact(this.ctx.store, async (tx) => {
      const rec = nextEpoch(await loadToken(tx, id));
      const resourceIds = await tx.members(dirList.tokenResources(rec.id));
      tx.set(dirKey.token(rec.id), rec);
      return { rec, resourceIds };
    });
    const until = minutes === null ? null : this.ctx.clock.now() + minutes * 60_000;
    await this.ctx.store.setTokenBlock(rec.id, { reason: 'admin', until }, this.ctx.clock.now());
    await this.ctx.store.dropChallenges(rec.id, resourceIds);
    this.ctx.audit.emit({ type: 'token.blocked', tokenId: rec.id, tokenName: rec.name, actor: this.ctx.actor ?? null, detail: { reason: 'admin' } });
    return (await this.views([rec]))[0] as MailToken;
  }

  /** Lifts any block and resets the failure counts. */
  async unblock(id: string): Promise<MailToken> {
    const rec = await transact(this.ctx.store, (tx) => loadToken(tx, id));
    await this.ctx.store.setTokenBlock(rec.id, null, this.ctx.clock.now());
    this.ctx.audit.emit({ type: 'token.unblocked', tokenId: rec.id, tokenName: rec.name, actor: this.ctx.actor ?? null });
    return (await this.views([rec]))[0] as MailToken;
  }

  /**
   * Ends a secret rotation: rewrites under the first secret every token that still holds
   * something under an older one (tokens used meanwhile were rewritten on use). When it reports
   * `waiting` and `unreadable` at 0, the older secrets can be removed from the list.
   */
  reseal(): Promise<ResealReport> {
    return resealAll(this.ctx);
  }
}

import type { Context } from '../protectimus';
import { DirTx, transact } from './transaction';
import { ProtectimusError } from '../errors';
import { newId } from '../crypto';
import { type ListQuery, type MailToken, type Page, type User, member, nextEpoch, tokenView, userView, type TokenRecord, type UserRecord } from '../model';
import { listPage } from './paging';
import { dirKey, dirList } from '../stores/store';
import { loadToken, notFound, stageDetach, stageNewToken, type CreateMailTokenInput, type Tokens } from './tokens';
import * as v from '../validation';

/** A new user of the app. */
export interface CreateUserInput {
  /** Unique (case-insensitive); letters, digits and `_-@!#%+.$`, up to 64. */
  login: string;
  email?: string | null;
  firstName?: string | null;
  secondName?: string | null;
  /**
   * The language of the user's code mail: a BCP 47 tag (`uk`, `pt-BR`), stored in its canonical
   * form; any well-formed tag is taken, and the mail falls back by language, then to the page's
   * language, then to English. Null or absent: the page's language.
   */
  locale?: string | null;
}

/** Changes to a user; null clears an optional field. */
export type UpdateUserInput = Partial<CreateUserInput>;

const FIELDS = ['login', 'email', 'firstName', 'secondName', 'locale'] as const;

/** Reads a user record in a transaction, or throws NOT_FOUND. */
export async function loadUser(tx: DirTx, id: unknown): Promise<UserRecord> {
  const rec = await tx.record<UserRecord>(dirKey.user(v.id(id, 'userId')));
  if (!rec) throw notFound('user');
  return rec;
}

/** Users: the Users page, with "Assign Token: New / Existing". */
export class Users {
  constructor(
    private readonly ctx: Context,
    private readonly tokens: Tokens,
  ) {}

  private view(rec: UserRecord): User {
    return userView(rec, this.ctx.clock.now());
  }

  async create(input: CreateUserInput): Promise<User> {
    const rec = await transact(this.ctx.store, async (tx) => {
      const f = v.fields(input, FIELDS, 'user');
      const login = v.login(f.login);
      if ((await tx.get(dirKey.login(v.loginKey(login)))) !== null) {
        throw new ProtectimusError('ALREADY_EXISTS', 'a user with this login exists', { field: 'login' });
      }
      const rec: UserRecord = {
        id: newId('usr'),
        login,
        email: v.optionalEmail(f.email),
        firstName: v.optionalName(f.firstName, 'firstName'),
        secondName: v.optionalName(f.secondName, 'secondName'),
        locale: v.optionalLocale(f.locale),
        block: null,
        createdAt: this.ctx.clock.now(),
      };
      tx.set(dirKey.user(rec.id), rec);
      tx.set(dirKey.login(v.loginKey(login)), rec.id);
      tx.zadd(dirList.users, member(login, rec.id));
      return rec;
    });
    this.ctx.audit.emit({ type: 'user.created', userId: rec.id, login: rec.login, actor: this.ctx.actor ?? null });
    return this.view(rec);
  }

  async get(id: string): Promise<User> {
    return this.view(await transact(this.ctx.store, (tx) => loadUser(tx, id)));
  }

  /** Users ordered by login; `q` matches login, address and names. */
  list(query: ListQuery = {}): Promise<Page<User>> {
    return listPage(
      this.ctx.store,
      dirList.users,
      query,
      async (ids) => (await this.ctx.store.dirGet(ids.map(dirKey.user))).values.map((raw) => (raw === null ? null : this.view(JSON.parse(raw) as UserRecord))),
      (u) => [u.login, u.email ?? '', u.firstName ?? '', u.secondName ?? ''],
    );
  }

  async update(id: string, patch: UpdateUserInput): Promise<User> {
    const rec = await transact(this.ctx.store, async (tx) => {
      const old = await loadUser(tx, id);
      const f = v.fields(patch, FIELDS, 'user');
      const next: UserRecord = { ...old };
      if (f.login !== undefined) next.login = v.login(f.login);
      if (f.email !== undefined) next.email = v.optionalEmail(f.email);
      if (f.firstName !== undefined) next.firstName = v.optionalName(f.firstName, 'firstName');
      if (f.secondName !== undefined) next.secondName = v.optionalName(f.secondName, 'secondName');
      if (f.locale !== undefined) next.locale = v.optionalLocale(f.locale);
      if (v.loginKey(next.login) !== v.loginKey(old.login)) {
        if ((await tx.get(dirKey.login(v.loginKey(next.login)))) !== null) {
          throw new ProtectimusError('ALREADY_EXISTS', 'a user with this login exists', { field: 'login' });
        }
        tx.del(dirKey.login(v.loginKey(old.login)));
        tx.set(dirKey.login(v.loginKey(next.login)), old.id);
      }
      if (next.login !== old.login) {
        tx.zrem(dirList.users, member(old.login, old.id));
        tx.zadd(dirList.users, member(next.login, old.id));
      }
      tx.set(dirKey.user(old.id), next);
      return next;
    });
    this.ctx.audit.emit({ type: 'user.updated', userId: rec.id, login: rec.login, actor: this.ctx.actor ?? null });
    return this.view(rec);
  }

  /** Deletes a user (their verified sessions end, their remembered devices are deleted); their tokens stay, unowned, without assignments or open codes. */
  async remove(id: string): Promise<void> {
    const { rec, detached } = await transact(this.ctx.store, async (tx) => {
      const rec = await loadUser(tx, id);
      const detached: [string, string[]][] = [];
      for (const tokenId of await tx.members(dirList.userTokens(rec.id))) {
        const token = await tx.record<TokenRecord>(dirKey.token(tokenId));
        if (!token) continue;
        detached.push([token.id, await stageDetach(tx, token)]);
        tx.set(dirKey.token(token.id), { ...token, userId: null });
      }
      tx.del(dirList.userTokens(rec.id));
      tx.del(dirKey.user(rec.id));
      tx.del(dirKey.login(v.loginKey(rec.login)));
      tx.zrem(dirList.users, member(rec.login, rec.id));
      return { rec, detached };
    });
    await Promise.all(detached.map(([tokenId, rids]) => this.ctx.store.dropChallenges(tokenId, rids)));
    // Their remembered devices would no longer skip anything (the stamp names the user); gone now.
    await this.ctx.store.deleteDevices(rec.id);
    this.ctx.audit.emit({ type: 'user.removed', userId: rec.id, login: rec.login, actor: this.ctx.actor ?? null });
  }

  /** The tokens a user owns. */
  async tokensOf(id: string): Promise<MailToken[]> {
    const recs = await transact(this.ctx.store, async (tx) => {
      const user = await loadUser(tx, id);
      const ids = await tx.members(dirList.userTokens(user.id));
      return (await tx.getMany(ids.map(dirKey.token))).map((raw) => (raw === null ? null : (JSON.parse(raw) as TokenRecord)));
    });
    return (await this.tokens.views(recs)).filter((t): t is MailToken => t !== null);
  }

  /** "Assign Token: Existing": gives an unowned token to the user. */
  async assignToken(userId: string, tokenId: string): Promise<MailToken> {
    const rec = await transact(this.ctx.store, async (tx) => {
      const user = await loadUser(tx, userId);
      const token = await loadToken(tx, tokenId);
      if (token.userId === user.id) return token;
      if (token.userId !== null) throw new ProtectimusError('ALREADY_EXISTS', 'the token belongs to another user', { field: 'tokenId' });
      const next = { ...token, userId: user.id };
      tx.set(dirKey.token(token.id), next);
      tx.zadd(dirList.userTokens(user.id), token.id);
      return next;
    });
    this.ctx.audit.emit({ type: 'token.updated', tokenId: rec.id, tokenName: rec.name, userId: rec.userId ?? undefined, actor: this.ctx.actor ?? null, detail: { owner: 'assigned' } });
    return (await this.tokens.views([rec]))[0] as MailToken;
  }

  /** "Assign Token: New": creates a mail token owned by the user, in one step. */
  async createAndAssignToken(userId: string, input: CreateMailTokenInput): Promise<MailToken> {
    const rec = await transact(this.ctx.store, async (tx) => {
      const user = await loadUser(tx, userId);
      return stageNewToken(this.ctx, tx, input, user.id);
    });
    this.ctx.audit.emit({ type: 'token.created', tokenId: rec.id, tokenName: rec.name, userId, actor: this.ctx.actor ?? null });
    return tokenView(rec, null);
  }

  /** Takes a token from its user; its resource assignments end with it. */
  async unassignToken(userId: string, tokenId: string): Promise<MailToken> {
    const { rec, rids } = await transact(this.ctx.store, async (tx) => {
      const user = await loadUser(tx, userId);
      const token = await loadToken(tx, tokenId);
      if (token.userId !== user.id) throw new ProtectimusError('NOT_ASSIGNED', 'the token is not assigned to this user');
      const rids = await stageDetach(tx, token);
      // Sticky, unlike a resource unassignment: handing the token back must not revive its sessions.
      const rec = nextEpoch({ ...token, userId: null });
      tx.set(dirKey.token(token.id), rec);
      tx.zrem(dirList.userTokens(user.id), token.id);
      return { rec, rids };
    });
    await this.ctx.store.dropChallenges(rec.id, rids);
    this.ctx.audit.emit({ type: 'token.updated', tokenId: rec.id, tokenName: rec.name, userId, actor: this.ctx.actor ?? null, detail: { owner: 'unassigned' } });
    return (await this.tokens.views([rec]))[0] as MailToken;
  }

  /**
   * Blocks a user: for `minutes`, or until `unblock` when omitted. Their verified sessions end,
   * and stay ended after the block is lifted.
   */
  async block(id: string, options: { minutes?: number } = {}): Promise<User> {
    const minutes = options.minutes === undefined ? null : v.integer(options.minutes, 'minutes', 1, 525600);
    return this.setBlock(id, { reason: 'admin', until: minutes === null ? null : this.ctx.clock.now() + minutes * 60_000 });
  }

  async unblock(id: string): Promise<User> {
    return this.setBlock(id, null);
  }

  /** A block also bumps the epoch: sessions verified before it stay ended once it is lifted. */
  private async setBlock(id: string, block: UserRecord['block']): Promise<User> {
    const rec = await transact(this.ctx.store, async (tx) => {
      const old = await loadUser(tx, id);
      const next = block === null ? { ...old, block } : { ...nextEpoch(old), block };
      tx.set(dirKey.user(next.id), next);
      return next;
    });
    this.ctx.audit.emit({ type: block ? 'user.blocked' : 'user.unblocked', userId: rec.id, login: rec.login, actor: this.ctx.actor ?? null });
    return this.view(rec);
  }
}

import type { Context } from '../protectimus';
import { DirTx, transact } from './transaction';
import { invalidInput, ProtectimusError } from '../errors';
import { newId } from '../crypto';
import { type Assignment, type Enrollment, isPending, type ListQuery, type Page, type Resource, member, resourceView, type ResourceRecord, type TokenRecord, type UserRecord } from '../model';
import { listPage } from './paging';
import { dirKey, dirList } from '../stores/store';
import { loadToken, notFound } from './tokens';
import * as v from '../validation';
import { validSchedule, type Schedule } from '../schedule';

/** A new protected area. */
export interface CreateResourceInput {
  /** 1..50 characters, unique. */
  name: string;
  /**
   * What people read in the guard's pages and the code mail ("Billing"): 1..80 characters,
   * trimmed, no control characters. On update, `null` or `''` removes it. Default: none (the
   * mail says `name`).
   */
  displayName?: string | null;
  /** Consecutive failures that lock a token here, 3..10. Default 5. */
  failedAttemptsBeforeLock?: number;
  /** How long that lock lasts, 1..10080. Default 5. */
  lockMinutes?: number;
  /** Addresses or CIDRs (IPv4, IPv6) allowed in. Default: any. */
  allowedIps?: string[];
  /** Whether the guard's `enroll` may create the app's users and tokens here. Default `'off'`. */
  enrollment?: Enrollment;
  /**
   * When the resource may be entered: a time zone and opening hours per weekday
   * (docs/design.md, "Time windows"). Default: none, always open; `null` on update removes it.
   */
  schedule?: Schedule | null;
}

export type UpdateResourceInput = Partial<CreateResourceInput>;

/** An assignment with the names an admin reads. */
export interface AssignmentView extends Assignment {
  login: string;
  tokenName: string;
}

const FIELDS = ['name', 'displayName', 'failedAttemptsBeforeLock', 'lockMinutes', 'allowedIps', 'enrollment', 'schedule'] as const;

/** Reads a resource by id or name in a transaction, or throws NOT_FOUND. */
export async function loadResource(tx: DirTx, idOrName: unknown): Promise<ResourceRecord> {
  if (typeof idOrName !== 'string' || idOrName.length === 0 || idOrName.length > 64) throw invalidInput('resource', 'resource must be an id or a name');
  const byId = await tx.record<ResourceRecord>(dirKey.resource(idOrName));
  if (byId) return byId;
  const id = await tx.get(dirKey.resourceName(idOrName));
  const rec = id === null ? null : await tx.record<ResourceRecord>(dirKey.resource(id));
  if (!rec) throw notFound('resource');
  return rec;
}

/** A resource's display name as given: a string kept trimmed, or absent (`null`, `''`: none). */
function displayNameOf(value: unknown, base: string | undefined): { displayName?: string } {
  if (value === undefined) return base === undefined ? {} : { displayName: base };
  if (value === null || value === '') return {};
  const name = v.displayName(value, 'displayName', 80);
  // It goes into mail subjects and pages: no C1 controls, line separators or bidi overrides either.
  if (/[\u0080-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(name)) throw invalidInput('displayName', 'displayName must not contain control characters');
  return { displayName: name };
}

function settings(f: Record<string, unknown>, base: Omit<ResourceRecord, 'id' | 'createdAt'>): Omit<ResourceRecord, 'id' | 'createdAt'> {
  return {
    name: f.name === undefined ? base.name : v.displayName(f.name, 'name'),
    ...displayNameOf(f.displayName, base.displayName),
    failedAttemptsBeforeLock: f.failedAttemptsBeforeLock === undefined ? base.failedAttemptsBeforeLock : v.integer(f.failedAttemptsBeforeLock, 'failedAttemptsBeforeLock', 3, 10),
    lockMinutes: f.lockMinutes === undefined ? base.lockMinutes : v.integer(f.lockMinutes, 'lockMinutes', 1, 10080),
    allowedIps: f.allowedIps === undefined ? base.allowedIps : v.allowedIps(f.allowedIps),
    enrollment: f.enrollment === undefined ? (base.enrollment ?? 'off') : v.enrollment(f.enrollment),
    schedule: f.schedule === undefined ? (base.schedule ?? null) : validSchedule(f.schedule),
  };
}

/** Resources: the Resources page, with "Assign -> Token with User". */
export class Resources {
  constructor(private readonly ctx: Context) {}

  async create(input: CreateResourceInput): Promise<Resource> {
    const rec = await transact(this.ctx.store, async (tx) => {
      const f = v.fields(input, FIELDS, 'resource');
      if (f.name === undefined) throw invalidInput('name', 'name is required');
      const s = settings(f, { name: '', failedAttemptsBeforeLock: 5, lockMinutes: 5, allowedIps: [], enrollment: 'off', schedule: null });
      if ((await tx.get(dirKey.resourceName(s.name))) !== null) throw new ProtectimusError('ALREADY_EXISTS', 'a resource with this name exists', { field: 'name' });
      const rec: ResourceRecord = { id: newId('res'), ...s, createdAt: this.ctx.clock.now() };
      tx.set(dirKey.resource(rec.id), rec);
      tx.set(dirKey.resourceName(rec.name), rec.id);
      tx.zadd(dirList.resources, member(rec.name, rec.id));
      return rec;
    });
    this.ctx.audit.emit({ type: 'resource.created', resourceId: rec.id, resourceName: rec.name, actor: this.ctx.actor ?? null });
    return resourceView(rec);
  }

  /** By id or name. */
  async get(idOrName: string): Promise<Resource> {
    return resourceView(await transact(this.ctx.store, (tx) => loadResource(tx, idOrName)));
  }

  /** Resources ordered by name; `q` matches the name. */
  list(query: ListQuery = {}): Promise<Page<Resource>> {
    return listPage(
      this.ctx.store,
      dirList.resources,
      query,
      async (ids) => (await this.ctx.store.dirGet(ids.map(dirKey.resource))).values.map((raw) => (raw === null ? null : resourceView(JSON.parse(raw) as ResourceRecord))),
      (r) => [r.name],
    );
  }

  async update(idOrName: string, patch: UpdateResourceInput): Promise<Resource> {
    const rec = await transact(this.ctx.store, async (tx) => {
      const old = await loadResource(tx, idOrName);
      const changed = settings(v.fields(patch, FIELDS, 'resource'), old);
      const next: ResourceRecord = { ...old, ...changed };
      // `settings` gives the display name to keep, or none: one removed must not survive from `old`.
      if (changed.displayName === undefined) delete next.displayName;
      if (next.name !== old.name) {
        if ((await tx.get(dirKey.resourceName(next.name))) !== null) throw new ProtectimusError('ALREADY_EXISTS', 'a resource with this name exists', { field: 'name' });
        tx.del(dirKey.resourceName(old.name));
        tx.set(dirKey.resourceName(next.name), old.id);
        tx.zrem(dirList.resources, member(old.name, old.id));
        tx.zadd(dirList.resources, member(next.name, old.id));
      }
      tx.set(dirKey.resource(old.id), next);
      return next;
    });
    this.ctx.audit.emit({ type: 'resource.updated', resourceId: rec.id, resourceName: rec.name, actor: this.ctx.actor ?? null });
    return resourceView(rec);
  }

  /** Deletes a resource with its assignments and the codes open on it. */
  async remove(idOrName: string): Promise<void> {
    const { rec, tokenIds } = await transact(this.ctx.store, async (tx) => {
      const rec = await loadResource(tx, idOrName);
      const userIds = await tx.members(dirList.assignments(rec.id));
      const tokenIds = (await tx.getMany(userIds.map((uid) => dirKey.assignment(rec.id, uid)))).filter((t): t is string => t !== null);
      for (const uid of userIds) tx.del(dirKey.assignment(rec.id, uid));
      for (const tid of tokenIds) tx.zrem(dirList.tokenResources(tid), rec.id);
      tx.del(dirList.assignments(rec.id));
      tx.del(dirKey.resource(rec.id));
      tx.del(dirKey.resourceName(rec.name));
      tx.zrem(dirList.resources, member(rec.name, rec.id));
      return { rec, tokenIds };
    });
    await Promise.all(tokenIds.map((tid) => this.ctx.store.dropChallenges(tid, [rec.id])));
    this.ctx.audit.emit({ type: 'resource.removed', resourceId: rec.id, resourceName: rec.name, actor: this.ctx.actor ?? null });
  }

  /**
   * "Assign -> Token with User": the token's owner will authenticate here with it. A user has
   * one token per resource, so assigning another token of the same user is refused.
   */
  async assignTokenWithUser(idOrName: string, tokenId: string): Promise<AssignmentView> {
    let resourceName = '';
    const view = await transact(this.ctx.store, async (tx) => {
      const res = await loadResource(tx, idOrName);
      resourceName = res.name;
      const token = await loadToken(tx, tokenId);
      if (token.userId === null) throw invalidInput('tokenId', 'the token has no user: assign it to a user first');
      const current = await tx.get(dirKey.assignment(res.id, token.userId));
      if (current !== null && current !== token.id) throw new ProtectimusError('ALREADY_EXISTS', 'the user already has a token on this resource', { field: 'tokenId' });
      // An enrolled token proves its address where it was enrolled, before it is offered elsewhere.
      if (isPending(token) && current !== token.id) throw invalidInput('tokenId', 'the token is pending confirmation: it waits for its first right code');
      const user = await tx.record<UserRecord>(dirKey.user(token.userId));
      tx.set(dirKey.assignment(res.id, token.userId), token.id);
      tx.zadd(dirList.assignments(res.id), token.userId);
      tx.zadd(dirList.tokenResources(token.id), res.id);
      return { resourceId: res.id, userId: token.userId, tokenId: token.id, login: user?.login ?? '', tokenName: token.name };
    });
    this.ctx.audit.emit({
      type: 'assignment.created',
      resourceId: view.resourceId,
      resourceName,
      userId: view.userId,
      login: view.login,
      tokenId: view.tokenId,
      tokenName: view.tokenName,
      actor: this.ctx.actor ?? null,
    });
    return view;
  }

  /** Ends the token's assignment on the resource, the sessions it verified there, and its open code there. */
  async unassign(idOrName: string, tokenId: string): Promise<void> {
    const { res, token } = await transact(this.ctx.store, async (tx) => {
      const res = await loadResource(tx, idOrName);
      const token = await loadToken(tx, tokenId);
      const assigned = token.userId === null ? null : await tx.get(dirKey.assignment(res.id, token.userId));
      if (assigned !== token.id || token.userId === null) throw new ProtectimusError('NOT_ASSIGNED', 'the token is not assigned on this resource');
      tx.del(dirKey.assignment(res.id, token.userId));
      tx.zrem(dirList.assignments(res.id), token.userId);
      tx.zrem(dirList.tokenResources(token.id), res.id);
      return { res, token };
    });
    await this.ctx.store.dropChallenges(token.id, [res.id]);
    this.ctx.audit.emit({ type: 'assignment.removed', resourceId: res.id, resourceName: res.name, userId: token.userId ?? undefined, tokenId: token.id, tokenName: token.name, actor: this.ctx.actor ?? null });
  }

  /** Who may authenticate on the resource, with which token. */
  async assignments(idOrName: string): Promise<AssignmentView[]> {
    return transact(this.ctx.store, async (tx) => {
      const res = await loadResource(tx, idOrName);
      const userIds = await tx.members(dirList.assignments(res.id));
      const tokenIds = await tx.getMany(userIds.map((uid) => dirKey.assignment(res.id, uid)));
      const users = await tx.getMany(userIds.map(dirKey.user));
      const tokens = await tx.getMany(tokenIds.map((tid) => dirKey.token(tid ?? '')));
      return userIds.flatMap((uid, i) => {
        const user = users[i] ? (JSON.parse(users[i]) as UserRecord) : null;
        const token = tokens[i] ? (JSON.parse(tokens[i]) as TokenRecord) : null;
        return user && token ? [{ resourceId: res.id, userId: uid, tokenId: token.id, login: user.login, tokenName: token.name }] : [];
      });
    });
  }
}

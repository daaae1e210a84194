import { randomBytes } from 'node:crypto';
import type { Context } from './context';
import { transact } from './directory';
import { isSealedPin, type Keyring } from './keyring';
import { memberId, type TokenRecord } from './records';
import { dirKey, dirList } from './stores/keys';

type Keys = Pick<Context, 'store' | 'keyring'>;

/** What re-sealing a token found: see `Tokens.reseal`. */
export type RekeyOutcome = 'current' | 'resealed' | 'waiting' | 'unreadable' | 'gone';

/** Counts of `Tokens.reseal`. */
export interface ResealReport {
  /** Tokens looked at. */
  tokens: number;
  /** Tokens rewritten now, and wholly under the first secret since. */
  resealed: number;
  /**
   * Tokens whose PIN was stored by an earlier version (an HMAC): it moves to the first secret
   * only when its owner types it (anything else of theirs moved now). Counted only while older
   * secrets are listed.
   */
  waiting: number;
  /** Tokens none of the secrets opens: made under a secret no longer listed. */
  unreadable: number;
}

interface Assessment {
  /** Nothing can be done: no listed secret opens its HOTP secret or its sealed PIN. */
  unreadable: boolean;
  /** A rewrite would move something to the first secret. */
  stale: boolean;
  /** An earlier version's PIN HMAC, which only the PIN typed can move, while older secrets are listed. */
  waiting: boolean;
}

/** What a token's record holds under an older secret, without writing anything. */
function assess(keyring: Keyring, rec: TokenRecord, pin: string | null): Assessment {
  const none = { unreadable: true, stale: false, waiting: false };
  const opened = keyring.open(rec.id, rec.secret);
  if (opened === null) return none;
  let stale = opened.key > 0;
  let waiting = false;
  if (rec.pinHash !== null) {
    if (isSealedPin(rec.pinHash)) {
      const moved = keyring.resealPin(rec.id, rec.pinHash);
      if (moved === null) return none;
      stale ||= moved !== rec.pinHash;
    } else if (pin !== null && keyring.pinKey(rec.id, pin, rec.pinHash) >= 0) {
      stale = true;
    } else if (keyring.size > 1) {
      waiting = true;
    }
  }
  return { unreadable: false, stale, waiting };
}

function outcome(a: Assessment): Exclude<RekeyOutcome, 'gone'> {
  return a.unreadable ? 'unreadable' : a.waiting ? 'waiting' : a.stale ? 'resealed' : 'current';
}

/**
 * Rewrites under the first secret what a token's record still holds under an older one, in one
 * directory transaction that reads the record afresh (another process may have done it, or an
 * admin changed the PIN meanwhile). The HOTP secret is not re-sealed but replaced by a new random
 * one: a mail token's secret never leaves the server, so nothing else needs it, and whoever read
 * the old one with the old secret cannot compute the next codes. `pin`, when the owner just typed
 * it right, moves a PIN stored by an earlier version (an HMAC) too.
 */
export async function rekeyToken(ctx: Keys, tokenId: string, pin: string | null): Promise<RekeyOutcome> {
  return transact(ctx.store, async (tx) => {
    const rec = await tx.record<TokenRecord>(dirKey.token(tokenId));
    if (rec === null) return 'gone';
    const found = assess(ctx.keyring, rec, pin);
    if (found.unreadable || !found.stale) return outcome(found);
    const next: TokenRecord = { ...rec };
    if ((ctx.keyring.open(rec.id, rec.secret)?.key ?? 0) > 0) next.secret = ctx.keyring.seal(rec.id, randomBytes(20));
    if (rec.pinHash !== null) {
      if (isSealedPin(rec.pinHash)) next.pinHash = ctx.keyring.resealPin(rec.id, rec.pinHash);
      else if (pin !== null && ctx.keyring.pinKey(rec.id, pin, rec.pinHash) >= 0) next.pinHash = ctx.keyring.pinHash(rec.id, pin);
    }
    tx.set(dirKey.token(rec.id), next);
    return outcome(found);
  });
}

/** Every token moved to the first secret where it can be; see `Tokens.reseal`. */
export async function resealAll(ctx: Keys): Promise<ResealReport> {
  const report: ResealReport = { tokens: 0, resealed: 0, waiting: 0, unreadable: 0 };
  for (let after: string | null = null; ; ) {
    const page = await ctx.store.dirRange(dirList.tokens, after, 200);
    const ids = page.members.map(memberId);
    const { values } = await ctx.store.dirGet(ids.map(dirKey.token));
    for (const raw of values) {
      if (raw === null) continue;
      const rec = JSON.parse(raw) as TokenRecord;
      // Read in bulk first: in a finished rotation almost every token is current already.
      const found = assess(ctx.keyring, rec, null);
      const done = found.stale && !found.unreadable ? await rekeyToken(ctx, rec.id, null) : outcome(found);
      if (done === 'gone') continue;
      report.tokens += 1;
      if (done !== 'current') report[done] += 1;
    }
    if (page.members.length < 200) return report;
    after = page.members[page.members.length - 1] ?? null;
  }
}

/**
 * Moves tokens to the first secret as they are used during a rotation: once per token and
 * process, in the background, so the request that noticed pays nothing for it.
 */
export class Rekeyer {
  // Records (by their sealed fields) already checked or rewritten: never looked at again.
  private readonly done = new Set<string>();
  private readonly running = new Map<string, Promise<void>>();
  private failing = false;

  constructor(private readonly ctx: Keys) {}

  /**
   * A token was just used (`pin`: the PIN its owner typed right, or null). If its record holds
   * anything under an older secret, it is rewritten under the first one.
   */
  onUse(token: TokenRecord, pin: string | null): void {
    const oldPin = token.pinHash !== null && pin !== null && !isSealedPin(token.pinHash);
    // Outside a rotation only a PIN stored by an earlier version, just typed, has to move.
    if (this.ctx.keyring.size === 1 && !oldPin) return;
    const mark = `${token.id}\n${token.secret}\n${token.pinHash ?? ''}\n${pin === null ? 0 : 1}`;
    if (this.done.has(mark) || this.running.has(token.id)) return;
    const found = assess(this.ctx.keyring, token, pin);
    if (found.unreadable || !found.stale) {
      this.remember(mark);
      return;
    }
    const job = rekeyToken(this.ctx, token.id, pin)
      .then(
        () => {
          this.failing = false;
          this.remember(mark);
        },
        (err: unknown) => {
          // The token keeps working under the older secret; its next use tries again.
          if (this.failing) return;
          this.failing = true;
          process.emitWarning(`protectimus-mail: a token could not be re-sealed under the first secret; its next use retries: ${(err as Error).message}`, 'ProtectimusWarning');
        },
      )
      .finally(() => this.running.delete(token.id));
    this.running.set(token.id, job);
  }

  /** Resolves when the rewrites under way are done (`Protectimus.close` waits for them). */
  async settled(): Promise<void> {
    await Promise.all(this.running.values());
  }

  private remember(mark: string): void {
    if (this.done.size >= 10_000) this.done.clear();
    this.done.add(mark);
  }
}

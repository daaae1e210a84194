import type { AuthenticateInput, AuthenticateResult, PrepareInput, PrepareResult } from '../../src/challenge';
import { ProtectimusError } from '../../src/errors';
import type { GuardEngine } from '../../src/guard/protocol';
import type { MailToken, User } from '../../src/model';
import { FakeClock } from './clock';

/** The stamp of a FakeEngine's successes, for grants planted in a session. */
export const FAKE_STAMP = 'fake-stamp';

/** A GuardEngine whose answers a test sets: a challenge, or a refusal thrown on demand. */
export class FakeEngine implements GuardEngine {
  readonly clock = new FakeClock();
  readonly prepareCalls: PrepareInput[] = [];
  readonly authenticateCalls: AuthenticateInput[] = [];
  /** The resource's display name the challenge carries (null: none). */
  resourceDisplayName: string | null = null;
  /** The code that `authenticate` accepts. */
  code = '123456';
  pin: PrepareResult['pin'] = null;
  otpLength: PrepareResult['otpLength'] = 6;
  tokenName = 'Alice mail';
  sentTo = 'a***e@example.com';
  /** The stamp `authenticate` hands out; a session holds while it is this and `granted` is true. */
  stamp = FAKE_STAMP;
  /** False: the directory no longer grants any verification (an admin change ended them). */
  granted = true;
  /** False: `stillGranted` cannot tell without I/O (a cold cache), so `confirmGrant` decides. */
  knows = true;
  readonly confirmCalls: string[] = [];
  /** Thrown by the next prepare / authenticate call(s) while set. */
  prepareError: unknown = null;
  authenticateError: unknown = null;

  /** When the open code was mailed: reused until it expires, replaced by a resend, like the real engine. */
  private sentAt: number | null = null;

  async prepare(input: PrepareInput): Promise<PrepareResult> {
    this.prepareCalls.push(input);
    if (this.prepareError) throw this.prepareError;
    const now = this.clock.now();
    const reuse = input.resend !== true && this.sentAt !== null && now < this.sentAt + 300_000;
    if (!reuse) this.sentAt = now;
    const sentAt = this.sentAt ?? now;
    return {
      tokenId: 'tok1',
      tokenName: this.tokenName,
      sentTo: this.sentTo,
      otpLength: this.otpLength,
      pin: this.pin,
      expiresAt: new Date(sentAt + 300_000).toISOString(),
      resendAfter: new Date(sentAt + 30_000).toISOString(),
      sent: !reuse,
      resourceDisplayName: this.resourceDisplayName,
    };
  }

  async authenticate(input: AuthenticateInput): Promise<AuthenticateResult> {
    this.authenticateCalls.push(input);
    if (this.authenticateError) throw this.authenticateError;
    if (input.otp !== this.code) throw new ProtectimusError('INVALID_OTP', 'wrong code', { attemptsLeft: 2 });
    const at = new Date(this.clock.now()).toISOString();
    const user: User = { id: 'u1', login: input.login, email: null, firstName: null, secondName: null, locale: null, blocked: null, blockedUntil: null, createdAt: at };
    const token: MailToken = {
      id: 'tok1',
      type: 'mail',
      name: this.tokenName,
      email: 'alice@example.com',
      otpLength: this.otpLength,
      hasPin: this.pin !== null,
      pinPosition: this.pin,
      userId: 'u1',
      blocked: null,
      blockedUntil: null,
      createdAt: at,
      confirmedAt: at,
    };
    return { user, token, stamp: this.stamp };
  }

  stillGranted(_resource: string, _login: string, stamp: string): boolean | undefined {
    return this.knows ? this.granted && stamp === this.stamp : undefined;
  }

  async confirmGrant(_resource: string, _login: string, stamp: string): Promise<boolean> {
    this.confirmCalls.push(stamp);
    return this.granted && stamp === this.stamp;
  }
}

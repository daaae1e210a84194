import type { Audit } from './audit';
import type { Clock } from './clock';
import type { Keyring } from './keyring';
import type { Rekeyer } from './rekey';
import type { Store } from './stores/store';

/** Limits of codes; all durations in seconds. */
export interface OtpSettings {
  /** How long a code works. Default 300. */
  ttl: number;
  /** Wrong tries a code allows before it is gone. Default 3. */
  maxAttempts: number;
  /** Minimum time between a token's last mail and a resend. Default 30. */
  resendCooldown: number;
  /** Mails per token per rolling hour. Default 10. */
  maxSendsPerHour: number;
  /**
   * `prepare` calls per token per minute (each guard page load that is not verified, each
   * resend), whatever their outcome; past it `RATE_LIMITED` before the store changes anything.
   * Counted in the store, so it holds across sessions and processes.
   * @default 60
   */
  maxPreparesPerMinute: number;
}

/** What sends a code; `Mailer` is the nodemailer one. */
export interface CodeSender {
  send(message: { to: string; code: string; tokenName: string; resourceName: string; minutesValid: number }): Promise<void>;
}

/** What the model and the rules share inside one `Protectimus`. */
export interface Context {
  store: Store;
  keyring: Keyring;
  /** Moves tokens used during a secret rotation to the first secret. */
  rekey: Rekeyer;
  clock: Clock;
  audit: Audit;
  otp: OtpSettings;
  /** Consecutive failures that block a token until an admin unblocks it (NIST SP 800-63B 5.2.2). */
  hardBlockAfter: number;
  mailer: CodeSender;
}

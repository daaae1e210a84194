import type { AuthenticateInput, AuthenticateResult, PrepareInput, PrepareResult } from '../challenge';
import type { Clock } from '../protectimus';

/**
 * The part of `Protectimus` the guard uses. Kept structural and minimal so the protocol can be
 * driven by a fake in tests and by the real class in apps, with no import cycle between them.
 */
export interface GuardEngine {
  /** Opens (or reuses) a challenge and mails the code; throws `ProtectimusError`. */
  prepare(input: PrepareInput): Promise<PrepareResult>;
  /** Checks a typed code; throws `ProtectimusError`. */
  authenticate(input: AuthenticateInput): Promise<AuthenticateResult>;
  /**
   * Whether the success stamped `stamp` still holds, known without I/O; undefined when only a
   * store read can tell. Called on every request of a verified session: synchronous and cheap.
   */
  stillGranted(resource: string, login: string, stamp: string): boolean | undefined;
  /** The same, reading the store when needed; throws `ProtectimusError` (the store is down). */
  confirmGrant(resource: string, login: string, stamp: string): Promise<boolean>;
  /** The engine's time, so session expiry and lock times agree with it. */
  clock: Clock;
}

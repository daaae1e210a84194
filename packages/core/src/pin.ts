import type { PinPosition } from './model';

/** What a user typed, split into its PIN and code parts. */
export interface TypedCredential {
  pin: string | null;
  otp: string;
}

const PIN = /^[A-Za-z0-9]{4,12}$/;
const ASCII_DIGITS = /^[0-9]+$/;

/** True for a PIN of 4..12 ASCII letters or digits. */
export function isValidPin(pin: string): boolean {
  return PIN.test(pin);
}

/**
 * Splits PIN+code typed as one string (docs/design.md, "Rules" 4). Only surrounding whitespace is
 * forgiven; any other deviation from the exact shape returns null, which the caller counts as a
 * failed attempt. The code part must be ASCII digits: `\d` in some engines and `Number()` accept
 * other digits and signs, so neither is used.
 */
export function parseTyped(typed: string, otpLength: number, pinPosition: PinPosition | null): TypedCredential | null {
  const s = typed.trim();
  if (pinPosition === null) {
    return s.length === otpLength && ASCII_DIGITS.test(s) ? { pin: null, otp: s } : null;
  }
  if (s.length < otpLength + 4 || s.length > otpLength + 12) return null;
  const otp = pinPosition === 'before' ? s.slice(s.length - otpLength) : s.slice(0, otpLength);
  const pin = pinPosition === 'before' ? s.slice(0, s.length - otpLength) : s.slice(otpLength);
  return ASCII_DIGITS.test(otp) && PIN.test(pin) ? { pin, otp } : null;
}

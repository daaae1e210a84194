import { generateSync } from '@otplib/hotp';
import { NodeCryptoPlugin } from '@otplib/plugin-crypto-node';
import type { OtpLength } from './model';

const crypto = new NodeCryptoPlugin();

/** RFC 4226 HOTP of `secret` at `counter`, `digits` long, zero-padded. */
export function hotp(secret: Uint8Array, counter: number, digits: OtpLength): string {
  return generateSync({ secret, counter, digits, crypto, algorithm: 'sha1' });
}

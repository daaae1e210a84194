import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Keys derived from the server secret. Codes and PINs are stored only as HMACs under them, and
 * HOTP secrets only sealed (AES-256-GCM), so a copy of the store alone yields neither codes nor
 * PINs: a 4-digit PIN hashed without a key falls to an offline search in milliseconds, one under
 * a key that never reaches the store does not.
 */
export class Keyring {
  private readonly codeKey: Buffer;
  private readonly pinKey: Buffer;
  private readonly sealKey: Buffer;

  constructor(secret: string) {
    const ikm = Buffer.from(secret, 'utf8');
    const derive = (info: string) => Buffer.from(hkdfSync('sha256', ikm, 'protectimus-mail', info, 32));
    this.codeKey = derive('otp');
    this.pinKey = derive('pin');
    this.sealKey = derive('seal');
  }

  /** HMAC of a code, bound to its token and resource so a hash cannot be replayed elsewhere. */
  codeHash(tokenId: string, resourceId: string, code: string): string {
    return createHmac('sha256', this.codeKey).update(`${tokenId}\0${resourceId}\0${code}`).digest('base64url');
  }

  /** HMAC of a PIN, keyed per token (the token id is in the message). */
  pinHash(tokenId: string, pin: string): string {
    return createHmac('sha256', this.pinKey).update(`${tokenId}\0${pin}`).digest('base64url');
  }

  /** Constant-time check of a PIN against its stored hash. */
  pinMatches(tokenId: string, pin: string, stored: string): boolean {
    const a = Buffer.from(this.pinHash(tokenId, pin));
    const b = Buffer.from(stored);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** Encrypts a HOTP secret for storage; the token id is authenticated with it. */
  seal(tokenId: string, plain: Uint8Array): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey, iv);
    cipher.setAAD(Buffer.from(tokenId));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** Decrypts what `seal` made; throws if it was made under another secret or for another token. */
  unseal(tokenId: string, sealed: string): Buffer {
    const raw = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.sealKey, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(tokenId));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
  }
}

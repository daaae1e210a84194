import { generateSync } from '@otplib/hotp';
import { NodeCryptoPlugin } from '@otplib/plugin-crypto-node';
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { OtpLength } from './model';

/** Keys derived from one server secret. */
interface Keys {
  code: Buffer;
  /** Seals PINs. */
  pinSeal: Buffer;
  /** Keyed the PIN HMACs of earlier versions, still read. */
  pin: Buffer;
  seal: Buffer;
}

/** Marks a PIN stored sealed (a digest under AES-256-GCM); earlier versions stored an HMAC. */
const SEALED_PIN = 's1.';
const NO_HASHES: readonly string[] = Object.freeze([]);

/** Whether a stored PIN is in the sealed form (earlier versions stored an HMAC, still read). */
export function isSealedPin(stored: string): boolean {
  return stored.startsWith(SEALED_PIN);
}

function derive(secret: string): Keys {
  const ikm = Buffer.from(secret, 'utf8');
  const key = (info: string) => Buffer.from(hkdfSync('sha256', ikm, 'protectimus-mail', info, 32));
  return { code: key('otp'), pinSeal: key('pin-seal'), pin: key('pin'), seal: key('seal') };
}

function sealWith(key: Buffer, aad: string, plain: Uint8Array): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

function openWith(key: Buffer, aad: string, sealed: string): Buffer | null {
  const raw = Buffer.from(sealed, 'base64url');
  if (raw.length < 28) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
  } catch {
    return null;
  }
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Keys derived from the server secrets, newest first. Codes are stored only as HMACs under them,
 * and HOTP secrets and PINs only sealed (AES-256-GCM), so a copy of the store alone yields neither
 * codes nor PINs: a 4-digit PIN hashed without a key falls to an offline search in milliseconds,
 * one under a key that never reaches the store does not.
 *
 * The first secret hashes and seals everything new; the older ones only read what was written
 * under them, so a secret can be rotated without locking anyone out. A PIN is sealed rather than
 * HMACed so that it can be moved to a new secret without being typed (`resealPin`).
 */
export class Keyring {
  private readonly keys: Keys[];
  // Opened PIN digests by token and sealed form, so a sign-in costs a hash instead of an AES-GCM
  // setup. The process holds the keys that open them all anyway.
  private readonly pins = new Map<string, { digest: Buffer; key: number }>();

  /** `secrets`: one secret, or a list newest first (at least one). */
  constructor(secrets: string | readonly string[]) {
    const list = typeof secrets === 'string' ? [secrets] : secrets;
    if (list.length === 0) throw new TypeError('Keyring needs at least one secret');
    this.keys = list.map(derive);
  }

  /** How many secrets it holds; more than one during a rotation. */
  get size(): number {
    return this.keys.length;
  }

  private get first(): Keys {
    return this.keys[0] as Keys;
  }

  /** HMAC of a code under the first secret, bound to its token and resource so a hash cannot be replayed elsewhere. */
  codeHash(tokenId: string, resourceId: string, code: string): string {
    return codeHashWith(this.first, tokenId, resourceId, code);
  }

  /** The same code's HMACs under the older secrets (none outside a rotation), for codes mailed before it. */
  olderCodeHashes(tokenId: string, resourceId: string, code: string): readonly string[] {
    if (this.keys.length === 1) return NO_HASHES;
    return this.keys.slice(1).map((k) => codeHashWith(k, tokenId, resourceId, code));
  }

  /** A PIN as stored: its digest (with the token id) sealed under the first secret. */
  pinHash(tokenId: string, pin: string): string {
    return SEALED_PIN + sealWith(this.first.pinSeal, tokenId, pinDigest(tokenId, pin));
  }

  /**
   * Which secret (0: the first) a stored PIN matches `pin` under, or -1 if it does not match. The
   * digests are compared in constant time.
   */
  pinKey(tokenId: string, pin: string, stored: string): number {
    if (stored.startsWith(SEALED_PIN)) {
      const opened = this.openPin(tokenId, stored);
      return opened !== null && sameBytes(opened.digest, pinDigest(tokenId, pin)) ? opened.key : -1;
    }
    // The HMAC earlier versions stored: recomputed under each secret.
    const b = Buffer.from(stored);
    for (let i = 0; i < this.keys.length; i++) {
      if (sameBytes(Buffer.from(legacyPinHash(this.keys[i] as Keys, tokenId, pin)), b)) return i;
    }
    return -1;
  }

  private openPin(tokenId: string, stored: string): { digest: Buffer; key: number } | null {
    const id = `${tokenId}\n${stored}`;
    let opened = this.pins.get(id);
    if (opened === undefined) {
      const found = this.openSealed('pinSeal', tokenId, stored.slice(SEALED_PIN.length));
      if (found === null) return null;
      opened = { digest: found.plain, key: found.key };
      if (this.pins.size >= 10_000) this.pins.clear();
      this.pins.set(id, opened);
    }
    return opened;
  }

  /** Constant-time check of a PIN against its stored form, under any of the secrets. */
  pinMatches(tokenId: string, pin: string, stored: string): boolean {
    return this.pinKey(tokenId, pin, stored) >= 0;
  }

  /**
   * A stored PIN moved under the first secret without knowing the PIN: `stored` itself when it is
   * there already; null when only the PIN can do it (an HMAC from an earlier version) or when no
   * secret opens it.
   */
  resealPin(tokenId: string, stored: string): string | null {
    if (!stored.startsWith(SEALED_PIN)) return null;
    const opened = this.openPin(tokenId, stored);
    if (opened === null) return null;
    return opened.key === 0 ? stored : SEALED_PIN + sealWith(this.first.pinSeal, tokenId, opened.digest);
  }

  /** Encrypts a HOTP secret for storage under the first secret; the token id is authenticated with it. */
  seal(tokenId: string, plain: Uint8Array): string {
    return sealWith(this.first.seal, tokenId, plain);
  }

  /** What `seal` made, and which secret opened it (0: the first); null if none does or it is another token's. */
  open(tokenId: string, sealed: string): { plain: Buffer; key: number } | null {
    return this.openSealed('seal', tokenId, sealed);
  }

  /** Decrypts what `seal` made; throws if it was made under none of the secrets or for another token. */
  unseal(tokenId: string, sealed: string): Buffer {
    const opened = this.open(tokenId, sealed);
    if (opened === null) throw new Error('a sealed token secret opens under none of the server secrets');
    return opened.plain;
  }

  private openSealed(kind: 'pinSeal' | 'seal', tokenId: string, sealed: string): { plain: Buffer; key: number } | null {
    for (let i = 0; i < this.keys.length; i++) {
      const plain = openWith((this.keys[i] as Keys)[kind], tokenId, sealed);
      if (plain !== null) return { plain, key: i };
    }
    return null;
  }
}

function codeHashWith(keys: Keys, tokenId: string, resourceId: string, code: string): string {
  return createHmac('sha256', keys.code).update(`${tokenId}\0${resourceId}\0${code}`).digest('base64url');
}

/** Fixed length whatever the PIN's, so the sealed form does not tell how long the PIN is. */
function pinDigest(tokenId: string, pin: string): Buffer {
  return createHash('sha256').update(`${tokenId}\0${pin}`).digest();
}

function legacyPinHash(keys: Keys, tokenId: string, pin: string): string {
  return createHmac('sha256', keys.pin).update(`${tokenId}\0${pin}`).digest('base64url');
}

const otplibCrypto = new NodeCryptoPlugin();

/** RFC 4226 HOTP of `secret` at `counter`, `digits` long, zero-padded. */
export function hotp(secret: Uint8Array, counter: number, digits: OtpLength): string {
  return generateSync({ secret, counter, digits, crypto: otplibCrypto, algorithm: 'sha1' });
}

/** A new random id with a kind prefix (`tok_`, `usr_`, `res_`): unguessable, URL-safe, short. */
export function newId(kind: 'tok' | 'usr' | 'res'): string {
  return `${kind}_${randomBytes(9).toString('base64url')}`;
}

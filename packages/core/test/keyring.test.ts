import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { Keyring } from '../src/crypto';

describe('Keyring', () => {
  const ring = new Keyring('a-test-secret-of-enough-length');

  it('hashes codes per token and resource, never in clear', () => {
    const h = ring.codeHash('tok_a', 'res_a', '123456');
    expect(h).not.toContain('123456');
    expect(h).toBe(ring.codeHash('tok_a', 'res_a', '123456'));
    expect(h).not.toBe(ring.codeHash('tok_b', 'res_a', '123456'));
    expect(h).not.toBe(ring.codeHash('tok_a', 'res_b', '123456'));
    expect(h).not.toBe(new Keyring('another-secret-of-enough-length').codeHash('tok_a', 'res_a', '123456'));
  });

  it('keys PIN hashes per token and checks them', () => {
    const stored = ring.pinHash('tok_a', '1234');
    expect(stored).not.toBe(ring.pinHash('tok_b', '1234'));
    expect(ring.pinMatches('tok_a', '1234', stored)).toBe(true);
    expect(ring.pinMatches('tok_a', '1235', stored)).toBe(false);
    expect(ring.pinMatches('tok_b', '1234', stored)).toBe(false);
    expect(ring.pinMatches('tok_a', '1234', 'short')).toBe(false);
  });

  it('seals HOTP secrets so only the same secret and token open them', () => {
    const plain = randomBytes(20);
    const sealed = ring.seal('tok_a', plain);
    expect(sealed).not.toContain(plain.toString('base64url'));
    expect(ring.unseal('tok_a', sealed).equals(plain)).toBe(true);
    expect(() => ring.unseal('tok_b', sealed)).toThrow();
    expect(() => new Keyring('another-secret-of-enough-length').unseal('tok_a', sealed)).toThrow();
  });

  it('never stores a PIN in clear, nor tells its length', () => {
    const short = ring.pinHash('tok_a', '1234');
    const long = ring.pinHash('tok_a', '123456789012');
    expect(short).not.toContain('1234');
    expect(short).toHaveLength(long.length);
    // Sealed with a fresh IV each time: equal PINs do not give equal records.
    expect(ring.pinHash('tok_a', '1234')).not.toBe(short);
  });
});

describe('Keyring with several secrets (a rotation)', () => {
  const A = 'old-secret-of-enough-length-AAAA';
  const B = 'new-secret-of-enough-length-BBBB';
  const old = new Keyring(A);
  const both = new Keyring([B, A]);
  const fresh = new Keyring(B);

  it('hashes codes under the first secret, and gives the older hashes apart', () => {
    expect(both.codeHash('t', 'r', '123456')).toBe(fresh.codeHash('t', 'r', '123456'));
    expect(both.olderCodeHashes('t', 'r', '123456')).toEqual([old.codeHash('t', 'r', '123456')]);
    expect(fresh.olderCodeHashes('t', 'r', '123456')).toEqual([]);
  });

  it('reads PINs and HOTP secrets made under any listed secret, and tells which', () => {
    const pinA = old.pinHash('t', '1234');
    expect(both.pinKey('t', '1234', pinA)).toBe(1);
    expect(both.pinKey('t', '9999', pinA)).toBe(-1);
    expect(both.pinKey('t', '1234', both.pinHash('t', '1234'))).toBe(0);
    expect(fresh.pinKey('t', '1234', pinA)).toBe(-1);

    const plain = randomBytes(20);
    const sealedA = old.seal('t', plain);
    expect(both.open('t', sealedA)).toEqual({ plain, key: 1 });
    expect(both.unseal('t', sealedA).equals(plain)).toBe(true);
    expect(both.open('t', both.seal('t', plain))).toEqual({ plain, key: 0 });
    expect(fresh.open('t', sealedA)).toBeNull();
    expect(() => fresh.unseal('t', sealedA)).toThrow();
  });

  it('moves a sealed PIN to the first secret without the PIN', () => {
    const pinA = old.pinHash('t', '1234');
    const moved = both.resealPin('t', pinA);
    expect(moved).not.toBeNull();
    expect(moved).not.toBe(pinA);
    expect(fresh.pinKey('t', '1234', moved as string)).toBe(0);
    expect(old.pinMatches('t', '1234', moved as string)).toBe(false);
    // Already under the first secret: unchanged. Under none: null.
    expect(both.resealPin('t', moved as string)).toBe(moved);
    expect(fresh.resealPin('t', pinA)).toBeNull();
  });

  it('still reads the PIN HMACs of earlier versions, under any listed secret', () => {
    // What earlier versions stored: HMAC-SHA256 under the HKDF 'pin' key of the secret.
    const pinKey = Buffer.from(hkdfSync('sha256', Buffer.from(A), 'protectimus-mail', 'pin', 32));
    const legacy = createHmac('sha256', pinKey).update('t\u00001234').digest('base64url');
    expect(old.pinKey('t', '1234', legacy)).toBe(0);
    expect(both.pinKey('t', '1234', legacy)).toBe(1);
    expect(both.pinKey('t', '1235', legacy)).toBe(-1);
    expect(fresh.pinKey('t', '1234', legacy)).toBe(-1);
    // Without the PIN it cannot move.
    expect(both.resealPin('t', legacy)).toBeNull();
  });
});

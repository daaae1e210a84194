import { randomBytes } from 'node:crypto';
import { Keyring } from '../src/keyring';

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
});

import { hotp } from '../src/crypto';

describe('hotp', () => {
  it('matches the RFC 4226 appendix D test vectors', () => {
    const secret = Buffer.from('12345678901234567890', 'ascii');
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    expected.forEach((code, counter) => expect(hotp(secret, counter, 6)).toBe(code));
  });

  it('gives 8 digits, zero-padded, for 8-digit tokens', () => {
    const secret = Buffer.from('12345678901234567890', 'ascii');
    // RFC 4226 truncated values mod 10^8 (appendix D, "Truncated" decimal column).
    expect(hotp(secret, 0, 8)).toBe('84755224');
    expect(hotp(secret, 1, 8)).toBe('94287082');
    for (let c = 0; c < 50; c++) expect(hotp(secret, c, 8)).toMatch(/^[0-9]{8}$/);
  });
});

import { parseTyped } from '../src/challenge';

describe('parseTyped: PIN and code typed as one string', () => {
  it('takes exactly otpLength ASCII digits when the token has no PIN', () => {
    expect(parseTyped('123456', 6, null)).toEqual({ pin: null, otp: '123456' });
    expect(parseTyped('  12345678\n', 8, null)).toEqual({ pin: null, otp: '12345678' });
    for (const bad of ['12345', '1234567', '12.3456', '12_3456', '12\t3456', '12\u20133456', '+12345', '-123456', '123456-', '١٢٣٤٥٦', '１２３４５６', '12345a', '', '1e5000']) {
      expect(parseTyped(bad, 6, null)).toBeNull();
    }
  });

  it('PIN before: the PIN is everything but the last otpLength characters', () => {
    expect(parseTyped('1234123456', 6, 'before')).toEqual({ pin: '1234', otp: '123456' });
    expect(parseTyped('abcDEF12345612345678', 8, 'before')).toEqual({ pin: 'abcDEF123456', otp: '12345678' });
    expect(parseTyped('abcDEF123456712345678', 8, 'before')).toBeNull(); // a 13-character PIN
  });

  it('PIN after: the code is the first otpLength characters', () => {
    expect(parseTyped('123456pin9', 6, 'after')).toEqual({ pin: 'pin9', otp: '123456' });
    expect(parseTyped(' 12345678SecretPin1 ', 8, 'after')).toEqual({ pin: 'SecretPin1', otp: '12345678' });
  });

  it('ignores spaces and hyphens between characters, as people group a code they type or paste', () => {
    expect(parseTyped('123 456', 6, null)).toEqual({ pin: null, otp: '123456' });
    expect(parseTyped(' 1234-5678 ', 8, null)).toEqual({ pin: null, otp: '12345678' });
    expect(parseTyped('2468 0661 1224', 8, 'before')).toEqual({ pin: '2468', otp: '06611224' });
    expect(parseTyped('1234 - 123\u00a0456', 6, 'before')).toEqual({ pin: '1234', otp: '123456' });
    expect(parseTyped('123456 pin9', 6, 'after')).toEqual({ pin: 'pin9', otp: '123456' });
    // The groups themselves mean nothing: the split is made on what is left, by length.
    expect(parseTyped('12341 23456', 6, 'before')).toEqual({ pin: '1234', otp: '123456' });
  });

  it('refuses other separators, wrong lengths and non-ASCII in either part', () => {
    for (const bad of ['1234.123456', '1234_123456', '1234\t123456', '1234/123456', '-1234123456', '1234123456-', '123456', '123123456', '1234567890123123456', 'pín1123456', '1234１２３４５６', '1234\u0000123456']) {
      expect(parseTyped(bad, 6, 'before')).toBeNull();
    }
    expect(parseTyped('123456.1234', 6, 'after')).toBeNull();
    expect(parseTyped('abcd123456', 6, 'after')).toBeNull();
  });
});

/**
 * Property tests of PIN+code parsing (docs/design.md, "Rules" 4) with fast-check: any string in gives a
 * parse result of the exact shape or null (a failed attempt), never an exception; and PIN and code
 * typed together, in either position, with surrounding whitespace and with spaces and hyphens
 * between characters, come back apart unchanged.
 */
import fc from 'fast-check';
import { parseTyped } from '../src/challenge';

const PIN_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const DIGITS = '0123456789';

const chars = (alphabet: string) => fc.constantFrom(...alphabet.split(''));
const pinArb = fc.string({ unit: chars(PIN_CHARS), minLength: 4, maxLength: 12 });
const lengthArb = fc.constantFrom(6 as const, 8 as const);
const otpOf = (length: number) => fc.string({ unit: chars(DIGITS), minLength: length, maxLength: length });
const positionArb = fc.constantFrom(null, 'before' as const, 'after' as const);
/** What `String.prototype.trim` removes: ASCII and Unicode spaces and line terminators. */
const spaceArb = fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\r', '\v', '\f', '\u00a0', '\u2003', '\u3000', '\ufeff', '\u2028'), maxLength: 4 });
/** Characters a parser could be fooled by: other digits, signs, separators, lookalikes, surrogates. */
const trickyChar = fc.constantFrom(
  '\u0660', // ARABIC-INDIC DIGIT ZERO
  '\u06f1',
  '\u0967', // DEVANAGARI DIGIT ONE
  '\uff11', // FULLWIDTH DIGIT ONE
  '\u00b2', // SUPERSCRIPT TWO
  '\u2460', // CIRCLED DIGIT ONE
  '\ud835\udfce', // MATHEMATICAL BOLD DIGIT ZERO
  '+', '-', '.', 'e', 'E', 'x', ' ', '_', '\u0000', '\u200b', 'İ', 'ß', 'ﬀ', '\ud800',
);
const anyString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: fc.oneof(chars(PIN_CHARS), chars(DIGITS), trickyChar), maxLength: 24 }),
);

const ASCII_DIGITS = /^[0-9]+$/;
const PIN = /^[A-Za-z0-9]{4,12}$/;

/** What may group the characters of a code: runs of spaces, no-break spaces and hyphens. */
const separatorArb = fc.string({ unit: fc.constantFrom(' ', '\u00a0', '-'), minLength: 1, maxLength: 3 });

/** `typed` with a separator run put between characters at some of the positions `cuts` picks. */
function grouped(typed: string, cuts: Array<[number, string]>): string {
  const at = new Map(cuts.map(([i, sep]) => [1 + (i % Math.max(1, typed.length - 1)), sep]));
  return Array.from(typed, (ch, i) => (at.get(i) ?? '') + ch).join('');
}

/** What the parser reads: the trimmed input with spaces and hyphens between characters dropped. */
function joined(typed: string): string {
  return typed.trim().replace(/(?<=[^ \u00a0-])[ \u00a0-]+(?=[^ \u00a0-])/g, '');
}

describe('parseTyped (property)', () => {
  it('takes any string and returns the exact shape or null, never throwing', () => {
    fc.assert(
      fc.property(anyString, lengthArb, positionArb, (typed, length, position) => {
        const parsed = parseTyped(typed, length, position);
        if (parsed === null) return;
        expect(parsed.otp).toHaveLength(length);
        expect(parsed.otp).toMatch(ASCII_DIGITS);
        const s = joined(typed);
        if (position === null) {
          expect(parsed.pin).toBeNull();
          expect(parsed.otp).toBe(s);
        } else {
          expect(parsed.pin).toMatch(PIN);
          // Nothing dropped and nothing added: the parts put back together are what was typed.
          expect(position === 'before' ? `${parsed.pin}${parsed.otp}` : `${parsed.otp}${parsed.pin}`).toBe(s);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('round-trips a PIN typed before the code', () => {
    fc.assert(
      fc.property(pinArb, lengthArb.chain((l) => fc.tuple(fc.constant(l), otpOf(l))), spaceArb, spaceArb, (pin, [length, otp], lead, trail) => {
        expect(parseTyped(`${lead}${pin}${otp}${trail}`, length, 'before')).toEqual({ pin, otp });
      }),
      { numRuns: 1000 },
    );
  });

  it('round-trips a PIN typed after the code', () => {
    fc.assert(
      fc.property(pinArb, lengthArb.chain((l) => fc.tuple(fc.constant(l), otpOf(l))), spaceArb, spaceArb, (pin, [length, otp], lead, trail) => {
        expect(parseTyped(`${lead}${otp}${pin}${trail}`, length, 'after')).toEqual({ pin, otp });
      }),
      { numRuns: 1000 },
    );
  });

  it('round-trips a code alone for a token without a PIN', () => {
    fc.assert(
      fc.property(lengthArb.chain((l) => fc.tuple(fc.constant(l), otpOf(l))), spaceArb, spaceArb, ([length, otp], lead, trail) => {
        expect(parseTyped(`${lead}${otp}${trail}`, length, null)).toEqual({ pin: null, otp });
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips PIN and code with spaces and hyphens between any of their characters', () => {
    fc.assert(
      fc.property(
        pinArb,
        lengthArb.chain((l) => fc.tuple(fc.constant(l), otpOf(l))),
        positionArb,
        fc.array(fc.tuple(fc.nat(), separatorArb), { maxLength: 6 }),
        spaceArb,
        spaceArb,
        (pin, [length, otp], position, cuts, lead, trail) => {
          const typed = position === null ? otp : position === 'before' ? `${pin}${otp}` : `${otp}${pin}`;
          expect(parseTyped(`${lead}${grouped(typed, cuts)}${trail}`, length, position)).toEqual({ pin: position === null ? null : pin, otp });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('refuses a hyphen before or after what was typed, and any other separator inside it', () => {
    fc.assert(
      fc.property(
        pinArb,
        lengthArb.chain((l) => fc.tuple(fc.constant(l), otpOf(l))),
        positionArb,
        fc.constantFrom('.', '_', '/', '\t', '\u2013', '\u2009', '\u200b', '+'),
        fc.nat(),
        (pin, [length, otp], position, sep, at) => {
          const typed = position === null ? otp : position === 'before' ? `${pin}${otp}` : `${otp}${pin}`;
          const i = 1 + (at % (typed.length - 1));
          expect(parseTyped(typed.slice(0, i) + sep + typed.slice(i), length, position)).toBeNull();
          expect(parseTyped(`-${typed}`, length, position)).toBeNull();
          expect(parseTyped(`${typed}-`, length, position)).toBeNull();
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('never reads the right pair from input with a character of the code changed, added or removed', () => {
    fc.assert(
      fc.property(
        pinArb,
        lengthArb.chain((l) => fc.tuple(fc.constant(l), otpOf(l))),
        fc.constantFrom('before' as const, 'after' as const),
        trickyChar,
        fc.nat(),
        (pin, [length, otp], position, bad, at) => {
          const typed = position === 'before' ? `${pin}${otp}` : `${otp}${pin}`;
          // Replace one character of the code part with a lookalike, a sign or a separator.
          const codeStart = position === 'before' ? pin.length : 0;
          const i = codeStart + (at % length);
          const broken = typed.slice(0, i) + bad + typed.slice(i + 1);
          const parsed = parseTyped(broken, length, position);
          // Either refused, or (a space at an edge) read as a shorter string that is still exact.
          if (parsed !== null) {
            expect(parsed.otp).toMatch(ASCII_DIGITS);
            expect(parsed.pin).toMatch(PIN);
          }
          expect(parsed?.otp === otp && parsed?.pin === pin).toBe(false);
          // One character too few, or one more, inside the code part is never read as the right pair.
          const shorter = parseTyped(typed.slice(0, i) + typed.slice(i + 1), length, position);
          const longer = parseTyped(typed.slice(0, i) + '7' + typed.slice(i), length, position);
          for (const p of [shorter, longer]) expect(p?.otp === otp && p?.pin === pin).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

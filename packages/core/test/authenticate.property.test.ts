/**
 * `authenticate` fed anything as the typed value (fast-check): it passes exactly when the trimmed
 * input, spaces and hyphens between its characters dropped, is the PIN and the mailed code in the
 * token's order, and otherwise rejects with a clean
 * `ProtectimusError` of the documented codes; never another error, never a pass on a near miss.
 */
import fc from 'fast-check';
import { capture } from './support/capture';
import { isProtectimusError } from '../src/errors';
import { seedUser } from './support/protectimus';

const ALLOWED = new Set(['INVALID_INPUT', 'INVALID_OTP', 'OTP_EXPIRED', 'BLOCKED']);

describe.each([
  { otpLength: 6 as const, pin: 'Pin42', pinPosition: 'before' as const },
  { otpLength: 8 as const, pin: 'x9y8z7w6', pinPosition: 'after' as const },
  { otpLength: 6 as const },
])('authenticate with any input (property): %o', (tokenShape) => {
  const world = capture({ otp: { resendCooldown: 0, maxAttempts: 10 }, hardBlockAfter: 100000 });
  const { pm, codes, clock } = world;
  afterAll(() => world.close());

  it('passes exactly the right PIN+code, and refuses everything else cleanly', async () => {
    const seeded = await seedUser(pm, { login: 'prop', ...tokenShape, resource: { failedAttemptsBeforeLock: 10 } });
    const input = { resource: seeded.resource.name, login: 'prop' };
    const pin = 'pin' in tokenShape ? tokenShape.pin : '';
    const join = (code: string) => (tokenShape.pinPosition === 'after' ? `${code}${pin}` : `${pin}${code}`);
    const ws = (units: string[]) => fc.string({ unit: fc.constantFrom(...units), maxLength: 3 });
    /** Near misses of the right input (and the right input itself, plain and padded), built once the code is known. */
    const variants: ((code: string, lead: string, trail: string) => unknown)[] = [
      (code) => join(code),
      (code, lead, trail) => `${lead}${join(code)}${trail}`,
      (code) => `${pin}${code}${pin}`,
      (code) => (tokenShape.pinPosition === 'after' ? `${pin}${code}` : `${code}${pin}`),
      (code) => join(code.replace(/\d$/, (d) => String((Number(d) + 1) % 10))),
      (code) => join(`${code} `),
      (code) => join(`${code.slice(0, 3)}-${code.slice(3)}`),
      (code) => join(`${code.slice(0, 3)}.${code.slice(3)}`),
      (code) => `-${join(code)}`,
      (code) => join(code.replace('0', '\u0660').replace('1', '\uff11')),
      (code) => join(code).toUpperCase(),
      (code) => `${join(code)}\u0000`,
      (code) => [join(code)],
      (code) => ({ toString: () => join(code) }),
      (code) => Number(code),
    ];
    const nearArb = fc.tuple(fc.nat({ max: variants.length - 1 }), ws([' ', '\t', '\n', '\u00a0', '\u3000']), ws([' ', '\r\n']));
    const anyInput = fc.oneof(fc.anything(), fc.string({ maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 25 }));

    let runs = 0;
    let passes = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(nearArb.map((n) => ({ near: n })), anyInput.map((value) => ({ value }))), async (pick) => {
        runs++;
        // A fresh code each run (a resend; cooldown 0), and the token unblocked after earlier misses.
        await pm.tokens.unblock(seeded.token.id);
        clock.advanceSeconds(400);
        await pm.prepare({ ...input, resend: true });
        const code = codes.get(seeded.email)!;
        const typed: unknown = 'near' in pick ? variants[pick.near[0]]!(code, pick.near[1], pick.near[2]) : pick.value;
        const joined = (t: string) => t.trim().replace(/(?<=[^ \u00a0-])[ \u00a0-]+(?=[^ \u00a0-])/g, '');
        const right = typeof typed === 'string' && typed.length <= 64 && joined(typed) === join(code);
        const outcome = await pm.authenticate({ ...input, otp: typed }).then(
          (r) => ({ ok: true as const, login: r.user.login }),
          (err: unknown) => ({ ok: false as const, err }),
        );
        if (outcome.ok) {
          passes++;
          expect(right).toBe(true);
          expect(outcome.login).toBe('prop');
        } else {
          expect(right).toBe(false);
          expect(isProtectimusError(outcome.err)).toBe(true);
          expect(ALLOWED.has((outcome.err as { code: string }).code)).toBe(true);
          // The answer never carries the code or the PIN.
          expect(JSON.stringify({ ...(outcome.err as object), message: (outcome.err as Error).message })).not.toContain(code);
        }
      }),
      { numRuns: 400 },
    );
    expect(runs).toBe(400);
    // The oracle was exercised both ways.
    expect(passes).toBeGreaterThan(20);
    expect(passes).toBeLessThan(400);
  });
});

import { isProtectimusError } from '../src/errors';
import { closesAt, formatSchedule, isOpen, nextOpening, parseSchedule, validSchedule, type Schedule } from '../src/schedule';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function refused(value: unknown): string {
  try {
    validSchedule(value);
  } catch (err) {
    if (isProtectimusError(err, 'INVALID_INPUT') && err.field === 'schedule') return err.message;
    throw err;
  }
  throw new Error(`accepted ${JSON.stringify(value)}`);
}

describe('schedule validation', () => {
  it('refuses what is not a schedule, with a message naming the fault', () => {
    expect(refused({ timeZone: 'Mars/Olympus', days: {} })).toMatch(/Mars\/Olympus.*IANA/);
    expect(refused({ timeZone: '+02:00', days: {} })).toMatch(/IANA/);
    expect(refused({ timeZone: 'Europe/Kyiv', days: { monday: [['08:00', '19:00']] } })).toMatch(/"monday" is not a weekday/);
    expect(refused({ timeZone: 'Europe/Kyiv', days: { mon: [['8:00', '19:00']] } })).toMatch(/"8:00" is not a time HH:MM/);
    expect(refused({ timeZone: 'Europe/Kyiv', days: { mon: [['24:00', '19:00']] } })).toMatch(/"24:00" is not a time/);
    expect(refused({ timeZone: 'Europe/Kyiv', days: { mon: [['08:00', '24:01']] } })).toMatch(/24:01/);
    expect(refused({ timeZone: 'Europe/Kyiv', days: { mon: [['08:00', '08:00']] } })).toMatch(/empty/);
    expect(refused({ timeZone: 'Europe/Kyiv', days: { mon: [['08:00']] } })).toMatch(/pair/);
    expect(refused({ timeZone: 'Europe/Kyiv', days: { mon: [['08:00', '12:00'], ['11:00', '13:00']] } })).toMatch(/overlap: mon 08:00-12:00 and mon 11:00-13:00/);
    // Monday's night range runs into Tuesday morning.
    expect(refused({ timeZone: 'Europe/Kyiv', days: { mon: [['22:00', '06:00']], tue: [['05:00', '07:00']] } })).toMatch(/overlap/);
    // Sunday's night range runs into Monday, across the week's end.
    expect(refused({ timeZone: 'Europe/Kyiv', days: { sun: [['23:00', '02:00']], mon: [['01:00', '03:00']] } })).toMatch(/overlap/);
    expect(refused({ timeZone: 'Europe/Kyiv', days: {}, extra: 1 })).toMatch(/unknown field "extra"/);
    expect(refused('Europe/Kyiv')).toMatch(/timeZone, days/);
  });

  it('accepts 24:00 as an end, touching ranges, night ranges and null; sorts the ranges', () => {
    expect(validSchedule(null)).toBeNull();
    expect(validSchedule({ timeZone: 'America/New_York', days: { fri: [['13:00', '24:00'], ['08:00', '13:00']], sat: [['22:00', '06:00']] } })).toEqual({
      timeZone: 'America/New_York',
      days: { fri: [['08:00', '13:00'], ['13:00', '24:00']], sat: [['22:00', '06:00']] },
    });
  });
});

describe('isOpen, nextOpening, closesAt', () => {
  // Kyiv is UTC+2 in winter, UTC+3 in summer.
  const office: Schedule = { timeZone: 'Europe/Kyiv', days: { mon: [['08:00', '19:00']], tue: [['08:00', '12:00'], ['13:00', '19:00']] } };

  it('opens and closes on the local wall clock', () => {
    expect(isOpen(office, at('2026-11-30T05:59:59Z'))).toBe(false); // Mon 07:59:59 Kyiv
    expect(isOpen(office, at('2026-11-30T06:00:00Z'))).toBe(true);
    expect(isOpen(office, at('2026-11-30T16:59:59Z'))).toBe(true);
    expect(isOpen(office, at('2026-11-30T17:00:00Z'))).toBe(false);
    expect(iso(nextOpening(office, at('2026-11-30T17:00:00Z')))).toBe('2026-12-01T06:00:00.000Z');
    expect(iso(nextOpening(office, at('2026-12-01T10:30:00Z')))).toBe('2026-12-01T11:00:00.000Z'); // the lunch break
    expect(iso(closesAt(office, at('2026-12-01T07:00:00Z')))).toBe('2026-12-01T10:00:00.000Z');
    // Tuesday evening: next Monday.
    expect(iso(nextOpening(office, at('2026-12-01T18:00:00Z')))).toBe('2026-12-07T06:00:00.000Z');
    expect(nextOpening(office, at('2026-11-30T07:00:00Z'))).toBe(at('2026-11-30T07:00:00Z'));
  });

  it('runs a range past midnight into the next day, and 24:00 to midnight', () => {
    const nights: Schedule = { timeZone: 'Europe/Kyiv', days: { mon: [['22:00', '06:00']], wed: [['20:00', '24:00']] } };
    expect(isOpen(nights, at('2026-11-30T20:00:00Z'))).toBe(true); // Mon 22:00
    expect(isOpen(nights, at('2026-12-01T03:59:00Z'))).toBe(true); // Tue 05:59
    expect(isOpen(nights, at('2026-12-01T04:00:00Z'))).toBe(false); // Tue 06:00
    expect(isOpen(nights, at('2026-11-30T03:00:00Z'))).toBe(false); // Mon 05:00: Sunday has no range
    expect(isOpen(nights, at('2026-12-02T21:59:00Z'))).toBe(true); // Wed 23:59
    expect(iso(closesAt(nights, at('2026-12-02T19:00:00Z')))).toBe('2026-12-02T22:00:00.000Z');
  });

  it('never opens with no ranges; always with no schedule', () => {
    expect(nextOpening({ timeZone: 'UTC', days: {} }, at('2026-11-30T12:00:00Z'))).toBeNull();
    expect(isOpen(null, 0)).toBe(true);
    expect(nextOpening(undefined, 5)).toBe(5);
    expect(closesAt(null, 5)).toBeNull();
  });

  describe('Europe/Kyiv across daylight saving', () => {
    it('spring forward (29 March 2026, 03:00 -> 04:00): a skipped start opens when the clocks jump; hours follow the wall clock', () => {
      const s: Schedule = { timeZone: 'Europe/Kyiv', days: { sat: [['08:00', '19:00']], sun: [['03:30', '05:00'], ['08:00', '19:00']] } };
      expect(isOpen(s, at('2026-03-29T00:59:59Z'))).toBe(false); // 02:59:59 EET
      expect(iso(nextOpening(s, at('2026-03-29T00:00:00Z')))).toBe('2026-03-29T01:00:00.000Z'); // 04:00 EEST
      expect(iso(closesAt(s, at('2026-03-29T01:00:00Z')))).toBe('2026-03-29T02:00:00.000Z'); // 05:00 EEST
      // Saturday at 08:00 was 06:00 UTC; Sunday at 08:00 is 05:00 UTC.
      expect(iso(nextOpening(s, at('2026-03-28T00:00:00Z')))).toBe('2026-03-28T06:00:00.000Z');
      expect(iso(nextOpening(s, at('2026-03-29T03:00:00Z')))).toBe('2026-03-29T05:00:00.000Z');
      expect(iso(closesAt(s, at('2026-03-29T05:00:00Z')))).toBe('2026-03-29T16:00:00.000Z');
    });

    it('fall back (25 October 2026, 04:00 -> 03:00): a repeated hour is inside a range both times', () => {
      const s: Schedule = { timeZone: 'Europe/Kyiv', days: { sun: [['03:15', '03:30']] } };
      expect(isOpen(s, at('2026-10-25T00:15:00Z'))).toBe(true); // 03:15 EEST
      expect(iso(closesAt(s, at('2026-10-25T00:15:00Z')))).toBe('2026-10-25T00:30:00.000Z');
      expect(iso(nextOpening(s, at('2026-10-25T00:31:00Z')))).toBe('2026-10-25T01:15:00.000Z'); // 03:15 EET
      expect(isOpen(s, at('2026-10-25T01:00:00Z'))).toBe(false);
      expect(iso(closesAt(s, at('2026-10-25T01:20:00Z')))).toBe('2026-10-25T01:30:00.000Z');
    });
  });

  describe('America/New_York across daylight saving', () => {
    it('spring forward (8 March 2026, 02:00 -> 03:00)', () => {
      const s: Schedule = { timeZone: 'America/New_York', days: { sun: [['02:30', '04:00']] } };
      expect(isOpen(s, at('2026-03-08T06:59:00Z'))).toBe(false); // 01:59 EST
      expect(iso(nextOpening(s, at('2026-03-08T06:00:00Z')))).toBe('2026-03-08T07:00:00.000Z'); // 03:00 EDT
      expect(iso(closesAt(s, at('2026-03-08T07:00:00Z')))).toBe('2026-03-08T08:00:00.000Z'); // 04:00 EDT
      // A week earlier (EST) the same range is 07:30-09:00 UTC.
      expect(iso(nextOpening(s, at('2026-03-01T00:00:00Z')))).toBe('2026-03-01T07:30:00.000Z');
    });

    it('fall back (1 November 2026, 02:00 -> 01:00)', () => {
      const s: Schedule = { timeZone: 'America/New_York', days: { sun: [['00:00', '01:30']] } };
      expect(iso(closesAt(s, at('2026-11-01T04:10:00Z')))).toBe('2026-11-01T05:30:00.000Z'); // 01:30 EDT
      expect(isOpen(s, at('2026-11-01T05:45:00Z'))).toBe(false);
      expect(iso(nextOpening(s, at('2026-11-01T05:40:00Z')))).toBe('2026-11-01T06:00:00.000Z'); // 01:00 EST again
      expect(iso(closesAt(s, at('2026-11-01T06:00:00Z')))).toBe('2026-11-01T06:30:00.000Z');
    });
  });
});

describe('the compact form', () => {
  it('parses days, spans and several ranges, and writes the same text back', () => {
    const s = parseSchedule('Europe/Kyiv mon-fri 08:00-12:00, 13:00-19:00; sat 10:00-14:00; sun 22:00-6:00');
    expect(s).toEqual({
      timeZone: 'Europe/Kyiv',
      days: {
        mon: [['08:00', '12:00'], ['13:00', '19:00']],
        tue: [['08:00', '12:00'], ['13:00', '19:00']],
        wed: [['08:00', '12:00'], ['13:00', '19:00']],
        thu: [['08:00', '12:00'], ['13:00', '19:00']],
        fri: [['08:00', '12:00'], ['13:00', '19:00']],
        sat: [['10:00', '14:00']],
        sun: [['22:00', '06:00']],
      },
    });
    expect(formatSchedule(s)).toBe('Europe/Kyiv mon-fri 08:00-12:00, 13:00-19:00; sat 10:00-14:00; sun 22:00-06:00');
    expect(parseSchedule('UTC sat,sun 10:00-12:00')?.days).toEqual({ sat: [['10:00', '12:00']], sun: [['10:00', '12:00']] });
    expect(parseSchedule('none')).toBeNull();
    expect(formatSchedule(null)).toBe('none');
    expect(parseSchedule('UTC')).toEqual({ timeZone: 'UTC', days: {} });
  });

  it('refuses what it cannot read, as INVALID_INPUT on schedule', () => {
    for (const bad of ['Europe/Kyiv mon 08:00', 'Europe/Kyiv funday 08:00-10:00', 'Nowhere/Land mon 08:00-10:00', 'Europe/Kyiv mon 08:00-10:00; mon 12:00-13:00', 'Europe/Kyiv mon 08:00-10:00, 09:00-11:00']) {
      expect(() => parseSchedule(bad)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field: 'schedule' }) as Error);
    }
  });
});

import { invalidInput } from './errors';

// A resource's time windows (docs/design.md, "Time windows"): the one home of the concept. The
// type, its validation, the compact text form of the CLI, and the questions the rules ask of it
// (open now? when next?). Wall-clock time in the schedule's zone comes from `Intl` only: no
// offsets or daylight-saving dates are written down here.

/** A day of the week, as a schedule names it. */
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/**
 * One opening on a day: `['08:00', '19:00']`, wall-clock `HH:MM` in the schedule's zone. The end
 * is not included; `'24:00'` ends at midnight; an end before the start runs past midnight into
 * the next day (`['22:00', '06:00']` on `mon` is Monday 22:00 to Tuesday 06:00).
 */
export type TimeRange = [start: string, end: string];

/**
 * When a resource may be entered: an IANA time zone and, per weekday, the opening hours (several
 * ranges a day allowed, none may overlap). A day left out is closed all day (except what the
 * previous day's range runs into it). Ranges are wall-clock times: across a daylight-saving change
 * a range covers the instants whose local time is inside it, so a range starting at a time the
 * clocks skip opens when they jump past it, and an hour that repeats is inside a range both times.
 * A resource without a schedule is always open.
 */
export interface Schedule {
  /** IANA time zone name, such as `'Europe/Kyiv'` or `'America/New_York'`. */
  timeZone: string;
  /** Opening hours per weekday; a day not named is closed. */
  days: Partial<Record<Weekday, TimeRange[]>>;
}

/** The weekdays in order, Monday first. */
export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** Ranges per day at most: an office's hours, not a timetable. */
const MAX_RANGES_PER_DAY = 12;

const DAY_MINUTES = 1440;
const WEEK_MINUTES = 7 * DAY_MINUTES;
const MINUTE_MS = 60_000;
const HHMM = /^([01][0-9]|2[0-3]):([0-5][0-9])$/;
const IANA = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;
const FIELD = 'schedule';

function minutesOf(value: unknown, end: boolean, where: string): number {
  if (end && value === '24:00') return DAY_MINUTES;
  const m = typeof value === 'string' ? HHMM.exec(value) : null;
  if (!m) throw invalidInput(FIELD, `${where}: "${String(value).slice(0, 20)}" is not a time HH:MM from 00:00 to 23:59${end ? ' (or 24:00 as an end)' : ''}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Whether `Intl` knows the zone by an IANA-shaped name; offsets (`+02:00`) are refused. */
function knownZone(zone: string): boolean {
  if (!IANA.test(zone) || zone.length > 64) return false;
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/**
 * A schedule as given to `resources.create`/`update`: checked and normalized (ranges sorted, days
 * without ranges dropped), or null (`schedule: null` removes one). Anything wrong is
 * `INVALID_INPUT` on the field `schedule`, with a message naming what.
 */
export function validSchedule(value: unknown): Schedule | null {
  if (value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidInput(FIELD, 'schedule must be { timeZone, days } or null');
  for (const key of Object.keys(value)) {
    if (key !== 'timeZone' && key !== 'days') throw invalidInput(FIELD, `schedule has an unknown field "${key.slice(0, 30)}"`);
  }
  const { timeZone, days } = value as Record<string, unknown>;
  if (typeof timeZone !== 'string' || !knownZone(timeZone)) {
    throw invalidInput(FIELD, `schedule.timeZone "${String(timeZone).slice(0, 64)}" is not an IANA time zone name (such as Europe/Kyiv)`);
  }
  if (typeof days !== 'object' || days === null || Array.isArray(days)) throw invalidInput(FIELD, 'schedule.days must be an object of weekdays (mon..sun)');
  const out: Partial<Record<Weekday, TimeRange[]>> = {};
  for (const key of Object.keys(days)) {
    if (!(WEEKDAYS as readonly string[]).includes(key)) throw invalidInput(FIELD, `schedule.days: "${key.slice(0, 20)}" is not a weekday (mon, tue, wed, thu, fri, sat, sun)`);
  }
  for (const day of WEEKDAYS) {
    const ranges = (days as Record<string, unknown>)[day];
    if (ranges === undefined) continue;
    if (!Array.isArray(ranges) || ranges.length > MAX_RANGES_PER_DAY) throw invalidInput(FIELD, `schedule.days.${day} must be a list of at most ${MAX_RANGES_PER_DAY} ranges`);
    const checked = ranges.map((range, i): [TimeRange, number] => {
      const where = `schedule.days.${day}[${i}]`;
      if (!Array.isArray(range) || range.length !== 2) throw invalidInput(FIELD, `${where} must be a pair ["HH:MM", "HH:MM"]`);
      const start = minutesOf(range[0], false, where);
      const end = minutesOf(range[1], true, where);
      if (start === end) throw invalidInput(FIELD, `${where} is empty: it starts and ends at ${String(range[0])}`);
      return [[range[0] as string, range[1] as string], start];
    });
    if (checked.length > 0) out[day] = checked.sort((a, b) => a[1] - b[1]).map(([r]) => r);
  }
  const schedule: Schedule = { timeZone, days: out };
  const overlap = firstOverlap(schedule);
  if (overlap) throw invalidInput(FIELD, `schedule ranges overlap: ${overlap}`);
  return schedule;
}

/** A range as minutes of the week from Monday 00:00: `[start, end)`, the end possibly past the week. */
interface WeekSpan {
  start: number;
  end: number;
  label: string;
}

function spans(schedule: Schedule): WeekSpan[] {
  const out: WeekSpan[] = [];
  WEEKDAYS.forEach((day, d) => {
    for (const [from, to] of schedule.days[day] ?? []) {
      const start = minutesOf(from, false, day);
      let end = minutesOf(to, true, day);
      if (end < start) end += DAY_MINUTES;
      out.push({ start: d * DAY_MINUTES + start, end: d * DAY_MINUTES + end, label: `${day} ${from}-${to}` });
    }
  });
  return out;
}

/** Two ranges sharing some minute (Sunday's night range wraps onto Monday), or null. */
function firstOverlap(schedule: Schedule): string | null {
  const all = spans(schedule);
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const a = all[i] as WeekSpan;
      const b = all[j] as WeekSpan;
      for (const shift of [-WEEK_MINUTES, 0, WEEK_MINUTES]) {
        if (a.start < b.end + shift && b.start + shift < a.end) return `${a.label} and ${b.label}`;
      }
    }
  }
  return null;
}

// Wall-clock time in a zone.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    if (formatters.size > 500) formatters.clear();
    formatters.set(zone, f);
  }
  return f;
}

const SHORT_DAYS: Readonly<Record<string, number>> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

/** The local time at an instant: weekday (0 = Monday), minute of the day, and the date. */
interface Wall {
  day: number;
  minute: number;
  year: number;
  month: number;
  date: number;
}

// The local time changes once a minute (zones' offsets are whole minutes), and `formatToParts`
// costs microseconds: the guard asks on every request of a scheduled resource, so each zone keeps
// the minute it was last asked about.
const lastWall = new Map<string, { minute: number; wall: Wall }>();

function wall(zone: string, at: number): Wall {
  const minute = Math.floor(at / MINUTE_MS);
  const last = lastWall.get(zone);
  if (last !== undefined && last.minute === minute) return last.wall;
  const w = readWall(zone, at);
  if (last === undefined && lastWall.size > 500) lastWall.clear();
  lastWall.set(zone, { minute, wall: w });
  return w;
}

function readWall(zone: string, at: number): Wall {
  const w: Wall = { day: 0, minute: 0, year: 0, month: 0, date: 0 };
  for (const part of formatter(zone).formatToParts(at)) {
    switch (part.type) {
      case 'weekday':
        w.day = SHORT_DAYS[part.value] ?? 0;
        break;
      case 'hour':
        w.minute += Number(part.value) * 60;
        break;
      case 'minute':
        w.minute += Number(part.value);
        break;
      case 'year':
        w.year = Number(part.value);
        break;
      case 'month':
        w.month = Number(part.value);
        break;
      case 'day':
        w.date = Number(part.value);
        break;
      default:
    }
  }
  return w;
}

/** The zone's offset from UTC at an instant, in ms (whole minutes). */
function offsetAt(zone: string, at: number): number {
  const w = wall(zone, at);
  const minuteStart = Math.floor(at / MINUTE_MS) * MINUTE_MS;
  return Date.UTC(w.year, w.month - 1, w.date, 0, w.minute) - minuteStart;
}

/** Per weekday (0 = Monday) the minutes of the day inside a range, `[start, end)`, a range past midnight split in two. */
type DayIntervals = [number, number][][];

// Schedules are asked on every request of a guarded resource: worked out once per object (the
// rules keep the parsed directory answer, so the same object comes back while it is unchanged).
const compiledSchedules = new WeakMap<Schedule, DayIntervals>();

function intervals(schedule: Schedule): DayIntervals {
  let out = compiledSchedules.get(schedule);
  if (out === undefined) {
    const days: DayIntervals = [[], [], [], [], [], [], []];
    WEEKDAYS.forEach((day, d) => {
      for (const [from, to] of schedule.days[day] ?? []) {
        const start = minutesOf(from, false, day);
        const end = minutesOf(to, true, day);
        if (end > start) days[d]?.push([start, end]);
        else {
          days[d]?.push([start, DAY_MINUTES]);
          days[(d + 1) % 7]?.push([0, end]);
        }
      }
    });
    out = days;
    compiledSchedules.set(schedule, out);
  }
  return out;
}

/** Whether a local time (weekday 0 = Monday, minute of the day) is inside one of the ranges. */
function covers(schedule: Schedule, day: number, minute: number): boolean {
  for (const [start, end] of intervals(schedule)[day] ?? []) if (minute >= start && minute < end) return true;
  return false;
}

/** Whether the resource may be entered at `at` (epoch ms); a null or absent schedule is always open. */
export function isOpen(schedule: Schedule | null | undefined, at: number): boolean {
  if (!schedule) return true;
  const w = wall(schedule.timeZone, at);
  return covers(schedule, w.day, w.minute);
}

/** How far ahead `nextOpening` and `closesAt` look: two weeks, past any daylight-saving change. */
const HORIZON_DAYS = 15;

/**
 * The instants in the horizon where the zone's offset changes (daylight saving, or a change of
 * the zone's rules), found by sampling every 6 hours and narrowing to the minute.
 */
function transitions(zone: string, from: number): { at: number[]; offsets: Set<number> } {
  const step = 6 * 3600_000;
  const at: number[] = [];
  const offsets = new Set<number>();
  let prevT = from;
  let prev = offsetAt(zone, from);
  offsets.add(prev);
  for (let t = from + step; t <= from + HORIZON_DAYS * 86_400_000; t += step) {
    const off = offsetAt(zone, t);
    if (off !== prev) {
      // The change lies in (lo, hi]: narrow it to the minute.
      let lo = Math.floor(prevT / MINUTE_MS);
      let hi = Math.floor(t / MINUTE_MS);
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (offsetAt(zone, mid * MINUTE_MS) === prev) lo = mid;
        else hi = mid;
      }
      at.push(hi * MINUTE_MS);
      offsets.add(off);
    }
    prevT = t;
    prev = off;
  }
  return { at, offsets };
}

/**
 * The instants at which the schedule's state may change after `from`: every instant whose local
 * time is a range boundary (`edge` picks starts or ends), and every offset change (a skipped or
 * repeated hour can open or close a range by itself).
 */
function candidates(schedule: Schedule, from: number, edge: 'start' | 'end'): number[] {
  const zone = schedule.timeZone;
  const { at, offsets } = transitions(zone, from);
  const out = [...at];
  const here = wall(zone, from);
  for (let i = -1; i <= HORIZON_DAYS; i++) {
    const date = new Date(Date.UTC(here.year, here.month - 1, here.date + i));
    const weekday = (date.getUTCDay() + 6) % 7;
    for (const [from_, to] of schedule.days[WEEKDAYS[weekday] as Weekday] ?? []) {
      const start = minutesOf(from_, false, '');
      const end = minutesOf(to, true, '');
      // A range's end is a local time of the same day, or of the next when it runs past midnight.
      const minute = edge === 'start' ? start : end < start ? end + DAY_MINUTES : end;
      const local = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate(), 0, minute);
      // Each offset in force around then gives the instant if the local time exists under it
      // (none in a skipped hour, two in a repeated one).
      for (const off of offsets) {
        const t = local - off;
        if (t > from && offsetAt(zone, t) === off) out.push(t);
      }
    }
  }
  return out.sort((a, b) => a - b);
}

/**
 * When the resource next opens at or after `at` (epoch ms): `at` itself when it is open then, the
 * first instant inside a range otherwise, or null when no range opens within two weeks (a schedule
 * with no ranges). A range starting at a skipped local time opens when the clocks jump past it.
 */
export function nextOpening(schedule: Schedule | null | undefined, at: number): number | null {
  if (!schedule || isOpen(schedule, at)) return at;
  // Closed from `from` until `opens`: every instant between has the same answer. Refusals come
  // in runs (a page reloaded, a client retrying), and the search below costs a millisecond.
  const known = openings.get(schedule);
  if (known !== undefined && known.from <= at && at < known.until) return known.opens;
  let opens: number | null = null;
  for (const t of candidates(schedule, at, 'start')) {
    if (isOpen(schedule, t)) {
      opens = t;
      break;
    }
  }
  openings.set(schedule, { from: at, until: opens ?? at + MINUTE_MS, opens });
  return opens;
}

const openings = new WeakMap<Schedule, { from: number; until: number; opens: number | null }>();

/**
 * When the window open at `at` closes: the first instant after it outside every range, `at`
 * itself when closed then, or null when it stays open for the next two weeks (no schedule, or one
 * open around the clock).
 */
export function closesAt(schedule: Schedule | null | undefined, at: number): number | null {
  if (!schedule) return null;
  if (!isOpen(schedule, at)) return at;
  for (const t of candidates(schedule, at, 'end')) if (!isOpen(schedule, t)) return t;
  return null;
}

// The compact text form: `Europe/Kyiv mon-fri 08:00-19:00; sat 10:00-14:00`.

/**
 * Parses the compact form of a schedule used by the CLI (`--schedule`) and the admin panel: the
 * time zone, then groups separated by `;`, each a day or days (`mon`, `mon-fri`, `sat,sun`)
 * followed by ranges (`08:00-12:00, 13:00-19:00`). A zone alone is a schedule that never opens;
 * `none` (or an empty string) is null, no schedule. The result is checked as `validSchedule` does.
 */
export function parseSchedule(text: string): Schedule | null {
  const s = text.trim();
  if (s === '' || s.toLowerCase() === 'none') return null;
  const [zone = '', ...restWords] = s.split(/\s+/);
  const days: Partial<Record<Weekday, TimeRange[]>> = {};
  const rest = restWords.join(' ').trim();
  for (const group of rest === '' ? [] : rest.split(';')) {
    const g = group.trim();
    if (g === '') continue;
    const m = /^([a-z,\s-]+?)\s+([0-9:,\s-]+)$/i.exec(g);
    if (!m) throw invalidInput(FIELD, `schedule: "${g.slice(0, 40)}" is not "<days> <HH:MM-HH:MM>, ..." (such as "mon-fri 08:00-19:00")`);
    const ranges = parseRanges(m[2] as string);
    for (const day of parseDays(m[1] as string)) {
      if (days[day]) throw invalidInput(FIELD, `schedule: ${day} is named twice`);
      days[day] = ranges.map((r) => [r[0], r[1]]);
    }
  }
  return validSchedule({ timeZone: zone, days });
}

/** `08:00-12:00, 13:00-19:00` as ranges (not yet checked; `validSchedule` does that). */
export function parseRanges(text: string): TimeRange[] {
  return text
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '')
    .map((r) => {
      const m = /^(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})$/.exec(r);
      if (!m) throw invalidInput(FIELD, `schedule: "${r.slice(0, 20)}" is not a range HH:MM-HH:MM`);
      return [pad(m[1] as string), pad(m[2] as string)];
    });
}

function pad(hhmm: string): string {
  return hhmm.length === 4 ? `0${hhmm}` : hhmm;
}

function parseDays(text: string): Weekday[] {
  const out: Weekday[] = [];
  for (const part of text.split(',').map((p) => p.trim().toLowerCase()).filter((p) => p !== '')) {
    const [a = '', b, extra] = part.split('-').map((p) => p.trim());
    const from = WEEKDAYS.indexOf(a as Weekday);
    const to = b === undefined ? from : WEEKDAYS.indexOf(b as Weekday);
    if (from < 0 || to < 0 || extra !== undefined) throw invalidInput(FIELD, `schedule: "${part.slice(0, 20)}" is not a weekday or a span like mon-fri`);
    // A span may wrap the week: fri-mon is Friday to Monday.
    for (let d = from; ; d = (d + 1) % 7) {
      out.push(WEEKDAYS[d] as Weekday);
      if (d === to) break;
    }
  }
  return out;
}

/** `08:00-12:00, 13:00-19:00`: a day's ranges as the compact form and the panel write them. */
export function formatRanges(ranges: readonly TimeRange[]): string {
  return ranges.map(([a, b]) => `${a}-${b}`).join(', ');
}

/** A schedule in the compact form `parseSchedule` reads, consecutive days with equal hours joined: `Europe/Kyiv mon-fri 08:00-19:00; sat 10:00-14:00`. */
export function formatSchedule(schedule: Schedule | null | undefined): string {
  if (!schedule) return 'none';
  const groups: string[] = [];
  let i = 0;
  while (i < 7) {
    const ranges = schedule.days[WEEKDAYS[i] as Weekday];
    if (!ranges || ranges.length === 0) {
      i++;
      continue;
    }
    const text = formatRanges(ranges);
    let j = i;
    while (j + 1 < 7 && formatRanges(schedule.days[WEEKDAYS[j + 1] as Weekday] ?? []) === text) j++;
    groups.push(`${WEEKDAYS[i]}${j > i ? `-${WEEKDAYS[j]}` : ''} ${text}`);
    i = j + 1;
  }
  return groups.length === 0 ? schedule.timeZone : `${schedule.timeZone} ${groups.join('; ')}`;
}

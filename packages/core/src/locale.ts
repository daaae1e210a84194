import Negotiator from 'negotiator';
import { invalidInput } from './errors';
import { de } from './locales/de';
import { en } from './locales/en';
import { es } from './locales/es';
import { fr } from './locales/fr';
import { uk } from './locales/uk';
import type { SafeHtml } from './web/html';

// The end user's languages (docs/design.md, "Languages"): the message catalogue's shape, the
// locales built in, the app's additions, which locale a request or a user gets, and the Intl
// formatting every sentence with a number or a time goes through. The locales' words live in
// locales/<tag>.ts, nothing else does.

/**
 * Every sentence the end user reads: the guard's pages and the code mail. `en` is the reference;
 * every built-in locale has every key (a missing one fails the typecheck and the completeness
 * test). Sentences with values are functions: `when` is a relative time already formatted for the
 * locale (`formatIn`: "in 5 minutes", "через 5 хвилин"), `digits` the code's length, `n` a count
 * (use `plural` for its forms).
 */
export interface Messages {
  /** The code page's title and heading. */
  codeTitle: string;
  /** Where the code went: markup by the `html` template, so the values are escaped. */
  mailedTo: (digits: number, address: string, token: string) => SafeHtml;
  /** After `mailedTo`, while the code works. */
  expiresIn: (when: string) => string;
  /** After `mailedTo`, once a newer code replaced one this session was mailed. */
  latestMailOnly: string;
  /** The field's hint when the page knows nothing of the code. */
  hintUnknown: string;
  hintCode: (digits: number) => string;
  hintPinBefore: (digits: number) => string;
  hintPinAfter: (digits: number) => string;
  labelCode: string;
  labelPinAndCode: string;
  /** The submit button. */
  verify: string;
  /** Under the resend button while it is disabled: no script enables it, a reload does. */
  resendLater: (when: string) => string;
  resendNow: string;
  resendButton: string;
  /** The notice after a resend. */
  newCodeSent: string;
  /** The verify form's box with `rememberDevice`: `duration` from `formatDuration(tag, days, 'day')`. */
  rememberDevice: (duration: string) => string;
  /** Under the box: a warning about shared computers. */
  rememberHint: string;
  /** The button that forgets this remembered browser. */
  forgetDevice: string;
  /** Over that button. */
  forgetHint: string;
  /** Step-up: a verified session asked again because its code is older than `maxAge`. */
  stale: string;
  /** The way out every guard page offers. */
  backToSite: string;
  /** The way out when the app gave `page.cancelUrl`. */
  cancel: string;
  /** The link to the app's `page.signOutUrl`. */
  signOut: string;
  /** The code page's title and heading when the resource has a display name. */
  codeTitleFor: (resource: string) => string;
  /** The body of a 303, for clients that do not follow redirects. */
  continueTitle: string;
  continueLink: string;
  // Refusals, as the code page and the message pages tell them.
  wrongCode: string;
  newerCodeSent: string;
  latestUsedUp: string;
  wrongCodeUsedUp: string;
  tryAgain: string;
  attemptsLeft: (n: number) => string;
  codeExpired: string;
  blockedFor: (when: string) => string;
  blockedByAdmin: string;
  cooldown: (when: string) => string;
  hourlyCap: (when: string) => string;
  tooManyRequests: (when: string) => string;
  notAssigned: string;
  accessRestricted: string;
  deliveryFailed: string;
  invalidInput: string;
  csrfFailed: string;
  unauthenticated: string;
  methodNotAllowed: string;
  unavailable: string;
  titleSignInFirst: string;
  titleBlocked: string;
  titleNotAssigned: string;
  titleAccessRestricted: string;
  titleUnavailable: string;
  /** The title of the page outside the resource's time windows. */
  titleClosed: string;
  /** Outside the time windows: `when` the next opening in the resource's zone, `wait` from `formatIn`. */
  closedOpens: (when: string, wait: string) => string;
  /** Outside the time windows, with no opening in the next two weeks. */
  closedNever: string;
  // The code mail. `app` is `mail.appName` when the integrator gave one.
  /** The code leads, so phones can offer it from the notification. */
  mailSubject: (code: string, resource: string, app?: string) => string;
  /** The HTML part's `<title>`. */
  mailTitle: (resource: string) => string;
  /** The line before the code. */
  mailIntro: (resource: string, app?: string) => string;
  /** The line after the code. */
  mailDetails: (token: string, when: string) => string;
  mailWarning: string;
}

/** The key of a sentence. */
export type MessageKey = keyof Messages;

/**
 * `createProtectimus({ locales })`: per BCP 47 tag, strings that override a built-in locale's
 * (`de: { verify: 'Prüfen' }`) or make a new one (`pt: { ... }`). A new locale falls back key by
 * key to the built-in locale of its language (`de-CH` to `de`), else to `en`.
 */
export type LocaleStrings = Readonly<Record<string, Partial<Messages>>>;

/** The built-in locales, `en` first (the fallback of everything). */
export const BUILT_IN_LOCALES: Readonly<Record<string, Messages>> = { en, uk, de, es, fr };

/** The built-in tags, in order. */
export const BUILT_IN_TAGS: readonly string[] = Object.keys(BUILT_IN_LOCALES);

/** A locale as a page or a mail uses it: its tag (for `lang`, `Content-Language`, Intl) and its sentences. */
export interface Locale {
  tag: string;
  messages: Messages;
}

/** A well-formed BCP 47 tag in its canonical form (`pt-br` as `pt-BR`), or null. */
export function canonicalTag(value: unknown): string | null {
  if (typeof value !== 'string' || value === '' || value.length > 35) return null;
  try {
    return Intl.getCanonicalLocales(value)[0] ?? null;
  } catch {
    return null;
  }
}

/** The language subtag of a canonical tag: `uk` of `uk-UA`. */
function languageOf(tag: string): string {
  return tag.split('-')[0]?.toLowerCase() ?? tag;
}

const warned = new Set<string>();

/**
 * The locales of one instance: the built-in ones with the app's strings merged over them, and
 * the app's new ones. Checked when it is made: an unknown key, a sentence of the wrong kind (text
 * where the reference has a function, or the other way) or a malformed tag throws `INVALID_INPUT`.
 */
export class Catalogue {
  /** The tags served, `en` first, then the other built-in ones, then the app's. */
  readonly tags: readonly string[];
  private readonly byTag = new Map<string, Messages>();
  private readonly byLower = new Map<string, string>();

  constructor(strings: LocaleStrings = {}) {
    if (typeof strings !== 'object' || strings === null || Array.isArray(strings)) throw invalidInput('locales', 'locales must be an object of locale tags');
    for (const [tag, messages] of Object.entries(BUILT_IN_LOCALES)) this.add(tag, messages);
    const added: [string, Partial<Messages>][] = [];
    for (const [raw, given] of Object.entries(strings)) {
      const tag = canonicalTag(raw);
      if (tag === null) throw invalidInput('locales', `locales: "${raw}" is not a BCP 47 language tag`);
      const checked = checkStrings(tag, given);
      if (this.byTag.has(tag)) this.byTag.set(tag, { ...(this.byTag.get(tag) as Messages), ...checked });
      else added.push([tag, checked]);
    }
    for (const [tag, given] of added) {
      // The built-in locale of its language (app overrides included), else English.
      const base = this.byTag.get(languageOf(tag)) ?? (this.byTag.get('en') as Messages);
      const missing = (Object.keys(en) as MessageKey[]).filter((key) => given[key] === undefined);
      // English filling in for an English variant (`en-GB`) is no gap worth a warning.
      if (missing.length > 0 && base === this.byTag.get('en') && languageOf(tag) !== 'en' && !warned.has(tag)) {
        warned.add(tag);
        process.emitWarning(`protectimus-mail: locale "${tag}" has no ${missing.join(', ')}; English is used for them.`, 'ProtectimusWarning');
      }
      this.add(tag, { ...base, ...given });
    }
    this.tags = [...this.byTag.keys()];
  }

  private add(tag: string, messages: Messages): void {
    this.byTag.set(tag, messages);
    this.byLower.set(tag.toLowerCase(), tag);
  }

  /**
   * The served tag for `wanted`: the same tag (any letter case), else the one of its language
   * (`uk-UA` finds `uk`), else one with its language and a region (`pt` finds `pt-BR`); null when
   * none (or `wanted` is no tag).
   */
  resolve(wanted: string | null | undefined): string | null {
    const tag = canonicalTag(wanted);
    if (tag === null) return null;
    const exact = this.byLower.get(tag.toLowerCase());
    if (exact !== undefined) return exact;
    const language = languageOf(tag);
    return this.byLower.get(language) ?? this.tags.find((t) => languageOf(t) === language) ?? null;
  }

  /** The locale served for `wanted` (as `resolve`), else English. */
  get(wanted: string | null | undefined): Locale {
    const tag = this.resolve(wanted) ?? 'en';
    return { tag, messages: this.byTag.get(tag) as Messages };
  }

  /**
   * The locale a request's `Accept-Language` header asks for among the served ones, by q-value
   * then by how specific its range is (as negotiator ranks them); `*`, a missing header and one
   * that names none of them get English.
   */
  negotiate(acceptLanguage: string | undefined): Locale {
    if (acceptLanguage === undefined || acceptLanguage.trim() === '') return this.get('en');
    const found = new Negotiator({ headers: { 'accept-language': acceptLanguage } }).language([...this.tags]);
    return this.get(found ?? 'en');
  }

  /**
   * A mail's locale: the user's own (`user.locale`) when served (by itself or its language), else
   * the page's (`prepare({ locale })`), else English.
   */
  forMail(userLocale: string | null | undefined, pageLocale: string | null | undefined): Locale {
    return this.get(this.resolve(userLocale) ?? this.resolve(pageLocale) ?? 'en');
  }
}

/** The built-in catalogue, shared by every instance given no `locales`. */
export const builtInCatalogue = new Catalogue();

/** Checks an app's strings for one locale against the reference's keys and kinds. */
function checkStrings(tag: string, given: unknown): Partial<Messages> {
  if (typeof given !== 'object' || given === null || Array.isArray(given)) throw invalidInput('locales', `locales.${tag} must be an object of sentences`);
  const reference = en as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(given)) {
    if (!Object.prototype.hasOwnProperty.call(reference, key)) throw invalidInput('locales', `locales.${tag}: unknown key "${key}"`);
    const kind = typeof reference[key];
    if (value === undefined) continue;
    if (typeof value !== kind) throw invalidInput('locales', `locales.${tag}.${key} must be a ${kind === 'function' ? 'function, as in the English locale' : 'string'}`);
  }
  // Only the keys given a value, so `undefined` never hides a base sentence.
  return Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)) as Partial<Messages>;
}

// Intl's formatters are costly to make and cheap to use: one per locale (and unit), kept. The
// tags come from the catalogue or the app, never from a request, so the maps stay small.
const relativeFormats = new Map<string, Intl.RelativeTimeFormat>();

function cached<T>(map: Map<string, T>, key: string, make: () => T): T {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    // `formatIn` is public: an app may name any tag. Keep a bounded few.
    if (map.size >= 100) map.clear();
    map.set(key, value);
  }
  return value;
}

// Formatting. Intl does the grammar: Ukrainian "через 1 хвилину / 5 хвилин", German "in 1 Minute".

/**
 * A time from now as a relative time, "in 30 seconds", "через 5 хвилин", "dans 2 heures": seconds
 * under a minute, whole minutes under two hours, whole hours past that. `up` (the default) for a
 * wait, which must never be told shorter than it is; `down` for a lifetime, which must never be
 * told longer (a code mailed a moment after the page's clock read still "expires in 5 minutes").
 */
export function formatIn(tag: string, seconds: number, round: 'up' | 'down' = 'up'): string {
  const whole = round === 'up' ? Math.ceil : Math.floor;
  const s = Math.max(1, whole(seconds));
  const format = cached(relativeFormats, tag, () => new Intl.RelativeTimeFormat(tag, { numeric: 'always', style: 'long' }));
  if (s < 60) return format.format(s, 'second');
  const minutes = whole(s / 60);
  if (minutes < 120) return format.format(minutes, 'minute');
  const hours = whole(minutes / 60);
  if (hours < 48) return format.format(hours, 'hour');
  return format.format(whole(hours / 24), 'day');
}

/** A length of time: `formatDuration('de', 30, 'day')` is "30 Tage", `('uk', 5, 'minute')` "5 хвилин". */
export function formatDuration(tag: string, value: number, unit: 'second' | 'minute' | 'hour' | 'day'): string {
  return new Intl.NumberFormat(tag, { style: 'unit', unit, unitDisplay: 'long' }).format(value);
}

/**
 * A date and time, "30 Nov 2026, 17:35" as the locale writes it; in `timeZone` (an IANA name)
 * when given, else UTC, since a server does not know the reader's zone.
 */
export function formatDateTime(tag: string, epochMs: number, timeZone = 'UTC'): string {
  return new Intl.DateTimeFormat(tag, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(epochMs);
}

export { plural, type PluralForms } from './locales/plural';

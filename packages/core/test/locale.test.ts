import { BUILT_IN_LOCALES, BUILT_IN_TAGS, builtInCatalogue, Catalogue, formatDateTime, formatDuration, formatIn, plural, type Messages } from '../src/locale';
import { SafeHtml } from '../src/web/html';
import { refusal } from './support/refusal';

type Sentence = Messages[keyof Messages];

/** The keys of the sentences that take values. */
type WithValues = { [K in keyof Messages]: Messages[K] extends (...args: never[]) => unknown ? K : never }[keyof Messages];

/**
 * Distinct sample values for every sentence that takes some, so one that drops or swaps a value is
 * caught. Typed by `Messages`: a new sentence with values fails the typecheck until it has its
 * samples here (a count as a number, since `plural` needs one).
 */
const SAMPLE_ARGS: { [K in WithValues]: Parameters<Messages[K]> } = {
  mailedTo: [6, 'VALUE-ONE', 'VALUE-TWO'],
  expiresIn: ['VALUE-ONE'],
  hintCode: [7],
  hintPinBefore: [7],
  hintPinAfter: [7],
  resendLater: ['VALUE-ONE'],
  attemptsLeft: [7],
  blockedFor: ['VALUE-ONE'],
  cooldown: ['VALUE-ONE'],
  hourlyCap: ['VALUE-ONE'],
  tooManyRequests: ['VALUE-ONE'],
  mailSubject: ['VALUE-ONE', 'VALUE-TWO', 'VALUE-THREE'],
  mailTitle: ['VALUE-ONE'],
  mailIntro: ['VALUE-ONE', 'VALUE-TWO'],
  mailDetails: ['VALUE-ONE', 'VALUE-TWO'],
  codeTitleFor: ['VALUE-ONE'],
  closedOpens: ['VALUE-ONE', 'VALUE-TWO'],
  rememberDevice: ['VALUE-ONE'],
};

/** A sentence called with its sample values, as text, and the values it was given. */
function sample(key: string, value: Sentence): { text: string; given: string[] } {
  if (typeof value === 'string') return { text: value, given: [] };
  const args = (SAMPLE_ARGS as Record<string, unknown[]>)[key];
  if (args === undefined) throw new Error(`no sample values for "${key}": add them to SAMPLE_ARGS`);
  const out = (value as (...a: unknown[]) => string | SafeHtml)(...args);
  return { text: out instanceof SafeHtml ? out.value : out, given: args.map(String) };
}

describe('the catalogue is complete', () => {
  const reference = BUILT_IN_LOCALES.en as unknown as Record<string, Sentence>;
  const keys = Object.keys(reference).sort();

  it('has the five locales, English first', () => {
    expect(BUILT_IN_TAGS).toEqual(['en', 'uk', 'de', 'es', 'fr']);
  });

  it.each(BUILT_IN_TAGS)('%s has every key every other locale has, and no other', (tag) => {
    const messages = BUILT_IN_LOCALES[tag] as unknown as Record<string, Sentence>;
    for (const other of BUILT_IN_TAGS) {
      expect(Object.keys(messages).sort()).toEqual(Object.keys(BUILT_IN_LOCALES[other] as object).sort());
    }
    expect(Object.keys(messages).sort()).toEqual(keys);
  });

  it.each(BUILT_IN_TAGS)('%s: each sentence is of the kind of the reference, takes its parameters and shows every value it is given', (tag) => {
    const messages = BUILT_IN_LOCALES[tag] as unknown as Record<string, Sentence>;
    for (const key of keys) {
      const value = messages[key] as Sentence;
      const ref = reference[key] as Sentence;
      expect([key, typeof value]).toEqual([key, typeof ref]);
      if (typeof value === 'function') {
        expect([key, value.length]).toEqual([key, (ref as (...a: unknown[]) => unknown).length]);
        expect([key, value.length]).toEqual([key, (SAMPLE_ARGS as Record<string, unknown[]>)[key]?.length]);
      }
      const { text, given } = sample(key, value);
      expect(text.trim()).not.toBe('');
      for (const v of given) expect([key, text.includes(v)]).toEqual([key, true]);
      // No placeholder left unfilled, no stray template syntax.
      expect(text).not.toMatch(/\$\{|\{n\}|undefined|NaN/);
    }
  });

  it.each(BUILT_IN_TAGS)('%s: the mail reads well without an app name', (tag) => {
    const t = BUILT_IN_LOCALES[tag] as Messages;
    for (const text of [t.mailSubject('123456', 'billing'), t.mailIntro('billing')]) {
      expect(text).toContain('billing');
      expect(text).not.toMatch(/undefined|\(\)| {2}/);
    }
  });

  // Words every one of these languages writes the same way ("PIN", "Code" in German and French).
  const SAME_IN_ANY_LANGUAGE = new Set(['labelCode']);

  it.each(BUILT_IN_TAGS.filter((t) => t !== 'en'))('%s says nothing in English', (tag) => {
    const messages = BUILT_IN_LOCALES[tag] as unknown as Record<string, Sentence>;
    for (const key of keys) {
      if (SAME_IN_ANY_LANGUAGE.has(key)) continue;
      const own = sample(key, messages[key] as Sentence).text;
      const english = sample(key, reference[key] as Sentence).text;
      expect([key, own]).not.toEqual([key, english]);
    }
  });

  it('counts in Ukrainian with its one, few and many forms', () => {
    const t = BUILT_IN_LOCALES.uk as Messages;
    expect(t.attemptsLeft(1)).toBe('Залишилася 1 спроба.');
    expect(t.attemptsLeft(2)).toBe('Залишилося 2 спроби.');
    expect(t.attemptsLeft(4)).toBe('Залишилося 4 спроби.');
    expect(t.attemptsLeft(5)).toBe('Залишилося 5 спроб.');
    expect(t.attemptsLeft(11)).toBe('Залишилося 11 спроб.');
    expect(t.attemptsLeft(21)).toBe('Залишилася 21 спроба.');
    expect(t.attemptsLeft(22)).toBe('Залишилося 22 спроби.');
    expect(BUILT_IN_LOCALES.en?.attemptsLeft(1)).toBe('1 attempt left.');
    expect(BUILT_IN_LOCALES.fr?.attemptsLeft(0)).toBe('Il vous reste 0 essai.');
    expect(BUILT_IN_LOCALES.de?.attemptsLeft(2)).toBe('Noch 2 Versuche.');
  });

  it('picks a plural form by Intl.PluralRules, falling back to other', () => {
    expect(plural('uk', 3, { one: '{n} хвилина', few: '{n} хвилини', many: '{n} хвилин', other: '{n} хвилини' })).toBe('3 хвилини');
    expect(plural('en', 1000, { one: '{n} day', other: '{n} days' })).toBe('1,000 days');
    expect(plural('de', 1, { other: '{n} mal' })).toBe('1 mal');
  });
});

describe('Intl formatting', () => {
  it('tells a wait as a relative time in each language, in the grammar of the language', () => {
    expect(formatIn('en', 30)).toBe('in 30 seconds');
    expect(formatIn('en', 0)).toBe('in 1 second');
    expect(formatIn('en', 61)).toBe('in 2 minutes');
    expect(formatIn('en', 300)).toBe('in 5 minutes');
    expect(formatIn('en', 3 * 3600)).toBe('in 3 hours');
    // A lifetime is never told longer than it is, a wait never shorter.
    expect(formatIn('en', 300.4, 'down')).toBe('in 5 minutes');
    expect(formatIn('en', 359, 'down')).toBe('in 5 minutes');
    expect(formatIn('en', 301)).toBe('in 6 minutes');
    expect(formatIn('en', 59.5, 'down')).toBe('in 59 seconds');
    expect(formatIn('uk', 60)).toBe('через 1 хвилину');
    expect(formatIn('uk', 180)).toBe('через 3 хвилини');
    expect(formatIn('uk', 300)).toBe('через 5 хвилин');
    expect(formatIn('de', 60)).toBe('in 1 Minute');
    expect(formatIn('es', 300)).toBe('dentro de 5 minutos');
    expect(formatIn('fr', 30)).toBe('dans 30 secondes');
  });

  it('formats lengths of time and dates as each language writes them', () => {
    expect(formatDuration('en', 30, 'day')).toBe('30 days');
    expect(formatDuration('uk', 30, 'day')).toBe('30 днів');
    expect(formatDuration('uk', 1, 'day')).toBe('1 день');
    expect(formatDuration('de', 30, 'day')).toBe('30 Tage');
    const at = Date.UTC(2026, 10, 30, 17, 35);
    expect(formatDateTime('en', at)).toBe('Nov 30, 2026, 5:35 PM');
    expect(formatDateTime('de', at)).toBe('30.11.2026, 17:35');
    expect(formatDateTime('fr', at)).toBe('30 nov. 2026, 17:35');
    expect(formatDateTime('uk', at, 'Europe/Kyiv')).toBe('30 лист. 2026 р., 19:35');
  });
});

describe('negotiation', () => {
  const cases: [string | undefined, string][] = [
    [undefined, 'en'],
    ['', 'en'],
    ['*', 'en'],
    ['uk', 'uk'],
    ['uk-UA', 'uk'],
    ['uk-UA,uk;q=0.9,en-US;q=0.8,en;q=0.7', 'uk'],
    ['de-AT', 'de'],
    ['DE', 'de'],
    ['fr-CA;q=0.8, es;q=0.9', 'es'],
    ['de;q=0.5, fr;q=0.9', 'fr'],
    ['pt-BR, de;q=0.1', 'de'],
    ['pt-BR, ja', 'en'],
    ['en;q=0, uk;q=0.1', 'uk'],
    ['garbage!!, ;;;, q=1', 'en'],
    ['\u0000\u00ff', 'en'],
    ['x'.repeat(5000), 'en'],
  ];

  it.each(cases)('Accept-Language %j -> %s', (header, tag) => {
    expect(builtInCatalogue.negotiate(header).tag).toBe(tag);
  });

  it('resolves a tag to a served locale: itself, its language, or a locale of its language with a region', () => {
    const c = new Catalogue({ 'pt-BR': { verify: 'Verificar' } });
    expect(c.resolve('UK-ua')).toBe('uk');
    expect(c.resolve('pt')).toBe('pt-BR');
    expect(c.resolve('pt-PT')).toBe('pt-BR');
    expect(c.resolve('ja')).toBeNull();
    expect(c.resolve('not a tag')).toBeNull();
    expect(c.negotiate('pt-PT,pt;q=0.9').tag).toBe('pt-BR');
  });

  it('picks the mail language: the user’s when served, else the page’s, else English', () => {
    expect(builtInCatalogue.forMail('uk-UA', 'de').tag).toBe('uk');
    expect(builtInCatalogue.forMail('ja', 'de').tag).toBe('de');
    expect(builtInCatalogue.forMail(null, 'fr').tag).toBe('fr');
    expect(builtInCatalogue.forMail(null, undefined).tag).toBe('en');
    expect(builtInCatalogue.forMail('ja', 'ko').tag).toBe('en');
  });
});

describe("the app's strings", () => {
  it('override some sentences of a built-in locale and keep the others', () => {
    const c = new Catalogue({ de: { verify: 'Prüfen', attemptsLeft: (n: number) => `${n} übrig.` } });
    expect(c.get('de').messages.verify).toBe('Prüfen');
    expect(c.get('de').messages.attemptsLeft(2)).toBe('2 übrig.');
    expect(c.get('de').messages.resendButton).toBe('Neuen Code senden');
    // Another catalogue, and the built-in one, are untouched.
    expect(builtInCatalogue.get('de').messages.verify).toBe('Bestätigen');
  });

  it('add a locale, whose missing sentences come from its language, else from English', () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const c = new Catalogue({ 'de-CH': { verify: 'Bestätigen Sie' }, pt: { verify: 'Verificar', codeTitle: 'Digite o seu código' } });
      expect(c.tags).toEqual(['en', 'uk', 'de', 'es', 'fr', 'de-CH', 'pt']);
      expect(c.get('de-CH').messages.resendButton).toBe('Neuen Code senden');
      expect(c.get('pt').messages.codeTitle).toBe('Digite o seu código');
      expect(c.get('pt').messages.resendButton).toBe('Send a new code');
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('locale "pt" has no mailedTo'), 'ProtectimusWarning');
      expect(warn).toHaveBeenCalledTimes(1);
      warn.mockClear();
      const gb = new Catalogue({ 'en-GB': { verify: 'Verify it' } });
      expect(gb.get('en-GB').messages.resendButton).toBe('Send a new code');
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it.each([
    [{ de: { verfiy: 'x' } }, /unknown key "verfiy"/],
    [{ de: { verify: 42 } }, /locales\.de\.verify must be a string/],
    [{ de: { attemptsLeft: '{n} left' } }, /attemptsLeft must be a function/],
    [{ 'not a tag': {} }, /not a BCP 47 language tag/],
    [{ de: 'Prüfen' }, /locales\.de must be an object/],
    [[], /locales must be an object/],
  ])('are checked when the instance is made: %j', async (locales, message) => {
    const err = await refusal(Promise.resolve().then(() => new Catalogue(locales as never)));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toMatch(message);
  });
});

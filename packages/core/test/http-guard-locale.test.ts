import { ProtectimusError, type ErrorCode } from '../src/errors';
import { guardRunner, type GuardBinding } from '../src/guard/runner';
import { BUILT_IN_LOCALES, BUILT_IN_TAGS, Catalogue, type Messages } from '../src/locale';
import { csrfToken } from '../src/web/request';
import { FakeEngine } from './support/fake-engine';
import { BROWSER_ACCEPT } from './support/guard-request';
import { answer, bodyOf, type Answer } from './support/guard-run';

// The guard's pages in the user's language (docs/design.md, "Languages"): every page state in
// every built-in locale, negotiation from Accept-Language, `page.locale` forcing one.

const page = (lang: string | undefined, over: Record<string, unknown> = {}) => ({
  headers: { accept: BROWSER_ACCEPT, ...(lang === undefined ? {} : { acceptLanguage: lang }) },
  ...over,
});

function formPost(lang: string, session: Record<string, unknown>, path: '/_otp/verify' | '/_otp/resend', fields: Record<string, string> = {}) {
  return {
    method: 'POST',
    path,
    originalUrl: `/billing${path}`,
    headers: { accept: BROWSER_ACCEPT, contentType: 'application/x-www-form-urlencoded', acceptLanguage: lang },
    session,
    body: { _csrf: csrfToken(session), ...fields },
  };
}

/** The English sentences (plain ones, long enough to be sentences) a page in another language must not show. */
const ENGLISH = Object.entries(BUILT_IN_LOCALES.en as Messages)
  .filter(([, v]) => typeof v === 'string' && v.length > 12)
  .map(([, v]) => v as string);

function expectIn(res: Answer, tag: string): string {
  expect(res.headers['Content-Type']).toBe('text/html; charset=utf-8');
  expect(res.headers['Content-Language']).toBe(tag);
  expect(res.headers.Vary).toBe('Accept, Accept-Language');
  expect(res.body).toContain(`<html lang="${tag}">`);
  if (tag !== 'en') for (const sentence of ENGLISH) expect(res.body).not.toContain(sentence);
  return res.body;
}

/** Every state of the guard's pages, each ending in one page: the states a user can meet. */
const states: [string, (engine: FakeEngine, tag: string) => Promise<Answer>][] = [
  ['the code page', (engine, tag) => answer(engine, page(tag))],
  ['the code page with a PIN first', (engine, tag) => ((engine.pin = 'before'), answer(engine, page(tag)))],
  ['the code page with a PIN after', (engine, tag) => ((engine.pin = 'after'), answer(engine, page(tag)))],
  [
    'a wrong code, attempts left',
    async (engine, tag) => {
      const session = {};
      await answer(engine, page(tag, { session }));
      await answer(engine, formPost(tag, session, '/_otp/verify', { otp: '000000' }));
      return answer(engine, page(tag, { session }));
    },
  ],
  ...(
    [
      ['INVALID_OTP', { attemptsLeft: 0 }],
      ['OTP_EXPIRED', {}],
      ['INVALID_INPUT', {}],
      ['DELIVERY_FAILED', {}],
      ['RATE_LIMITED', { retryAfter: 20, reason: 'cooldown' }],
      ['RATE_LIMITED', { retryAfter: 1200, reason: 'hourly_cap' }],
    ] as [ErrorCode, object][]
  ).map(([code, details]): [string, (engine: FakeEngine, tag: string) => Promise<Answer>] => [
    `a code post refused with ${code} ${JSON.stringify(details)}`,
    async (engine, tag) => {
      const session = {};
      await answer(engine, page(tag, { session }));
      engine.authenticateError = new ProtectimusError(code, 'x', details);
      await answer(engine, formPost(tag, session, '/_otp/verify', { otp: '123456' }));
      return answer(engine, page(tag, { session }));
    },
  ]),
  [
    'a new code sent',
    async (engine, tag) => {
      const session = {};
      await answer(engine, page(tag, { session }));
      engine.clock.advance(60_000);
      await answer(engine, formPost(tag, session, '/_otp/resend'));
      return answer(engine, page(tag, { session }));
    },
  ],
  ['the 303 after a code', async (engine, tag) => answer(engine, formPost(tag, {}, '/_otp/verify', { otp: '123456' }))],
  ['a form that expired (CSRF)', (engine, tag) => answer(engine, { ...formPost(tag, {}, '/_otp/verify', { otp: '1' }), body: { _csrf: 'wrong', otp: '1' } })],
  ['nobody signed in', (engine, tag) => answer(engine, page(tag, { login: null }))],
  ...(
    [
      ['BLOCKED', { retryAfter: 290 }],
      ['BLOCKED', {}],
      ['NOT_ASSIGNED', {}],
      ['ACCESS_RESTRICTED', {}],
      ['STORE_UNAVAILABLE', {}],
      ['RATE_LIMITED', { retryAfter: 9, reason: 'requests' }],
    ] as [ErrorCode, object][]
  ).map(([code, details]): [string, (engine: FakeEngine, tag: string) => Promise<Answer>] => [
    `a page load refused with ${code} ${JSON.stringify(details)}`,
    (engine, tag) => {
      engine.prepareError = new ProtectimusError(code, 'x', details);
      return answer(engine, page(tag));
    },
  ]),
];

describe.each(BUILT_IN_TAGS)('pages in %s', (tag) => {
  it.each(states)('%s', async (_name, run) => {
    const res = await run(new FakeEngine(), tag);
    expectIn(res, tag);
  });
});

describe('pages in the user’s language', () => {
  it('writes distinctive sentences of each language', async () => {
    const expected: Record<string, string[]> = {
      uk: ['<h1>Введіть код</h1>', 'Ми надіслали 6\u2011значний код на <strong>a***e@example.com</strong> для вашого токена «Alice mail».', 'Код перестане діяти через 5 хвилин.', 'Надіслати новий код', 'Новий код можна буде запросити через 30 секунд.', 'Повернутися на сайт'],
      de: ['<h1>Code eingeben</h1>', 'für Ihren Token „Alice mail“ gesendet.', 'Er läuft in 5 Minuten ab.', 'Neuen Code senden', 'Sie können in 30 Sekunden einen neuen Code anfordern.', '<button type="submit">Bestätigen</button>'],
      es: ['<h1>Introduzca su código</h1>', 'Caduca dentro de 5 minutos.', 'Enviar un código nuevo', 'Volver al sitio'],
      fr: ['<h1>Saisissez votre code</h1>', 'Il expire dans 5 minutes.', 'Envoyer un nouveau code', 'pour votre jeton «\u00a0Alice mail\u00a0».'],
    };
    for (const [tag, sentences] of Object.entries(expected)) {
      const html = expectIn(await answer(new FakeEngine(), page(tag)), tag);
      for (const sentence of sentences) expect(html).toContain(sentence);
    }
  });

  it('counts attempts in Ukrainian with the right form', async () => {
    const engine = new FakeEngine();
    const session = {};
    await answer(engine, page('uk', { session }));
    for (const [left, sentence] of [
      [1, 'Код неправильний. Залишилася 1 спроба.'],
      [2, 'Код неправильний. Залишилося 2 спроби.'],
      [5, 'Код неправильний. Залишилося 5 спроб.'],
    ] as const) {
      engine.authenticateError = new ProtectimusError('INVALID_OTP', 'x', { attemptsLeft: left });
      await answer(engine, formPost('uk', session, '/_otp/verify', { otp: '1' }));
      expect(expectIn(await answer(engine, page('uk', { session })), 'uk')).toContain(sentence);
    }
  });

  it('escapes what the catalogue is given: a token name is text in every language', async () => {
    const engine = new FakeEngine();
    engine.tokenName = '<img src=x onerror=alert(1)>';
    for (const tag of BUILT_IN_TAGS) {
      const html = (await answer(engine, page(tag))).body;
      expect(html).not.toContain('<img');
      expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    }
  });

  it('negotiates by q-value and region, and falls back to English', async () => {
    for (const [header, tag] of [
      ['uk-UA,uk;q=0.9,en;q=0.8', 'uk'],
      ['en;q=0.5, de;q=0.9', 'de'],
      ['pt-BR, es;q=0.2', 'es'],
      ['*', 'en'],
      ['ja, zh;q=0.8', 'en'],
      ['(garbage)', 'en'],
    ]) {
      expect((await answer(new FakeEngine(), page(header))).headers['Content-Language']).toBe(tag);
    }
    expect((await answer(new FakeEngine(), page(undefined))).body).toContain('<html lang="en">');
  });

  it('keeps JSON answers in stable codes, whatever the language', async () => {
    const engine = new FakeEngine();
    const res = await answer(engine, { headers: { accept: 'application/json', acceptLanguage: 'uk' } });
    expect(bodyOf(res)).toMatchObject({ error: 'otp_required' });
    expect(res.headers['Content-Language']).toBeUndefined();
    expect(res.body).not.toMatch(/[а-яі]/i);
    engine.prepareError = new ProtectimusError('BLOCKED', 'x', { retryAfter: 60 });
    expect(bodyOf(await answer(engine, { headers: { accept: 'application/json', acceptLanguage: 'uk' } }))).toEqual({ error: 'blocked', retryAfter: 60 });
  });

  it('passes the page’s language to prepare, for the mail of a user without their own', async () => {
    const engine = new FakeEngine();
    const session = {};
    await answer(engine, page('de-AT,de;q=0.9', { session }));
    engine.clock.advance(60_000);
    await answer(engine, formPost('fr', session, '/_otp/resend'));
    expect(engine.prepareCalls.map((c) => c.locale)).toEqual(['de', 'fr']);
  });

  it('serves a forced locale whatever the browser asks, with no Vary on Accept-Language', async () => {
    const res = await answer(new FakeEngine(), page('en-US,en;q=0.9'), { locale: 'uk' });
    expect(res.headers['Content-Language']).toBe('uk');
    expect(res.headers.Vary).toBe('Accept');
    expect(res.body).toContain('<html lang="uk">');
  });

  it('serves the app’s added locale and its overrides, from the engine’s catalogue', async () => {
    const engine = new FakeEngine();
    (engine as { locales?: Catalogue }).locales = new Catalogue({ de: { verify: 'Prüfen' }, 'pt-BR': { codeTitle: 'Digite o código', verify: 'Verificar' } });
    const de = await answer(engine, page('de'));
    expect(de.body).toContain('<button type="submit">Prüfen</button>');
    const pt = await answer(engine, page('pt'));
    expect(pt.headers['Content-Language']).toBe('pt-BR');
    expect(pt.body).toContain('<h1>Digite o código</h1>');
  });
});

describe('page.locale when the guard is created', () => {
  const binding = { noSession: '', session: () => null, login: () => null, url: () => '/', request: () => ({}), grant: async () => undefined } as unknown as GuardBinding<unknown>;
  const engine = new FakeEngine();

  it('takes a served tag, or one whose language is served', () => {
    expect(() => guardRunner({ protectimus: engine, page: { locale: 'uk' } }, binding)).not.toThrow();
    expect(() => guardRunner({ protectimus: engine, page: { locale: 'de-AT' } }, binding)).not.toThrow();
    expect(() => guardRunner({ protectimus: engine, page: {} }, binding)).not.toThrow();
  });

  it.each(['ja', 'not a tag', '', 42])('refuses %j with a clear error', (locale) => {
    expect(() => guardRunner({ protectimus: engine, page: { locale: locale as string } }, binding)).toThrow(/page\.locale must be a language the instance serves \(en, uk, de, es, fr\)/);
  });
});

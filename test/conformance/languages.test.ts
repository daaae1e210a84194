/**
 * The end user's languages (docs/design.md, "Languages") on both adapters and every mount: the
 * page language negotiated from Accept-Language (`Content-Language`, `Vary`, `<html lang>`),
 * `page.locale` forcing one, the code mail in the user's own locale or the page's, JSON answers
 * untranslated, the app's added locale.
 */
import { adapters, agentOf, BROWSER, csrfFrom, freshUser, signIn, started, useWorld, wrongCode, type Mount } from './harness';

const env = useWorld();
const mounts: Mount[] = ['billing', 'root', 'area'];

describe.each(adapters.flatMap((adapter) => mounts.map((mount) => ({ adapter, mount, name: adapter.name }))))('$name, mount $mount: languages', ({ adapter, mount }) => {
  const base = mount === 'root' ? '' : '/billing';

  async function start(guard: Record<string, unknown> = {}, pm = env.pm) {
    const user = await freshUser(pm);
    const app = adapter.makeApp({ mount, guard: { protectimus: pm, resource: user.resourceName, ...guard } });
    const agent = agentOf(app);
    await signIn(agent, user.login);
    return { user, agent };
  }

  it('serves the page in the language the browser asks for, and mails the code in it to a user without their own', async () => {
    const { user, agent } = await start();
    const page = await agent.get(`${base}/invoices`).set('Accept', BROWSER).set('Accept-Language', 'de-DE,de;q=0.9,en;q=0.5').expect(401);
    expect(page.headers['content-language']).toBe('de');
    expect(page.headers.vary).toMatch(/Accept-Language/i);
    expect(page.text).toContain('<html lang="de">');
    expect(page.text).toContain('<h1>Code eingeben</h1>');
    expect(page.text).toContain('Er läuft in 5 Minuten ab.');
    const mail = await env.world.smtp.waitForMail(user.email);
    expect(mail.subject).toMatch(/^\d{6} ist Ihr Code für die Anmeldung bei /);
    expect(mail.html).toContain('<html lang="de">');
    const code = env.world.smtp.codeFrom(mail);

    // A wrong code posted from the page comes back in the page's language.
    const wrong = await agent.post(`${base}/_otp/verify`).set('Accept', BROWSER).set('Accept-Language', 'de').type('form').send({ otp: wrongCode(code), _csrf: csrfFrom(page.text) }).expect(303);
    expect(wrong.headers['content-language']).toBe('de');
    const shown = await agent.get(`${base}/invoices`).set('Accept', BROWSER).set('Accept-Language', 'de').expect(401);
    expect(shown.text).toContain('Dieser Code ist nicht richtig. Noch 2 Versuche.');
    await agent.post(`${base}/_otp/verify`).set('Accept', BROWSER).type('form').send({ otp: code, _csrf: csrfFrom(page.text) }).expect(303);
    await agent.get(`${base}/invoices`).set('Accept', BROWSER).expect(200);
  });

  it('mails in the user’s own locale, whatever the page’s', async () => {
    const { user, agent } = await start();
    await env.pm.users.update(user.user.id, { locale: 'uk' });
    const page = await agent.get(`${base}/invoices`).set('Accept', BROWSER).set('Accept-Language', 'fr').expect(401);
    expect(page.text).toContain('<h1>Saisissez votre code</h1>');
    const mail = await env.world.smtp.waitForMail(user.email);
    expect(mail.subject).toMatch(/^\d{6} — ваш код для входу в /);
    expect(mail.text).toContain('перестане діяти через 5 хвилин');
  });

  it('falls back to English for a header naming none of its languages, or none at all', async () => {
    const { agent } = await start();
    const page = await agent.get(`${base}/invoices`).set('Accept', BROWSER).set('Accept-Language', 'ja,zh;q=0.9').expect(401);
    expect(page.headers['content-language']).toBe('en');
    expect(page.text).toContain('<h1>Enter your code</h1>');
    const none = await agent.get(`${base}/invoices`).set('Accept', BROWSER).expect(401);
    expect(none.text).toContain('<html lang="en">');
  });

  it('keeps JSON answers in their stable codes, with no Content-Language', async () => {
    const { agent } = await start();
    const res = await agent.get(`${base}/invoices`).set('Accept-Language', 'uk').expect(401);
    expect(res.body).toMatchObject({ error: 'otp_required' });
    expect(res.headers['content-language']).toBeUndefined();
    expect((await agent.post(`${base}/_otp/verify`).set('Accept-Language', 'uk').send({ otp: '000000' }).expect(401)).body).toMatchObject({ error: 'invalid_otp' });
  });

  it('serves the language page.locale forces, whatever the browser asks', async () => {
    const { agent } = await start({ page: { locale: 'uk-UA' } });
    const page = await agent.get(`${base}/invoices`).set('Accept', BROWSER).set('Accept-Language', 'en-US,en;q=0.9').expect(401);
    expect(page.headers['content-language']).toBe('uk');
    expect(page.headers.vary ?? '').not.toMatch(/Accept-Language/i);
    expect(page.text).toContain('<html lang="uk">');
    expect(page.text).toContain('<h1>Введіть код</h1>');
  });

  it('serves the app’s added locale and overrides from createProtectimus({ locales })', async () => {
    const pm = env.world.make({ locales: { 'pt-BR': { codeTitle: 'Digite o seu código', verify: 'Verificar' }, es: { verify: 'Comprobar' } } });
    const { agent } = await start({}, pm);
    const pt = await agent.get(`${base}/invoices`).set('Accept', BROWSER).set('Accept-Language', 'pt-PT,pt;q=0.9').expect(401);
    expect(pt.headers['content-language']).toBe('pt-BR');
    expect(pt.text).toContain('<h1>Digite o seu código</h1>');
    const es = await agent.get(`${base}/invoices`).set('Accept', BROWSER).set('Accept-Language', 'es').expect(401);
    expect(es.text).toContain('<button type="submit">Comprobar</button>');
  });

  it('refuses an unknown page.locale when the guard is created', async () => {
    await expect(started(() => adapter.makeApp({ mount, guard: { protectimus: env.pm, resource: 'x', page: { locale: 'ja' } } }))).rejects.toThrow(/page\.locale must be a language the instance serves/);
  });
});

import { refusal } from './support/refusal';
import { seedUser, startWorld, STORE_KINDS, type World } from './support/protectimus';

// The code mail in the user's language (docs/design.md, "Languages"), over real SMTP, on both
// stores: the user's `locale` first, else the page's, else English.

describe.each(STORE_KINDS)('mail language (%s store)', (kind) => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld(kind);
  });
  afterAll(async () => {
    await world.close();
  });

  it('follows the user’s locale, whatever the page’s: subject, text and <html lang>', async () => {
    const pm = world.make();
    const s = await seedUser(pm);
    await pm.users.update(s.user.id, { locale: 'uk-UA' });
    await pm.prepare({ resource: s.resource.id, login: s.login, locale: 'de' });
    const mail = await world.smtp.waitForMail(s.email);
    const code = /\d{6}/.exec(mail.subject ?? '')?.[0] ?? '';
    expect(mail.subject).toBe(`${code} — ваш код для входу в ${s.resource.name}`);
    expect(mail.text).toContain(`Ваш код для входу в ${s.resource.name}:`);
    expect(mail.text).toContain(`Його надіслано на ваш токен «${s.login} mail». Код діє один раз і перестане діяти через 5 хвилин.`);
    expect(mail.html).toContain('<html lang="uk">');
    expect(mail.html).toContain('нікому не повідомляйте цей код');
    expect(mail.html).not.toMatch(/sign in|expires/i);
  });

  it('follows the page’s language for a user without one, and English without either', async () => {
    const pm = world.make();
    const de = await seedUser(pm);
    await pm.prepare({ resource: de.resource.id, login: de.login, locale: 'de' });
    const german = await world.smtp.waitForMail(de.email);
    expect(german.subject).toMatch(/^\d{6} ist Ihr Code für die Anmeldung bei /);
    expect(german.text).toContain('läuft in 5 Minuten ab');
    expect(german.html).toContain('<html lang="de">');

    const en = await seedUser(pm);
    await pm.prepare({ resource: en.resource.id, login: en.login });
    const english = await world.smtp.waitForMail(en.email);
    expect(english.subject).toMatch(/^\d{6} is your code to sign in to /);
    expect(english.html).toContain('<html lang="en">');
  });

  it('falls back from a user locale it does not serve to its language, then to the page’s', async () => {
    const pm = world.make();
    const s = await seedUser(pm);
    await pm.users.update(s.user.id, { locale: 'fr-CA' });
    await pm.prepare({ resource: s.resource.id, login: s.login, locale: 'es' });
    expect((await world.smtp.waitForMail(s.email)).html).toContain('<html lang="fr">');

    const t = await seedUser(pm);
    await pm.users.update(t.user.id, { locale: 'ja' });
    await pm.prepare({ resource: t.resource.id, login: t.login, locale: 'es' });
    const mail = await world.smtp.waitForMail(t.email);
    expect(mail.html).toContain('<html lang="es">');
    expect(mail.text).toContain('caduca dentro de 5 minutos');
  });

  it('uses the app’s strings: an override and an added locale', async () => {
    const pm = world.make({ locales: { uk: { mailWarning: 'Нікому не кажіть цей код.' }, pt: { mailSubject: (code: string) => `${code} é o seu código` } } });
    const s = await seedUser(pm);
    await pm.users.update(s.user.id, { locale: 'uk' });
    await pm.prepare({ resource: s.resource.id, login: s.login });
    const mail = await world.smtp.waitForMail(s.email);
    expect(mail.text).toContain('Нікому не кажіть цей код.');
    expect(mail.text).toContain('Код діє один раз');

    const p = await seedUser(pm);
    await pm.users.update(p.user.id, { locale: 'pt-BR' });
    await pm.prepare({ resource: p.resource.id, login: p.login });
    const pt = await world.smtp.waitForMail(p.email);
    expect(pt.subject).toMatch(/^\d{6} é o seu código$/);
    expect(pt.html).toContain('<html lang="pt">');
  });

  it('keeps a user’s locale: canonical, checked, cleared by null', async () => {
    const pm = world.make();
    const u = await pm.users.create({ login: `loc${Date.now()}`, locale: 'UK-ua' });
    expect(u.locale).toBe('uk-UA');
    expect((await pm.users.get(u.id)).locale).toBe('uk-UA');
    expect((await pm.users.list({ q: u.login })).items[0]?.locale).toBe('uk-UA');
    expect((await pm.users.update(u.id, { firstName: 'Олена' })).locale).toBe('uk-UA');
    expect((await pm.users.update(u.id, { locale: null })).locale).toBeNull();
    expect((await pm.users.update(u.id, { locale: 'pt-br' })).locale).toBe('pt-BR');
    expect((await pm.users.create({ login: `nol${Date.now()}` })).locale).toBeNull();
    for (const bad of ['not a tag', 'en_US!', 42, 'x'.repeat(40)]) {
      const err = await refusal(pm.users.update(u.id, { locale: bad as string }));
      expect(err).toMatchObject({ code: 'INVALID_INPUT', field: 'locale' });
    }
    expect((await pm.users.get(u.id)).locale).toBe('pt-BR');
    const err = await refusal(pm.prepare({ resource: 'x', login: 'y', locale: 'not a tag' }));
    expect(err).toMatchObject({ code: 'INVALID_INPUT', field: 'locale' });
  });
});

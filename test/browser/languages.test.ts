/**
 * The end user's languages in a real browser (docs/design.md, "Languages"): both demos' code page
 * for a browser set to Ukrainian, at 1280 and 375 px, with axe-core on each state and the page's
 * `lang` right; and the admin panel's user form setting a user's mail language.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import session from 'express-session';
import { listen, type Listening, type Site, type SiteConfig } from '@protectimus-mail/example-shared';
import type { Browser, Page } from 'playwright-core';
import { systemClock, type Protectimus } from '../../packages/core/src/protectimus';
import { startWorld, type World } from '../../packages/core/test/support/protectimus';
import { protectimusAdmin } from '../../packages/express/src/admin';
import { createSite as createExpressSite } from '../../examples/express-app/src/app';
import { createSite as createKoaSite } from '../../examples/koa-app/src/app';
import { testConfig } from '../../examples/shared/test/site-helpers';
import { axeViolations } from './support/axe';
import { launchChromium, SLOW } from './support/chromium';
import { codeFromInbox, pathOf, signIn, wrongCode } from './support/visitor';

const SCREENSHOT = path.join(__dirname, '..', '..', 'docs', 'code-page-uk.png');

/** Written when missing or asked for (UPDATE_SCREENSHOTS=1), so an ordinary run leaves the docs untouched. */
async function keepScreenshot(png: Buffer): Promise<void> {
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  if (existsSync(SCREENSHOT) && process.env.UPDATE_SCREENSHOTS !== '1') return;
  await mkdir(path.dirname(SCREENSHOT), { recursive: true });
  await writeFile(SCREENSHOT, png);
}

/** Runs an expression in the page; a string, so this Node-typed file needs no DOM types. */
const inPage = <T>(page: Page, expression: string): Promise<T> => page.evaluate(expression) as Promise<T>;

interface ExampleSite {
  name: string;
  createSite: (config: SiteConfig) => Promise<Site<unknown>>;
  screenshot: boolean;
}

const SITES: ExampleSite[] = [
  { name: 'Express', createSite: createExpressSite, screenshot: true },
  { name: 'Koa', createSite: createKoaSite, screenshot: false },
];

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
}, SLOW);

afterAll(async () => {
  await browser?.close();
});

describe.each(SITES)('the $name demo in Ukrainian', ({ createSite, screenshot }) => {
  let site: Site<unknown>;
  let web: Listening;

  beforeAll(async () => {
    site = await createSite(testConfig());
    web = await listen(site.handler, 0, '127.0.0.1');
  }, SLOW);

  afterAll(async () => {
    await web?.close();
    await site?.close();
  });

  test.each([
    { width: 1280, height: 900 },
    { width: 375, height: 740 },
  ])(
    'bob, his browser set to uk-UA, at $width px: the code page and a wrong code in Ukrainian, lang="uk", no axe violation, nothing wider than the screen',
    async (viewport) => {
      // A profile whose Accept-Language is uk-UA, as a Ukrainian browser sends it; the CSP is
      // bypassed only so axe's script may run (the CSP itself is checked by the other journeys).
      const context = await browser.newContext({ viewport, deviceScaleFactor: 2, baseURL: web.url, locale: 'uk-UA', bypassCSP: true });
      const page = await context.newPage();
      try {
        await page.goto('/account/settings');
        await signIn(page, 'bob', 'bob-password');
        await page.waitForURL('**/account/settings');
        expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Введіть код для «Account settings»');
        expect(await inPage<string>(page, 'document.documentElement.lang')).toBe('uk');
        const main = await page.locator('main').innerText();
        expect(main).toContain('Ми надіслали 8\u2011значний код на b***@example.com для вашого токена «Bob mail».');
        expect(main).toContain('Код перестане діяти через 5 хвилин.');
        expect(main).toContain('Введіть свій PIN, а одразу за ним — 8\u2011значний код, без пробілів між ними.');
        expect(main).not.toMatch(/Enter your code|Send a new code|Verify/);
        expect(await page.getByRole('button', { name: 'Надіслати новий код' }).isDisabled()).toBe(true);
        expect(await page.getByRole('link', { name: 'Повернутися на сайт' }).count()).toBe(1);
        expect(await axeViolations(page)).toEqual([]);
        expect(await inPage<number>(page, 'document.documentElement.scrollWidth - window.innerWidth')).toBeLessThanOrEqual(0);
        if (screenshot && viewport.width === 375) await keepScreenshot(await page.screenshot({ fullPage: true }));

        // The code mailed for this page is in Ukrainian too (bob has no locale of his own).
        const code = await codeFromInbox(context, 'bob@example.com', 8);
        await page.getByLabel('PIN і код').fill(`2468${wrongCode(code)}`);
        await page.getByRole('button', { name: 'Підтвердити' }).click();
        await page.waitForURL('**/account/settings');
        expect(await page.getByRole('alert').innerText()).toBe('Код неправильний. Залишилося 2 спроби.');
        expect(await page.locator('#otp').getAttribute('aria-invalid')).toBe('true');
        expect(await axeViolations(page)).toEqual([]);

        await page.getByLabel('PIN і код').fill(`2468${code}`);
        await page.getByRole('button', { name: 'Підтвердити' }).click();
        await page.waitForURL('**/account/settings');
        expect(pathOf(page)).toBe('/account/settings');
        expect(await page.getByRole('heading', { level: 1 }).innerText()).not.toBe('Введіть код');
      } finally {
        await context.close();
      }
    },
    SLOW,
  );
});

describe('the admin panel sets a user’s mail language', () => {
  let world: World;
  let pm: Protectimus;
  let server: Server;
  let baseURL: string;

  beforeAll(async () => {
    world = await startWorld('redis');
    pm = world.make({ clock: systemClock, locales: { 'pt-BR': { verify: 'Verificar' } } }, true);
    const app = express();
    app.use(session({ secret: 'languages-browser-test', resave: false, saveUninitialized: false }));
    app.get('/sign-in', (req, res) => {
      (req.session as unknown as { admin?: boolean }).admin = true;
      res.redirect(303, '/admin/users');
    });
    app.use('/admin', protectimusAdmin({ protectimus: pm, authorize: (req) => (req.session as unknown as { admin?: boolean }).admin === true }));
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, SLOW);

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await world?.close();
  });

  test(
    'Add User with a mail language, the list shows it, Edit shows it selected and clears it; the choices are the instance’s locales',
    async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL, bypassCSP: true });
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      try {
        await page.goto('/sign-in');
        await page.getByRole('button', { name: 'Add User' }).click();
        const dialog = page.locator('#dlg-user');
        const language = dialog.getByLabel('Mail language');
        const choices = await language.locator('option').allInnerTexts();
        expect(choices).toEqual(['The page’s language', 'English (en)', 'Ukrainian (uk)', 'German (de)', 'Spanish (es)', 'French (fr)', 'Brazilian Portuguese (pt-BR)']);
        expect(await axeViolations(page)).toEqual([]);
        await dialog.getByLabel('Login').fill('olena');
        await dialog.getByLabel('Email').fill('olena@example.com');
        await language.selectOption('uk');
        await dialog.getByRole('button', { name: 'Save' }).click();
        const row = page.locator('#list tbody tr', { hasText: 'olena' });
        await row.waitFor();
        expect(await row.locator('td[data-label="Mail language"]').innerText()).toBe('uk');
        const olena = (await pm.users.list({ q: 'olena' })).items[0];
        expect(olena?.locale).toBe('uk');

        await page.getByRole('button', { name: 'Edit user olena' }).click();
        expect(await language.inputValue()).toBe('uk');
        await language.selectOption('');
        await dialog.getByRole('button', { name: 'Save' }).click();
        await row.locator('td[data-label="Mail language"]', { hasText: 'The page’s' }).waitFor();
        expect((await pm.users.get(olena?.id ?? '')).locale).toBeNull();

        // A tag set through the API that the instance does not serve stays the user's when edited.
        await pm.users.update(olena?.id ?? '', { locale: 'ja' });
        await page.reload();
        await page.getByRole('button', { name: 'Edit user olena' }).click();
        expect(await language.inputValue()).toBe('ja');
        await dialog.getByLabel('First name').fill('Olena');
        await dialog.getByRole('button', { name: 'Save' }).click();
        await row.locator('td', { hasText: 'Olena' }).first().waitFor();
        expect((await pm.users.get(olena?.id ?? '')).locale).toBe('ja');
      } finally {
        await context.close();
      }
    },
    SLOW,
  );
});

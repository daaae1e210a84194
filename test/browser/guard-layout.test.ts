/**
 * The guard's `page` option in a real browser (docs/design.md, "The guard's pages in the app's
 * look"): each demo site's code page inside the site's own header and footer (its `page.layout`),
 * at 1280 and 375 px, with the site's stylesheet applied, no CSP violation, axe-core clean (WCAG
 * 2.1 A and AA), and the layout's links and forms working; and the guard's own shell with a brand,
 * an accent and the Cancel and Sign out links, on both adapters.
 */
import type { RequestListener } from 'node:http';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { listen as listenSite, type Listening, type Site, type SiteConfig } from '@protectimus-mail/example-shared';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createSite as createExpressSite } from '../../examples/express-app/src/app';
import { createSite as createKoaSite } from '../../examples/koa-app/src/app';
import { testConfig } from '../../examples/shared/test/site-helpers';
import { systemClock, type Protectimus } from '../../packages/core/src/protectimus';
import { adapters, listen, PASSWORD, seedUser, startWorld, type World } from '../conformance/harness';
import { axeContext, axeViolations } from './support/axe';
import { launchChromium, SLOW } from './support/chromium';
import { codeFromInbox, newVisitor, pathOf, signIn } from './support/visitor';

const SCREENSHOT = path.join(__dirname, '..', '..', 'docs', 'code-page-layout.png');

/** Written when missing or asked for (`UPDATE_SCREENSHOTS=1`), so an ordinary run leaves the docs untouched. */
async function keepScreenshot(png: Buffer): Promise<void> {
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  if (existsSync(SCREENSHOT) && process.env.UPDATE_SCREENSHOTS !== '1') return;
  await mkdir(path.dirname(SCREENSHOT), { recursive: true });
  await writeFile(SCREENSHOT, png);
}

/** Runs an expression in the page; a string, so this Node-typed file needs no DOM types. */
const inPage = <T>(page: Page, expression: string): Promise<T> => page.evaluate(expression) as Promise<T>;
const computed = (page: Page, selector: string, property: string) =>
  inPage<string>(page, `getComputedStyle(document.querySelector(${JSON.stringify(selector)})).getPropertyValue(${JSON.stringify(property)})`);
/** Whether the page is wider than the window: a phone would scroll sideways. */
const overflows = (page: Page) => inPage<boolean>(page, 'document.documentElement.scrollWidth > window.innerWidth');

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
}, SLOW);

afterAll(async () => {
  await browser?.close();
});

const SITES: { name: string; createSite: (config: SiteConfig) => Promise<Site<unknown>>; screenshot: boolean }[] = [
  { name: 'Express', createSite: createExpressSite, screenshot: true },
  { name: 'Koa', createSite: createKoaSite, screenshot: false },
];

const VIEWPORTS = [
  { width: 1280, height: 900 },
  { width: 375, height: 740 },
];

describe.each(SITES)("the $name demo: the code page inside the site's layout", ({ createSite, screenshot }) => {
  let site: Site<unknown>;
  let web: Listening;

  beforeAll(async () => {
    site = await createSite(testConfig());
    web = await listenSite(site.handler, 0, '127.0.0.1');
  }, SLOW);

  afterAll(async () => {
    await web?.close();
    await site?.close();
  });

  /** bob signed in with his password, on the code page of /account/settings. */
  async function atCodePage(page: Page): Promise<void> {
    await page.goto('/account/settings');
    await signIn(page, 'bob', 'bob-password');
    await page.waitForURL('**/account/settings');
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Enter your code for Account settings');
  }

  test.each(VIEWPORTS)(
    'at $width px: header, footer and stylesheet of the site, no CSP violation, no sideways scroll; its links and sign-out work, and so does the code',
    async (viewport) => {
      const { context, page, problems } = await newVisitor(browser, web.url, viewport);
      try {
        const answer = page.waitForResponse((res) => new URL(res.url()).pathname === '/account/settings' && res.request().method() === 'GET' && res.status() === 401);
        await atCodePage(page);
        const csp = (await answer).headers()['content-security-policy'] ?? '';
        expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[^']+' 'self'; img-src data:;/);

        // The site's header (with who is signed in and the sign-out button) and its footer.
        const header = page.locator('body > header');
        await expect(header.getByRole('link', { name: 'Example Co.' }).isVisible()).resolves.toBe(true);
        await expect(header.getByRole('button', { name: 'Sign out bob' }).isVisible()).resolves.toBe(true);
        await expect(page.locator('body > footer').innerText()).resolves.toContain('Example Co. · a protectimus-mail demo');
        // The guard's content sits in the site's <main>.
        expect(await page.locator('body > main.narrow > .pm-guard #otp').count()).toBe(1);
        // The site's stylesheet is loaded (allowed by styleSrc) and wins over the guard's own rules.
        expect(await computed(page, 'body > header', 'background-color')).toBe('rgb(17, 24, 39)');
        expect(await computed(page, '#otp', 'font-size')).toBe('18px');
        // The guard's style still gives what the site has not styled.
        expect(await computed(page, '.resend', 'border-top-style')).toBe('solid');
        expect(await overflows(page)).toBe(false);

        if (screenshot && viewport.width === 1280) await keepScreenshot(await page.screenshot({ fullPage: true }));

        // The site's links work from the guard's page: home, then back to the code page (the open code reused).
        await header.getByRole('link', { name: 'Example Co.' }).click();
        await page.waitForURL((url) => url.pathname === '/');
        await page.goto('/account/settings');
        await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Enter your code for Account settings');
        await expect(page.getByRole('link', { name: 'Back to the site' }).getAttribute('href')).resolves.toBe('/');

        if (viewport.width === 1280) {
          // The code typed in the layout's form passes.
          await page.getByLabel('PIN and code').fill(`2468${await codeFromInbox(context, 'bob@example.com', 8)}`);
          await page.getByRole('button', { name: 'Verify' }).click();
          await page.waitForURL('**/account/settings');
          await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Account settings');
        } else {
          // The site's sign-out form (its own CSRF token, drawn by the layout) works from the guard's page.
          await page.getByRole('button', { name: 'Sign out bob' }).click();
          await page.waitForURL((url) => url.pathname === '/');
          await expect(page.getByRole('link', { name: 'Sign in' }).isVisible()).resolves.toBe(true);
          await page.goto('/account/settings');
          expect(pathOf(page)).toBe('/sign-in?next=%2Faccount%2Fsettings');
        }
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    },
    SLOW,
  );

  test.each(VIEWPORTS)(
    'at $width px: axe-core finds no WCAG 2.1 A/AA violation on the code page in the layout',
    async (viewport) => {
      const context = await axeContext(browser, web.url, viewport);
      try {
        const page = await context.newPage();
        await atCodePage(page);
        expect(await axeViolations(page)).toEqual([]);
      } finally {
        await context.close();
      }
    },
    SLOW,
  );
});

describe.each(adapters)("$name: the guard's own shell with a brand, an accent, Cancel and Sign out", (adapter) => {
  let world: World;
  let pm: Protectimus;
  const servers: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    world = await startWorld('redis');
    pm = world.make({ clock: systemClock }, true);
  }, SLOW);

  afterAll(async () => {
    for (const server of servers) await server.close();
    await world?.close();
  });

  async function serve(app: RequestListener): Promise<string> {
    const server = await listen(app);
    servers.push(server);
    return server.url;
  }

  async function signedIn(context: BrowserContext, baseURL: string, login: string): Promise<Page> {
    const res = await context.request.post(`${baseURL}/login`, { data: { login, password: PASSWORD } });
    expect(res.status()).toBe(200);
    const page = await context.newPage();
    await page.goto('/billing/invoices');
    return page;
  }

  test.each(VIEWPORTS)(
    'at $width px: the brand heads the page, the accent colours the button, both links lead where the app said; no CSP violation, axe clean',
    async (viewport) => {
      const user = await seedUser(pm, { resource: { displayName: 'Billing <Pro>' } });
      const baseURL = await serve(
        adapter.makeApp({
          guard: {
            protectimus: pm,
            resource: user.resource.name,
            page: { brand: { name: 'Acme <Pay>', accent: '#0f5132' }, cancelUrl: '/me?from=otp', signOutUrl: '/me?signed=out' },
          },
        }),
      );
      const { context, page: first, problems } = await newVisitor(browser, baseURL, viewport);
      try {
        await first.close();
        const page = await signedIn(context, baseURL, user.login);
        await expect(page.getByRole('banner').innerText()).resolves.toBe('Acme <Pay>');
        await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Enter your code for Billing <Pro>');
        expect(await computed(page, 'button[type="submit"]', 'background-color')).toBe('rgb(15, 81, 50)');
        expect(await overflows(page)).toBe(false);
        await page.getByRole('link', { name: 'Cancel' }).click();
        await page.waitForURL((url) => url.pathname === '/me' && url.search === '?from=otp');
        await page.goto('/billing/invoices');
        await page.getByRole('link', { name: 'Sign out' }).click();
        await page.waitForURL((url) => url.pathname === '/me' && url.search === '?signed=out');
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }

      const axe = await axeContext(browser, baseURL, viewport);
      try {
        const page = await signedIn(axe, baseURL, user.login);
        expect(await axeViolations(page)).toEqual([]);
      } finally {
        await axe.close();
      }
    },
    SLOW,
  );
});

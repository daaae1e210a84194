/**
 * The Koa example site in a real browser: Debian's Chromium driven by playwright-core, the site in
 * this process on a free port, with the memory store and the in-process dev inbox.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createSite, type Site } from '../../examples/koa-app/src/app';
import { listen, type Listening } from '../../examples/koa-app/src/server';
import { configFromEnv } from '../../examples/koa-app/src/shared';

const CHROMIUM = '/usr/bin/chromium';
const SLOW = 60_000;

let site: Site;
let web: Listening;
let browser: Browser;

beforeAll(async () => {
  // A missing browser is a failure, never a skip: a green run must mean the pages were seen.
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}; install it (apt-get install chromium). These tests never download a browser.`);
  }
  // An empty environment: memory store and dev inbox, whatever REDIS_URL or SMTP_URL this shell has.
  site = await createSite({ ...configFromEnv({}), port: 0, protectimusSecret: 'browser-test-secret-0123456789' });
  web = await listen(site.app.callback(), 0, '127.0.0.1');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}, SLOW);

afterAll(async () => {
  await browser?.close();
  await web?.close();
  await site?.close();
});

/** A fresh browser profile that records CSP violations and script errors. */
async function newVisitor(): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 800, height: 700 }, baseURL: web.url });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) problems.push(msg.text());
  });
  page.on('pageerror', (err) => problems.push(err.message));
  return { context, page, problems };
}

/** Reads the newest code mailed to `to` in the dev inbox, as a person would: in another tab. */
async function codeFromInbox(context: BrowserContext, to: string, digits: number): Promise<string> {
  const inbox = await context.newPage();
  try {
    await inbox.goto('/dev/inbox');
    const mail = inbox.locator('article.mail', { has: inbox.locator('.to', { hasText: to }) }).first();
    const text = await mail.locator('pre').innerText();
    const code = new RegExp(`\\b(\\d{${digits}})\\b`).exec(text)?.[1];
    if (!code) throw new Error(`no ${digits}-digit code in the newest mail to ${to}:\n${text}`);
    return code;
  } finally {
    await inbox.close();
  }
}

function pathOf(page: Page): string {
  const url = new URL(page.url());
  return url.pathname + url.search;
}

/** The same length, one digit changed: certainly wrong. */
function wrongCode(code: string): string {
  const last = Number(code.slice(-1));
  return code.slice(0, -1) + String((last + 1) % 10);
}

async function signIn(page: Page, login: string, password: string): Promise<void> {
  await page.getByLabel('Login').fill(login);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test(
  'bob on Koa: password, then PIN + 8-digit code, a wrong code first, and back to the page he asked for',
  async () => {
    const { context, page, problems } = await newVisitor();
    try {
      await page.goto('/account/settings');
      expect(pathOf(page)).toBe('/sign-in?next=%2Faccount%2Fsettings');

      await signIn(page, 'bob', 'bob-password');
      await page.waitForURL('**/account/settings');
      await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Enter your code');
      const intro = await page.locator('main').innerText();
      expect(intro).toContain('b***@example.com');
      expect(intro).toContain('Type your PIN, then the 8-digit code, with nothing between them.');

      const code = await codeFromInbox(context, 'bob@example.com', 8);

      await page.getByLabel('PIN and code').fill(`2468${wrongCode(code)}`);
      await page.getByRole('button', { name: 'Verify' }).click();
      await expect(page.getByRole('alert').innerText()).resolves.toBe('That code is not right. 2 attempts left.');
      await expect(page.locator('main').innerText()).resolves.toContain('b***@example.com');

      await page.getByLabel('PIN and code').fill(`2468${code}`);
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL('**/account/settings');
      await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Account settings');
      const settings = await page.locator('main').innerText();
      expect(settings).toContain('Bob mail');
      expect(settings).toContain('8-digit code, PIN typed before it');

      // Verified for the whole area: another page under /account asks for no new code.
      await page.goto('/account');
      await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Hello, Bob Example');
      expect(site.inbox?.list().filter((m) => m.to.includes('bob@example.com'))).toHaveLength(1);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  },
  SLOW,
);

test(
  'alice on Koa: password, then a 6-digit code with no PIN; signing out closes the area again',
  async () => {
    const { context, page, problems } = await newVisitor();
    try {
      await page.goto('/');
      await page.getByRole('link', { name: 'Account', exact: true }).click();
      expect(pathOf(page)).toBe('/sign-in?next=%2Faccount');

      await signIn(page, 'alice', 'wrong-password');
      await expect(page.getByRole('alert').innerText()).resolves.toBe('Wrong login or password.');
      await signIn(page, 'alice', 'alice-password');
      await page.waitForURL('**/account');
      const intro = await page.locator('main').innerText();
      expect(intro).toContain('a***e@example.com');
      expect(intro).toContain('Type the 6-digit code.');

      const code = await codeFromInbox(context, 'alice@example.com', 6);
      await page.getByLabel('Code', { exact: true }).fill(code);
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL('**/account');
      await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Hello, Alice Example');

      await page.getByRole('button', { name: 'Sign out alice' }).click();
      await page.waitForURL((url) => url.pathname === '/');
      await page.goto('/account');
      expect(pathOf(page)).toBe('/sign-in?next=%2Faccount');

      // Signing in again asks for a code again: signing out ended the verification too.
      await signIn(page, 'alice', 'alice-password');
      await page.waitForURL('**/account');
      await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Enter your code');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  },
  SLOW,
);

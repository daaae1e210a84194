/**
 * The dev inbox in a real browser: a signed-in user on a guarded page opens the inbox, reads the
 * code there (a page under its strict CSP, nothing blocked, everything escaped), types it into the
 * guard's form and reaches the page. Built on the development mail sink, as an app with no
 * SMTP_URL is.
 */
import express from 'express';
import session from 'express-session';
import type { Browser } from 'playwright-core';
import { createProtectimus, DevMailSink, MemoryStore, type Protectimus } from '@protectimus-mail/core';
import { protectimusDevInbox, protectimusMail } from '@protectimus-mail/express';
import { listen, SECRET } from '../conformance/harness';
import { launchChromium, SLOW } from './support/chromium';

let browser: Browser;
let pm: Protectimus;
let site: { url: string; close(): Promise<void> };

beforeAll(async () => {
  browser = await launchChromium();
  pm = createProtectimus({ store: new MemoryStore(), mail: new DevMailSink({ log: false }), secret: SECRET });
  const user = await pm.users.create({ login: 'alice', email: 'alice@example.com' });
  const token = await pm.users.createAndAssignToken(user.id, { name: '<i>Alice</i> mail', email: 'alice@example.com' });
  const billing = await pm.resources.create({ name: 'billing' });
  await pm.resources.assignTokenWithUser(billing.id, token.id);

  const app = express();
  app.use(session({ secret: 'browser-test-session', resave: false, saveUninitialized: false }));
  app.get('/login', (req, res) => {
    (req.session as unknown as { login: string }).login = 'alice';
    res.redirect('/billing');
  });
  app.use(protectimusMail({ protectimus: pm, resource: 'billing', area: '/billing', user: (req) => (req.session as unknown as { login?: string }).login }));
  app.get('/billing', (_req, res) => {
    res.send('<h1>Billing</h1>');
  });
  app.get('/dev/inbox', protectimusDevInbox({ protectimus: pm }));
  site = await listen(app);
}, SLOW);

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await pm?.close();
});

it('shows the code on a page the browser renders under its CSP, and that code opens the guarded page', async () => {
  const context = await browser.newContext({ baseURL: site.url });
  const page = await context.newPage();
  const blocked: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) blocked.push(m.text());
  });
  await page.goto('/login');
  expect(new URL(page.url()).pathname).toBe('/billing');
  await expect(page.locator('h1').textContent()).resolves.toBe('Enter your code');

  const inbox = await context.newPage();
  inbox.on('console', (m) => void blocked.push(m.text()));
  await inbox.goto('/dev/inbox');
  await expect(inbox.locator('h1').textContent()).resolves.toBe('Dev inbox');
  // The token's name is shown as text, not markup.
  expect(await inbox.locator('i').count()).toBe(0);
  await expect(inbox.locator('main').textContent()).resolves.toContain('<i>Alice</i> mail');
  const code = (await inbox.locator('li strong').first().textContent()) ?? '';
  expect(code).toMatch(/^\d{6}$/);
  // The page's one stylesheet applies (its hash is in the CSP): main is a white card.
  // A string, evaluated in the page: the tests' TypeScript has no DOM library.
  await expect(inbox.evaluate("getComputedStyle(document.querySelector('main')).backgroundColor")).resolves.toBe('rgb(255, 255, 255)');

  await page.fill('#otp', code);
  await page.click('button[type=submit] >> text=Verify');
  await page.waitForURL('**/billing');
  await expect(page.locator('h1').textContent()).resolves.toBe('Billing');
  expect(blocked).toEqual([]);
  await context.close();
}, SLOW);

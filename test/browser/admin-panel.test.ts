/**
 * The admin panel in a real browser: Debian's Chromium driven by playwright-core, against a small
 * Express app built here (sessions, a stub first factor, `protectimusAdmin` at /admin and the
 * `protectimusMail` guard at /billing), codes read from a real SMTP server.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import session from 'express-session';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { systemClock, type Protectimus } from '../../packages/core/src/protectimus';
import { startWorld, type World } from '../../packages/core/test/support/protectimus';
import { protectimusAdmin } from '../../packages/express/src/admin';
import { protectimusMail } from '../../packages/express/src';
import { axeContext, axeViolations } from './support/axe';

const CHROMIUM = '/usr/bin/chromium';
const DOCS = path.join(__dirname, '..', '..', 'docs');
const SLOW = 90_000;
const XSS = '<img src=x onerror=alert(1)>';

interface SignedIn {
  login: string;
  role: 'admin' | 'user';
}

declare module 'express-session' {
  interface SessionData {
    who?: SignedIn;
  }
}

let world: World;
let pm: Protectimus;
let server: Server;
let baseURL: string;
let browser: Browser;

/** The app under test: `/sign-in/:login` stands in for the first factor (`root` is the admin). */
function buildApp(): express.Express {
  const app = express();
  app.use(session({ secret: 'admin-panel-browser-test', resave: false, saveUninitialized: false }));
  app.get('/sign-in/:login', (req, res) => {
    const login = String(req.params.login);
    req.session.who = { login, role: login === 'root' ? 'admin' : 'user' };
    res.redirect(303, String(req.query.next ?? '/'));
  });
  // What the guard does when it grants a verification: the session's CSRF token is dropped.
  app.post('/drop-csrf', (req, res) => {
    const state = (req.session as unknown as { protectimus?: { csrf?: string } }).protectimus;
    if (state) delete state.csrf;
    res.status(204).end();
  });
  app.use((req, _res, next) => {
    (req as { user?: SignedIn }).user = req.session.who;
    next();
  });
  app.use('/admin', protectimusAdmin({ protectimus: pm, authorize: (req) => (req as { user?: SignedIn }).user?.role === 'admin' }));
  app.use('/billing', protectimusMail({ protectimus: pm, resource: 'billing' }), (req, res) => {
    res.type('html').send('<!doctype html><title>Billing</title><h1>Billing</h1>');
  });
  return app;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}; install it (apt-get install chromium). These tests never download a browser.`);
  }
  world = await startWorld('redis');
  pm = world.make({ clock: systemClock }, true);
  server = buildApp().listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}, SLOW);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  await world?.close();
});

/** A fresh profile signed in as `login`, recording CSP violations, script errors and alert() calls. */
async function visitor(login: string, viewport = { width: 1280, height: 800 }): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, baseURL });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (/Content Security Policy|Refused to|pattern/i.test(msg.text())) problems.push(msg.text());
  });
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('dialog', (dialog) => {
    problems.push(`a script opened a ${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await page.goto(`/sign-in/${login}`);
  return { context, page, problems };
}

function row(page: Page, text: string): Locator {
  return page.locator('#list tbody tr', { hasText: text });
}

/** Writes a screenshot under docs/ when missing or when asked, so a test run leaves the docs alone. */
async function keepScreenshot(name: string, png: Buffer): Promise<void> {
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  const file = path.join(DOCS, name);
  if (existsSync(file) && process.env.UPDATE_SCREENSHOTS !== '1') return;
  await mkdir(DOCS, { recursive: true });
  await writeFile(file, png);
}

/** Runs an expression in the page; a string, so this Node-typed file needs no DOM types. */
const inPage = <T>(page: Page, expression: string): Promise<T> => page.evaluate(expression) as Promise<T>;
const focusedText = (page: Page) => inPage<string>(page, "(document.activeElement?.textContent ?? '').trim()");
const focusedId = (page: Page) => inPage<string>(page, 'document.activeElement?.id');
const focusedLabel = (page: Page) => inPage<string | null>(page, "document.activeElement?.getAttribute('aria-label')");
const isOpen = (page: Page, dialog: string) => inPage<boolean>(page, `document.querySelector('${dialog}').open`);

test(
  "an admin follows the seed's steps (Mail token with a PIN after the OTP, user, resource, assign), then that user passes the guard",
  async () => {
    // Some neighbours, so the Tokens page looks like one in use.
    const bob = await pm.users.create({ login: 'bob', email: 'bob@example.com', firstName: 'Bob' });
    const bobToken = await pm.users.createAndAssignToken(bob.id, { name: 'Bob mail', email: 'bob@example.com', otpLength: 8, pin: '2468', pinPosition: 'before' });
    const carolToken = await pm.tokens.createMail({ name: 'Carol mail', email: 'carol@example.com' });
    await pm.tokens.block(carolToken.id, { minutes: 30 });
    void bobToken;

    const { context, page, problems } = await visitor('root', { width: 1280, height: 900 });
    try {
      // 1. The Tokens page.
      await page.goto('/admin/');
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Tokens');
      await row(page, 'Carol mail').waitFor();
      expect(await row(page, 'Carol mail').innerText()).toMatch(/Blocked by an administrator until/);

      // 2. Add Token -> Software tokens -> Protectimus MAIL.
      await page.getByRole('button', { name: 'Add Token' }).click();
      const add = page.locator('#dlg-add-token');
      await add.getByRole('button', { name: /^Software tokens/ }).click();
      await add.getByRole('button', { name: /^Protectimus MAIL/ }).click();

      // 3. Token Name, Email Address, One-time Password Length, PIN after the OTP; Save.
      await add.getByLabel('Token Name').fill('Alice mail');
      await add.getByLabel('Email Address').fill('alice@example.com');
      await add.getByLabel('8 digits').check();
      await add.getByLabel('Use a PIN code with this token').check();
      await add.getByLabel('PIN', { exact: true }).fill('7391');
      await add.getByLabel('PIN after the OTP').check();
      await keepScreenshot('admin-add-token.png', await page.screenshot());
      await add.getByRole('button', { name: 'Save' }).click();
      await row(page, 'Alice mail').waitFor();
      expect(await isOpen(page, '#dlg-add-token')).toBe(false);
      const aliceRow = await row(page, 'Alice mail').innerText();
      expect(aliceRow).toContain('alice@example.com');
      expect(aliceRow).toContain('8 digits');
      expect(aliceRow).toContain('PIN after the OTP');
      expect(aliceRow).not.toContain('7391');
      await keepScreenshot('admin-tokens.png', await page.screenshot({ fullPage: true }));

      // 4. Users -> (a new user) -> Assign Token -> Existing -> the token -> Assign.
      await page.getByRole('link', { name: 'Users' }).click();
      await page.getByRole('button', { name: 'Add User' }).click();
      const userDialog = page.locator('#dlg-user');
      await userDialog.getByLabel('Login').fill('alice');
      await userDialog.getByLabel('Email').fill('alice@example.com');
      await userDialog.getByLabel('First name').fill('Alice');
      await userDialog.getByRole('button', { name: 'Save' }).click();
      await row(page, 'alice').waitFor();
      await page.getByRole('button', { name: 'Assign Token to alice' }).click();
      const assign = page.locator('#dlg-assign-token');
      await assign.getByRole('tab', { name: 'Existing' }).click();
      await assign.locator('#existing-token option', { hasText: 'Alice mail' }).waitFor({ state: 'attached' });
      await assign.getByLabel('Token', { exact: true }).selectOption({ label: 'Alice mail (alice@example.com)' });
      await assign.getByRole('button', { name: 'Assign' }).click();
      await row(page, 'Alice mail').waitFor();
      expect(await row(page, 'alice@example.com').innerText()).toContain('Alice mail');

      // 5. Resources -> (a new resource) -> Assign -> Token with User -> tick -> Assign.
      await page.getByRole('link', { name: 'Resources' }).click();
      await page.getByRole('button', { name: 'Add Resource' }).click();
      const resDialog = page.locator('#dlg-resource');
      await resDialog.getByLabel('Resource Name').fill('billing');
      await resDialog.getByLabel('Display name').fill('Billing & invoices');
      await resDialog.getByRole('button', { name: 'Save' }).click();
      await row(page, 'billing').waitFor();
      expect(await row(page, 'billing').innerText()).toContain('Billing & invoices');
      await page.getByRole('button', { name: 'Assign to billing' }).click();
      const assignRes = page.locator('#dlg-assign');
      await assignRes.getByRole('button', { name: /^Token with User/ }).click();
      await assignRes.getByLabel('Alice mail — alice').check();
      expect(await assignRes.getByLabel('Bob mail — bob').isChecked()).toBe(false);
      await assignRes.getByRole('button', { name: 'Assign' }).click();
      await row(page, 'Alice mail — alice').waitFor();
      expect(await page.locator('#notice').innerText()).toContain('assigned to billing');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }

    // 6. Alice opens /billing: the guard mails a code; she types code then PIN, and is in.
    const alice = await visitor('alice');
    try {
      await alice.page.goto('/billing/');
      // The resource's display name, set in the panel, names it on the code page.
      expect(await alice.page.getByRole('heading', { level: 1 }).innerText()).toBe('Enter your code for Billing & invoices');
      expect(await alice.page.locator('main').innerText()).toContain('Type the 8-digit code, then your PIN');
      const code = world.smtp.codeFrom(await world.smtp.waitForMail('alice@example.com'));
      expect(code).toMatch(/^\d{8}$/);
      await alice.page.getByLabel('PIN and code').fill(`${code}7391`);
      await alice.page.getByRole('button', { name: 'Verify' }).click();
      await alice.page.waitForURL('**/billing/');
      expect(await alice.page.getByRole('heading', { level: 1 }).innerText()).toBe('Billing');
      // She is no admin.
      const refused = await alice.page.goto('/admin/');
      expect(refused?.status()).toBe(403);
      expect(alice.problems).toEqual([]);
    } finally {
      await alice.context.close();
    }

    // 7. The event log shows it, newest first, with a chart of what happened this hour.
    const admin = await visitor('root');
    try {
      await admin.page.goto('/admin/events');
      await row(admin.page, 'otp.verified').first().waitFor();
      const types = await admin.page.locator('#list tbody tr td:nth-child(2)').allInnerTexts();
      expect(types.indexOf('otp.verified')).toBeLessThan(types.indexOf('otp.sent'));
      expect(await admin.page.locator('#chart').innerText()).toContain('Last 24 hours: 1 sent, 1 verified, 0 failed.');
      expect(await admin.page.locator('#chart svg rect').count()).toBe(72);
      await admin.page.getByLabel('Event', { exact: true }).selectOption('otp.sent');
      await admin.page.getByRole('button', { name: 'Apply' }).click();
      // Until the filtered list is drawn, rows of other events are there. (Not waitForFunction: the CSP forbids its eval.)
      await admin.page.locator('#list tbody tr', { hasNotText: 'otp.sent' }).first().waitFor({ state: 'detached' });
      expect(await row(admin.page, 'otp.sent').count()).toBe(1);
      expect(admin.problems).toEqual([]);
    } finally {
      await admin.context.close();
    }
  },
  SLOW,
);

test(
  'the picker offers only what the resource takes, a failed batch names its tokens, enrollment switches, pending shows, the log names tokens and admins',
  async () => {
    const resource = await pm.resources.create({ name: 'picker-res' });
    const dana = await pm.users.create({ login: 'dana', email: 'dana@example.com' });
    await pm.users.createAndAssignToken(dana.id, { name: 'Dana mail', email: 'dana@example.com' });
    await pm.users.createAndAssignToken(dana.id, { name: 'Dana spare', email: 'dana.spare@example.com' });
    const erin = await pm.users.create({ login: 'erin', email: 'erin@example.com' });
    const erinToken = await pm.users.createAndAssignToken(erin.id, { name: 'Erin mail', email: 'erin@example.com' });
    await pm.resources.assignTokenWithUser(resource.id, erinToken.id);
    await pm.tokens.createMail({ name: 'Nobody mail', email: 'nobody@example.com' });
    // An app's user enrolled elsewhere: their token waits for its first right code.
    await pm.resources.create({ name: 'enroll-home', enrollment: 'allowed' });
    await pm.prepare({ resource: 'enroll-home', login: 'pendy', ip: '203.0.113.8', enroll: { email: 'pendy@example.com' } });

    const { context, page, problems } = await visitor('root');
    try {
      // Tokens: the enrolled token is pending; the others are not.
      await page.goto('/admin/');
      await row(page, 'pendy@example.com').waitFor();
      expect(await row(page, 'pendy@example.com').locator('td[data-label="Status"]').innerText()).toBe('Pending confirmation');
      expect(await row(page, 'dana.spare@example.com').locator('td[data-label="Status"]').innerText()).toBe('Active');

      // Resources -> Assign -> Token with User: only Dana's two tokens are offered.
      await page.goto('/admin/resources');
      await row(page, 'picker-res').waitFor();
      expect(await row(page, 'picker-res').locator('td[data-label="Enrollment"]').innerText()).toBe('Off');
      await page.getByRole('button', { name: 'Assign to picker-res' }).click();
      const assign = page.locator('#dlg-assign');
      await assign.getByRole('button', { name: /^Token with User/ }).click();
      await assign.getByLabel('Dana mail — dana').waitFor();
      const offered = (await assign.locator('#assign-options label').allInnerTexts()).map((t) => t.trim());
      expect(offered).toContain('Dana spare — dana');
      for (const refused of ['Erin mail', 'pendy', 'Nobody mail']) expect(offered.join('\n')).not.toContain(refused);

      // Both of Dana's at once: one goes in, the other is named with the server's reason.
      await assign.getByLabel('Dana mail — dana').check();
      await assign.getByLabel('Dana spare — dana').check();
      await assign.getByRole('button', { name: 'Assign' }).click();
      const error = assign.locator('.form-error:not([hidden])');
      await error.waitFor();
      expect(await error.locator('p').innerText()).toBe('1 assigned. 1 token was not assigned:');
      expect(await error.locator('li').allInnerTexts()).toEqual(['Dana spare — dana: the user already has a token on this resource']);
      expect(await isOpen(page, '#dlg-assign')).toBe(true);
      // What the server now refuses left the picker.
      await assign.getByLabel('Dana mail — dana').waitFor({ state: 'detached' });
      expect(await assign.getByLabel('Dana spare — dana').count()).toBe(0);
      await page.keyboard.press('Escape');
      await row(page, 'Dana mail — dana').waitFor();

      // The enrollment switch saves and shows, and the form shows it when opened again.
      await page.getByRole('button', { name: 'Edit resource picker-res' }).click();
      const form = page.locator('#dlg-resource');
      expect(await form.getByLabel('Off', { exact: true }).isChecked()).toBe(true);
      await form.getByLabel('Allowed', { exact: true }).check();
      await form.getByRole('button', { name: 'Save' }).click();
      await row(page, 'picker-res').locator('td[data-label="Enrollment"]', { hasText: 'Allowed' }).waitFor();
      expect((await pm.resources.get('picker-res')).enrollment).toBe('allowed');
      await page.getByRole('button', { name: 'Edit resource picker-res' }).click();
      expect(await form.getByLabel('Allowed', { exact: true }).isChecked()).toBe(true);
      await page.keyboard.press('Escape');

      // The log: token names, not ids; the admin's name on the panel's changes, "API" on core's.
      await page.goto('/admin/events');
      const assigned = page.locator('#list tbody tr', { hasText: 'assignment.created' }).filter({ hasText: 'Dana mail' });
      await assigned.waitFor();
      expect(await assigned.locator('td[data-label="Token"]').innerText()).toBe('Dana mail');
      expect(await assigned.locator('td[data-label="Changed by"]').innerText()).toBe('root');
      const updated = page.locator('#list tbody tr', { hasText: 'resource.updated' }).filter({ hasText: 'picker-res' });
      expect(await updated.locator('td[data-label="Changed by"]').innerText()).toBe('root');
      const erinAssigned = page.locator('#list tbody tr', { hasText: 'assignment.created' }).filter({ hasText: 'Erin mail' });
      expect(await erinAssigned.locator('td[data-label="Changed by"]').innerText()).toBe('API');
      const enrolled = page.locator('#list tbody tr', { hasText: 'token.enrolled' }).filter({ hasText: 'pendy' });
      expect(await enrolled.locator('td[data-label="Token"]').innerText()).toBe('pendy');
      expect(await enrolled.locator('td[data-label="Changed by"]').innerText()).toBe('');
      expect(await page.locator('#list').innerText()).not.toMatch(/tok_[A-Za-z0-9]/);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  },
  SLOW,
);

test(
  'the resource form edits the time window (zone and per-day ranges), the list shows it, refusals point at the field',
  async () => {
    await pm.resources.create({ name: 'window-res' });
    const { context, page, problems } = await visitor('root');
    try {
      await page.goto('/admin/resources');
      const cell = () => row(page, 'window-res').locator('td[data-label="Time window"]');
      await cell().waitFor();
      expect(await cell().innerText()).toBe('Any time');

      await page.getByRole('button', { name: 'Edit resource window-res' }).click();
      const form = page.locator('#dlg-resource');
      await form.getByLabel('Time zone').fill('Europe/Kyiv');
      await form.getByLabel('Monday').fill('08:00-12:00, 13:00-19:00');
      await form.getByLabel('Saturday').fill('22:00-6:00');
      await form.getByRole('button', { name: 'Save' }).click();
      await cell().locator('li', { hasText: 'Sat 22:00-06:00' }).waitFor();
      expect(await cell().innerText()).toBe('Europe/Kyiv\nMon 08:00-12:00, 13:00-19:00\nSat 22:00-06:00');
      expect((await pm.resources.get('window-res')).schedule).toEqual({ timeZone: 'Europe/Kyiv', days: { mon: [['08:00', '12:00'], ['13:00', '19:00']], sat: [['22:00', '06:00']] } });

      // Opened again, the form shows it; a range the panel cannot read points at its day.
      await page.getByRole('button', { name: 'Edit resource window-res' }).click();
      expect(await form.getByLabel('Time zone').inputValue()).toBe('Europe/Kyiv');
      expect(await form.getByLabel('Monday').inputValue()).toBe('08:00-12:00, 13:00-19:00');
      expect(await form.getByLabel('Tuesday').inputValue()).toBe('');
      await form.getByLabel('Tuesday').fill('9-10');
      await form.getByRole('button', { name: 'Save' }).click();
      await form.locator('.form-error:not([hidden])').waitFor();
      expect(await form.locator('.form-error').innerText()).toBe('Not a range like 08:00-12:00: "9-10".');
      expect(await form.getByLabel('Tuesday').getAttribute('aria-invalid')).toBe('true');
      expect(await focusedId(page)).toBe('res-sched-tue');
      // What the server refuses (an unknown zone) points at the zone, and nothing is stored.
      await form.getByLabel('Tuesday').fill('09:00-10:00');
      await form.getByLabel('Time zone').fill('Mars/Olympus');
      await form.getByRole('button', { name: 'Save' }).click();
      await form.locator('.form-error:not([hidden])', { hasText: 'Mars/Olympus' }).waitFor();
      expect(await form.getByLabel('Time zone').getAttribute('aria-invalid')).toBe('true');
      expect(await focusedId(page)).toBe('res-sched-zone');
      expect((await pm.resources.get('window-res')).schedule?.days.tue).toBeUndefined();

      // No zone: no time window.
      await form.getByLabel('Time zone').fill('');
      await form.getByRole('button', { name: 'Save' }).click();
      await cell().locator('text=Any time').waitFor();
      expect((await pm.resources.get('window-res')).schedule).toBeNull();
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  },
  SLOW,
);

test(
  'the Import CSV dialog takes resources on the Resources page (time windows in the compact form) and users on the Users page',
  async () => {
    await pm.resources.create({ name: 'csv-old', lockMinutes: 30 });
    const { context, page, problems } = await visitor('root');
    try {
      await page.goto('/admin/resources');
      await row(page, 'csv-old').waitFor();
      await page.getByRole('button', { name: 'Import CSV' }).click();
      const dialog = page.locator('#dlg-import');
      expect(await dialog.getByRole('heading').innerText()).toBe('Import CSV');
      expect(await dialog.locator('.import-kinds').innerText()).toMatch(/^Users: .*\nResources: A header line first: resource, .*schedule/s);
      await dialog.getByLabel('Or paste the rows').fill(
        [
          'resource,lock_minutes,schedule',
          'csv-new,15,"Europe/Kyiv mon-fri 08:00-12:00, 13:00-19:00; sat 10:00-14:00"',
          'csv-old,,Europe/Kyiv sun 25:00-26:00',
          'csv-old,,America/New_York sun 22:00-06:00',
        ].join('\n'),
      );
      await dialog.getByRole('button', { name: 'Import' }).click();
      const result = dialog.getByRole('status');
      await result.locator('text=Resources: 1 created, 1 updated.').waitFor();
      expect(await result.innerText()).toMatch(/^Resources: 1 created, 1 updated\.\s+1 row was not imported:\s+Line 3: schedule\b.*"25:00"/);
      await page.keyboard.press('Escape');
      const cell = (name: string) => row(page, name).locator('td[data-label="Time window"]');
      await cell('csv-new').waitFor();
      expect(await cell('csv-new').innerText()).toBe('Europe/Kyiv\nMon 08:00-12:00, 13:00-19:00\nTue 08:00-12:00, 13:00-19:00\nWed 08:00-12:00, 13:00-19:00\nThu 08:00-12:00, 13:00-19:00\nFri 08:00-12:00, 13:00-19:00\nSat 10:00-14:00');
      expect(await cell('csv-old').innerText()).toBe('America/New_York\nSun 22:00-06:00');
      expect(await pm.resources.get('csv-old')).toMatchObject({ lockMinutes: 30, schedule: { timeZone: 'America/New_York', days: { sun: [['22:00', '06:00']] } } });

      // The same dialog on the Users page imports a users file.
      await page.goto('/admin/users');
      await page.locator('#list table, #list .empty').first().waitFor();
      await page.getByRole('button', { name: 'Import CSV' }).click();
      await dialog.getByLabel('Or paste the rows').fill('login,email\ncsv-user,csv.user@example.com');
      await dialog.getByRole('button', { name: 'Import' }).click();
      await result.locator('text=Imported 1 user.').waitFor();
      await page.keyboard.press('Escape');
      await row(page, 'csv-user').waitFor();
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  },
  SLOW,
);

test(
  `a token named ${XSS} shows as text and runs nothing, in the list, the dialogs and the log`,
  async () => {
    const token = await pm.tokens.createMail({ name: XSS, email: 'xss@example.com' });
    const user = await pm.users.create({ login: 'mallory', firstName: '<script>alert(2)</script>', secondName: '"><svg onload=alert(3)>' });
    await pm.users.assignToken(user.id, token.id);
    const { context, page, problems } = await visitor('root');
    try {
      await page.goto('/admin/');
      await row(page, 'xss@example.com').waitFor();
      expect(await row(page, 'xss@example.com').locator('.cell-name').innerText()).toBe(XSS);
      expect(await page.locator('#list img, #list script, #list svg').count()).toBe(0);
      // The edit dialog puts it in a field's value, as text.
      await page.getByRole('button', { name: `Edit token ${XSS}` }).click();
      expect(await page.locator('#dlg-edit-token').getByLabel('Token Name').inputValue()).toBe(XSS);
      await page.keyboard.press('Escape');

      await page.goto('/admin/users');
      await row(page, 'mallory').waitFor();
      const mallory = await row(page, 'mallory').innerText();
      expect(mallory).toContain('<script>alert(2)</script> "><svg onload=alert(3)>');
      expect(mallory).toContain(XSS);
      expect(await page.locator('main img, main script, main svg').count()).toBe(0);

      await page.goto('/admin/events');
      await row(page, 'token.created').first().waitFor();
      await page.waitForTimeout(300);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  },
  SLOW,
);

test(
  'works with the keyboard alone: dialogs take the focus, steps move it, Escape gives it back',
  async () => {
    const { context, page, problems } = await visitor('root');
    try {
      await page.goto('/admin/');
      await page.locator('#list table, #list .empty').first().waitFor();
      // The first Tab reaches the skip link, which leads to the content.
      await page.keyboard.press('Tab');
      expect(await focusedText(page)).toBe('Skip to the content');
      await page.focus('#add-token');
      await page.keyboard.press('Enter');
      expect(await focusedText(page)).toMatch(/^Software tokens/);
      await page.keyboard.press('Enter');
      expect(await focusedText(page)).toMatch(/^Protectimus MAIL/);
      await page.keyboard.press('Enter');
      expect(await focusedId(page)).toBe('add-name');
      await page.keyboard.type('Keyboard mail');
      await page.keyboard.press('Tab');
      await page.keyboard.type('keyboard@example.com');
      // Arrows move within the radio group (8 digits); Space ticks the PIN box.
      await page.keyboard.press('Tab');
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Space');
      await page.keyboard.press('Tab');
      await page.keyboard.type('12ab');
      await page.locator('#form-add-token button[type="submit"]').focus();
      await page.keyboard.press('Enter');
      await row(page, 'Keyboard mail').waitFor();
      expect(await row(page, 'Keyboard mail').innerText()).toContain('8 digits');
      expect(await row(page, 'Keyboard mail').innerText()).toContain('PIN before the OTP');
      expect(await focusedId(page)).toBe('add-token');

      // Escape closes and the focus returns to the button that opened the dialog.
      await page.getByRole('button', { name: 'Block token Keyboard mail' }).focus();
      await page.keyboard.press('Enter');
      expect(await isOpen(page, '#dlg-block')).toBe(true);
      await page.keyboard.press('Escape');
      expect(await focusedLabel(page)).toBe('Block token Keyboard mail');

      // Block for good, then the same place holds Unblock, with the reason shown.
      await page.keyboard.press('Enter');
      await page.locator('#form-block button[type="submit"]').focus();
      await page.keyboard.press('Enter');
      await page.getByRole('button', { name: 'Unblock token Keyboard mail' }).waitFor();
      expect(await row(page, 'Keyboard mail').innerText()).toContain('Blocked by an administrator');
      expect(await focusedLabel(page)).toBe('Unblock token Keyboard mail');

      // A duplicate name: the API's 409 shows in the form, the focus on the name.
      await page.focus('#add-token');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Enter');
      await page.keyboard.type('keyboard MAIL');
      await page.keyboard.press('Tab');
      await page.keyboard.type('other@example.com');
      await page.locator('#form-add-token button[type="submit"]').click();
      await page.locator('#form-add-token .form-error:not([hidden])').waitFor();
      expect(await page.locator('#form-add-token .form-error').innerText()).toBe('a token with this name exists');
      expect(await focusedId(page)).toBe('add-name');

      // New / Existing tabs move with the arrow keys.
      await page.goto('/admin/users');
      await page.getByRole('button', { name: 'Add User' }).click();
      await page.keyboard.type('kbd-user');
      await page.keyboard.press('Enter');
      await page.getByRole('button', { name: 'Assign Token to kbd-user' }).click();
      await page.getByRole('tab', { name: 'New' }).focus();
      await page.keyboard.press('ArrowRight');
      expect(await page.getByRole('tab', { name: 'Existing' }).getAttribute('aria-selected')).toBe('true');
      expect(await page.locator('#panel-existing').isVisible()).toBe(true);
      expect(await page.locator('#panel-new').isVisible()).toBe(false);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  },
  SLOW,
);

test(
  'keeps working when the session gets a new CSRF token (as after passing a guard in another tab)',
  async () => {
    const { context, page, problems } = await visitor('root');
    try {
      await page.goto('/admin/resources');
      await page.locator('#list table, #list .empty').first().waitFor();
      const before = await inPage<string>(page, 'document.body.dataset.csrf');
      await inPage(page, "fetch('/drop-csrf', { method: 'POST' }).then(() => true)");
      await page.getByRole('button', { name: 'Add Resource' }).click();
      await page.locator('#dlg-resource').getByLabel('Resource Name').fill('payroll');
      await page.locator('#dlg-resource').getByRole('button', { name: 'Save' }).click();
      await row(page, 'payroll').waitFor();
      expect(await row(page, 'payroll').innerText()).toContain('None');
      // Edit gives the resource a display name, and shows it again when opened.
      await page.getByRole('button', { name: 'Edit resource payroll' }).click();
      await page.locator('#dlg-resource').getByLabel('Display name').fill('Payroll runs');
      await page.locator('#dlg-resource').getByRole('button', { name: 'Save' }).click();
      await row(page, 'Payroll runs').waitFor();
      await page.getByRole('button', { name: 'Edit resource payroll' }).click();
      expect(await page.locator('#dlg-resource').getByLabel('Display name').inputValue()).toBe('Payroll runs');
      await page.locator('#dlg-resource').getByRole('button', { name: 'Save' }).click();
      await page.locator('#dlg-resource').waitFor({ state: 'hidden' });
      const after = await inPage<string>(page, "fetch('api/csrf').then((r) => r.json()).then((b) => b.csrf)");
      expect(after).not.toBe(before);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  },
  SLOW,
);

test(
  'fits a phone-sized screen: rows become cards, dialogs fit, nothing scrolls sideways',
  async () => {
    const owner = await pm.users.create({ login: 'phone-user', email: 'phone.user@example.com', firstName: 'Pat', secondName: 'Phone' });
    await pm.users.createAndAssignToken(owner.id, { name: 'Phone mail', email: 'phone.user@example.com', pin: '1357', pinPosition: 'after' });
    const { context, page, problems } = await visitor('root', { width: 375, height: 740 });
    try {
      for (const where of ['/admin/', '/admin/users', '/admin/resources', '/admin/events']) {
        await page.goto(where);
        await page.locator('#list table, #list .empty').first().waitFor();
        const overflow = await inPage<number>(page, 'document.documentElement.scrollWidth - window.innerWidth');
        expect([where, overflow]).toEqual([where, 0]);
      }
      await page.goto('/admin/');
      await row(page, 'Phone mail').waitFor();
      // The header row is kept for screen readers but takes no room: each cell says its column.
      expect((await page.locator('#list thead').boundingBox())?.height).toBeLessThanOrEqual(1);
      expect(await inPage(page, `getComputedStyle(document.querySelector('#list tbody td'), '::before').content`)).toBe('"Token Name"');
      await page.getByRole('button', { name: 'Add Token' }).click();
      const box = await page.locator('#dlg-add-token').boundingBox();
      expect(box && box.x >= 0 && box.x + box.width <= 375).toBe(true);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  },
  SLOW,
);

test(
  'axe-core finds no WCAG 2.1 A or AA violation on any page or dialog of the panel, nor on its 403 page',
  async () => {
    const owner = await pm.users.create({ login: 'axe-user', email: 'axe.user@example.com', firstName: 'Ada' });
    const token = await pm.users.createAndAssignToken(owner.id, { name: 'Axe mail', email: 'axe.user@example.com', pin: '2468', pinPosition: 'before' });
    const resource = await pm.resources.create({ name: 'axe-area', schedule: { timeZone: 'Europe/Kyiv', days: { mon: [['08:00', '19:00']] } } });
    await pm.resources.assignTokenWithUser(resource.id, token.id);
    await pm.tokens.createMail({ name: 'Spare token', email: 'spare.axe@example.com' });
    const context = await axeContext(browser, baseURL);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const seen: string[] = [];
    /** axe on the page as it is now, named, so a failure says which state. */
    const check = async (state: string) => {
      seen.push(state);
      expect([state, await axeViolations(page)]).toEqual([state, []]);
    };
    const closeWith = async (dialog: string) => {
      await page.keyboard.press('Escape');
      await page.locator(dialog).waitFor({ state: 'hidden' });
    };
    try {
      await page.goto('/sign-in/root');
      await page.goto('/admin/');
      await row(page, 'Spare token').waitFor();
      await check('Tokens');
      await page.getByRole('button', { name: 'Add Token' }).click();
      await check('Add Token: categories');
      await page.locator('#dlg-add-token').getByRole('button', { name: /^Software tokens/ }).click();
      await check('Add Token: software tokens');
      await page.locator('#dlg-add-token').getByRole('button', { name: /^Protectimus MAIL/ }).click();
      await check('Add Token: Protectimus MAIL form');
      await closeWith('#dlg-add-token');
      await page.getByRole('button', { name: 'Edit token Axe mail' }).click();
      await check('Edit token');
      await closeWith('#dlg-edit-token');
      await page.getByRole('button', { name: 'Block token Axe mail' }).click();
      await check('Block token');
      await closeWith('#dlg-block');
      await page.getByRole('button', { name: 'Delete token Spare token' }).click();
      await check('Delete token: confirm');
      await closeWith('#dlg-confirm');

      await page.goto('/admin/users');
      await row(page, 'axe-user').waitFor();
      await check('Users');
      await page.getByRole('button', { name: 'Add User' }).click();
      await check('Add User');
      await closeWith('#dlg-user');
      await page.getByRole('button', { name: 'Assign Token to axe-user' }).click();
      await check('Assign Token: New');
      await page.locator('#dlg-assign-token').getByRole('tab', { name: 'Existing' }).click();
      await check('Assign Token: Existing');
      await closeWith('#dlg-assign-token');
      await page.getByRole('button', { name: 'Import CSV' }).click();
      await check('Import CSV on Users');
      await closeWith('#dlg-import');

      await page.goto('/admin/resources');
      await row(page, 'axe-area').waitFor();
      await check('Resources');
      await page.getByRole('button', { name: 'Add Resource' }).click();
      await check('Add Resource');
      await closeWith('#dlg-resource');
      await page.getByRole('button', { name: 'Edit resource axe-area' }).click();
      await page.locator('#dlg-resource').getByLabel('Tuesday').fill('nine to five');
      await page.locator('#dlg-resource').getByRole('button', { name: 'Save' }).click();
      await page.locator('#dlg-resource .form-error:not([hidden])').waitFor();
      await check('Edit resource: time window, a refused range');
      await closeWith('#dlg-resource');
      await page.getByRole('button', { name: 'Import CSV' }).click();
      await page.locator('#dlg-import').getByLabel('Or paste the rows').fill('resource,schedule\naxe-area,Europe/Kyiv mon 08:00-19:00\naxe-bad,Europe/Kyiv mon 9-10');
      await page.locator('#dlg-import').getByRole('button', { name: 'Import' }).click();
      await page.locator('#import-result', { hasText: 'not imported' }).waitFor();
      await check('Import CSV on Resources: a result with a refused row');
      await closeWith('#dlg-import');
      await page.getByRole('button', { name: 'Assign to axe-area' }).click();
      await check('Assign to a resource');
      await page.locator('#dlg-assign').getByRole('button', { name: /^Token with User/ }).click();
      await check('Assign: Token with User');
      await closeWith('#dlg-assign');

      await page.goto('/admin/events');
      await page.locator('#list table, #list .empty').first().waitFor();
      await check('Events');

      // Someone who is no administrator: the 403 page says so in plain words, with a way back.
      await page.goto('/sign-in/axe-user');
      const refused = await page.goto('/admin/');
      expect(refused?.status()).toBe(403);
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Administrators only');
      expect(await page.getByRole('alert').innerText()).toBe("This page is for the site's administrators, and your account is not one of them. If you need it, ask an administrator.");
      expect(await page.getByRole('link', { name: 'Back to the site' }).getAttribute('href')).toBe('/');
      await check('403');
      expect(seen).toHaveLength(20);
    } finally {
      await context.close();
    }
  },
  SLOW,
);

test.each([
  { width: 1280, height: 800 },
  { width: 375, height: 740 },
])(
  'at $width px: a user\'s remembered devices in the Devices dialog, forgotten one by one and all at once, with axe-core',
  async (viewport) => {
    const login = `devices-${viewport.width}`;
    const owner = await pm.users.create({ login, email: `${login}@example.com` });
    const token = await pm.users.createAndAssignToken(owner.id, { name: `${login} mail`, email: `${login}@example.com` });
    const resource = await pm.resources.create({ name: `${login}-area` });
    await pm.resources.assignTokenWithUser(resource.id, token.id);
    // Remembered as the guard does after a right code, from two browsers (one with a hostile User-Agent).
    for (const userAgent of ['Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0', XSS]) {
      await pm.prepare({ resource: resource.name, login });
      const code = world.smtp.codeFrom(await world.smtp.waitForMail(`${login}@example.com`));
      const { stamp } = await pm.authenticate({ resource: resource.name, login, otp: code });
      expect(await pm.devices.remember({ resource: resource.name, login, stamp, days: 30, userAgent })).not.toBeNull();
    }
    const context = await axeContext(browser, baseURL, viewport);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    try {
      await page.goto('/sign-in/root');
      await page.goto(`/admin/users?q=${login}`);
      await row(page, login).waitFor();
      await page.getByRole('button', { name: `Remembered devices of ${login}` }).click();
      const dialog = page.locator('#dlg-devices');
      await dialog.locator('table').waitFor();
      expect(await dialog.locator('#devices-for').innerText()).toBe(`For user ${login}`);
      expect(await dialog.locator('tbody tr').count()).toBe(2);
      expect(await dialog.locator('tbody').innerText()).toContain('Firefox on Linux');
      expect(await dialog.locator('tbody').innerText()).toContain('Unknown browser');
      expect(await dialog.locator('tbody').innerText()).toContain(resource.name);
      expect(await axeViolations(page)).toEqual([]);
      const box = await dialog.boundingBox();
      expect(box && box.x >= 0 && box.x + box.width <= viewport.width).toBe(true);

      await dialog.getByRole('button', { name: `Forget Firefox on Linux on ${resource.name}` }).click();
      await dialog.locator('tbody tr').nth(1).waitFor({ state: 'detached' });
      expect(await page.locator('#notice').innerText()).toBe(`Firefox on Linux on ${resource.name} forgotten for ${login}.`);
      await dialog.getByRole('button', { name: 'Forget all' }).click();
      await dialog.getByText('No remembered device.').waitFor();
      expect(await page.locator('#notice').innerText()).toBe(`1 device forgotten for ${login}.`);
      expect(await dialog.getByRole('button', { name: 'Forget all' }).isDisabled()).toBe(true);
      expect(await axeViolations(page)).toEqual([]);
      expect(await pm.devices.list(owner.id)).toEqual([]);
    } finally {
      await context.close();
    }
  },
  SLOW,
);

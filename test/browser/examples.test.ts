/**
 * The example sites in a real browser, one journey spec run against each (Express, Koa and Fastify: the
 * same pages, the same demo): Debian's Chromium driven by playwright-core, the site in this process
 * on a free port, with the memory store and the in-process dev inbox.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { listen, type Listening, type Site, type SiteConfig } from '@protectimus-mail/example-shared';
import type { Browser } from 'playwright-core';
import { createSite as createExpressSite } from '../../examples/express-app/src/app';
import { createSite as createFastifySite } from '../../examples/fastify-app/src/app';
import { createSite as createKoaSite } from '../../examples/koa-app/src/app';
import { testConfig } from '../../examples/shared/test/site-helpers';
import { launchChromium, SLOW } from './support/chromium';
import { codeFromInbox, newVisitor, pathOf, signIn, wrongCode } from './support/visitor';

const SCREENSHOT = path.join(__dirname, '..', '..', 'docs', 'code-page.png');
const REMEMBER_SHOT = path.join(__dirname, '..', '..', 'docs', 'remember-device.png');

interface ExampleSite {
  name: string;
  createSite: (config: SiteConfig) => Promise<Site<unknown>>;
  /** Whether this site's code page is the one in the docs (`npm start` runs the Express site). */
  screenshot: boolean;
}

const SITES: ExampleSite[] = [
  { name: 'Express', createSite: createExpressSite, screenshot: true },
  { name: 'Koa', createSite: createKoaSite, screenshot: false },
  { name: 'Fastify', createSite: createFastifySite, screenshot: false },
];

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
}, SLOW);

afterAll(async () => {
  await browser?.close();
});

describe.each(SITES)('the $name example site', ({ createSite, screenshot }) => {
  let site: Site<unknown>;
  let web: Listening;

  beforeAll(async () => {
    // An empty environment: memory store and dev inbox, whatever REDIS_URL or SMTP_URL this shell has.
    site = await createSite(testConfig());
    web = await listen(site.handler, 0, '127.0.0.1');
  }, SLOW);

  afterAll(async () => {
    await web?.close();
    await site?.close();
  });

  test(
    'bob: password, then PIN + 8-digit code, a wrong code first, and back to the page he asked for',
    async () => {
      const { context, page, problems } = await newVisitor(browser, web.url, { width: 600, height: 600 });
      try {
        await page.goto('/account/settings');
        expect(pathOf(page)).toBe('/sign-in?next=%2Faccount%2Fsettings');
        await expect(page.locator('main').innerText()).resolves.toContain('/account/settings');

        await signIn(page, 'bob', 'bob-password');
        await page.waitForURL('**/account/settings');
        await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Enter your code for Account settings');
        const intro = await page.locator('main').innerText();
        expect(intro).toContain('b***@example.com');
        expect(intro).toContain('8-digit code');
        expect(intro).toContain('Type your PIN, then the 8-digit code, with nothing between them.');
        expect(await page.getByLabel('PIN and code').count()).toBe(1);

        if (screenshot) {
          const shot = await page.screenshot({ fullPage: true });
          expect(shot.subarray(1, 4).toString('latin1')).toBe('PNG');
          // Written when missing or asked for, so an ordinary test run leaves the docs untouched.
          if (!existsSync(SCREENSHOT) || process.env.UPDATE_SCREENSHOTS === '1') {
            await mkdir(path.dirname(SCREENSHOT), { recursive: true });
            await writeFile(SCREENSHOT, shot);
          }
        }

        const code = await codeFromInbox(context, 'bob@example.com', 8);

        await page.getByLabel('PIN and code').fill(`2468${wrongCode(code)}`);
        await page.getByRole('button', { name: 'Verify' }).click();
        await expect(page.getByRole('alert').innerText()).resolves.toBe('That code is not right. 2 attempts left.');
        // Sent back to the page itself (POST/Redirect/GET): a reload would not post the code again.
        expect(pathOf(page)).toBe('/account/settings');
        // The form stays for the same code: the page still says where it went.
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

        // A member: no Admin link, and the panel refuses him even past both factors.
        expect(await page.getByRole('link', { name: 'Admin', exact: true }).count()).toBe(0);
        const refused = await page.goto('/admin');
        expect(refused?.status()).toBe(403);
        await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Administrators only');
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    },
    SLOW,
  );

  test(
    'alice, the admin: password and code, then "Admin" in the header opens the panel, its Tokens and its Users',
    async () => {
      const { context, page, problems } = await newVisitor(browser, web.url);
      try {
        await page.goto('/');
        await expect(page.locator('main').innerText()).resolves.toContain('alice is also the admin');
        expect(await page.getByRole('link', { name: 'Admin', exact: true }).count()).toBe(0);
        await page.getByRole('link', { name: 'Sign in' }).click();
        await signIn(page, 'alice', 'alice-password');
        await page.waitForURL('**/account');
        await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Enter your code for Account settings');
        await page.getByLabel('Code', { exact: true }).fill(await codeFromInbox(context, 'alice@example.com', 6));
        await page.getByRole('button', { name: 'Verify' }).click();
        await page.waitForURL('**/account');
        await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Hello, Alice Example');

        // The panel's page comes with its own CSP, which lets its script run; the site's would not.
        const panelPage = page.waitForResponse((res) => new URL(res.url()).pathname === '/admin');
        await page.getByRole('link', { name: 'Admin', exact: true }).click();
        const answer = await panelPage;
        expect(answer.status()).toBe(200);
        expect(answer.headers()['content-security-policy']).toContain("script-src 'self'");
        await page.waitForURL('**/admin');
        await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Tokens');
        // The rows are drawn by the panel's script from its API: they show only if the script ran.
        const tokenRow = (name: string) => page.locator('#list tbody tr', { hasText: name });
        await tokenRow('Alice mail').waitFor();
        await expect(tokenRow('Alice mail').innerText()).resolves.toContain('alice@example.com');
        await expect(tokenRow('Bob mail').innerText()).resolves.toContain('PIN before the OTP');

        await page.getByRole('link', { name: 'Users', exact: true }).click();
        await page.waitForURL('**/admin/users');
        await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Users');
        await page.locator('#list tbody tr', { hasText: 'bob@example.com' }).waitFor();
        await expect(page.locator('#list tbody tr', { hasText: 'alice@example.com' }).innerText()).resolves.toContain('Alice mail');
        expect(problems).toEqual([]);
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
    'alice at $width px: "Remember this device for 30 days" with the code; a new browser signed in with the password skips the code, but not the step-up of the settings page',
    async (viewport) => {
      const first = await newVisitor(browser, web.url, viewport);
      let cookies;
      try {
        const { context, page, problems } = first;
        await page.goto('/account');
        await signIn(page, 'alice', 'alice-password');
        await page.waitForURL('**/account');
        const box = page.getByLabel('Remember this device for 30 days');
        expect(await box.isChecked()).toBe(false);
        await box.check();
        if (screenshot && viewport.width === 1280 && (!existsSync(REMEMBER_SHOT) || process.env.UPDATE_SCREENSHOTS === '1')) {
          await writeFile(REMEMBER_SHOT, await page.screenshot({ fullPage: true }));
        }
        await page.getByLabel('Code', { exact: true }).fill(await codeFromInbox(context, 'alice@example.com', 6));
        await page.getByRole('button', { name: 'Verify' }).click();
        await page.waitForURL('**/account');
        await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Hello, Alice Example');
        cookies = (await context.cookies()).filter((c) => c.name.startsWith('pm_device_'));
        expect(cookies).toHaveLength(1);
        expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
        expect(problems).toEqual([]);
      } finally {
        await first.context.close();
      }

      // Another browser holding only that cookie: the password, and straight into the account.
      const second = await newVisitor(browser, web.url, viewport);
      try {
        const { context, page, problems } = second;
        await context.addCookies(cookies);
        const mailsBefore = site.inbox?.list().length;
        await page.goto('/account');
        await signIn(page, 'alice', 'alice-password');
        await page.waitForURL('**/account');
        await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Hello, Alice Example');
        expect(site.inbox?.list().length).toBe(mailsBefore);

        // Step-up: the settings page wants a code typed in the last 5 minutes; the device is not one.
        await page.goto('/account/settings');
        await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Enter your code for Account settings');
        await expect(page.getByRole('status').innerText()).resolves.toBe("Confirm it's you: enter a fresh code.");
        expect(await page.getByRole('button', { name: 'Forget this device' }).count()).toBe(1);
        await page.getByLabel('Code', { exact: true }).fill(await codeFromInbox(context, 'alice@example.com', 6));
        await page.getByRole('button', { name: 'Verify' }).click();
        await page.waitForURL('**/account/settings');
        await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Account settings');
        expect(problems).toEqual([]);
      } finally {
        await second.context.close();
      }
    },
    SLOW,
  );

  test(
    'alice: password, then a 6-digit code with no PIN; signing out closes the area again',
    async () => {
      const { context, page, problems } = await newVisitor(browser, web.url);
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
        expect(intro).not.toContain('PIN');

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
        await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Enter your code for Account settings');
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    },
    SLOW,
  );
  test(
    "alice follows the setup guide in the panel (Add Token -> Protectimus MAIL, Add User, Assign Token New and Existing, Assign -> Token with User), then the new users sign in with the demo password and pass the guard",
    async () => {
      const { context, page, problems } = await newVisitor(browser, web.url, { width: 1280, height: 900 });
      const row = (text: string) => page.locator('#list tbody tr', { hasText: text });
      try {
        // alice, the admin, past both factors, in the panel.
        await page.goto('/admin');
        await signIn(page, 'alice', 'alice-password');
        await page.waitForURL('**/admin');
        await page.getByLabel('Code', { exact: true }).fill(await codeFromInbox(context, 'alice@example.com', 6));
        await page.getByRole('button', { name: 'Verify' }).click();
        await page.waitForURL('**/admin');
        await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Tokens');

        // 1-3. Tokens -> Add Token -> Software tokens -> Protectimus MAIL: name, address, 6 digits, a PIN after the OTP; Save.
        await page.getByRole('button', { name: 'Add Token' }).click();
        const add = page.locator('#dlg-add-token');
        await add.getByRole('button', { name: /^Software tokens/ }).click();
        await add.getByRole('button', { name: /^Protectimus MAIL/ }).click();
        await add.getByLabel('Token Name').fill('Dana mail');
        await add.getByLabel('Email Address').fill('dana@example.com');
        await add.getByLabel('6 digits').check();
        await add.getByLabel('Use a PIN code with this token').check();
        await add.getByLabel('PIN', { exact: true }).fill('5791');
        await add.getByLabel('PIN after the OTP').check();
        await add.getByRole('button', { name: 'Save' }).click();
        await row('Dana mail').waitFor();
        await expect(row('Dana mail').innerText()).resolves.toContain('dana@example.com');

        // 4. Users -> Add User -> Assign Token -> Existing: the token made above.
        await page.getByRole('link', { name: 'Users', exact: true }).click();
        await page.waitForURL('**/admin/users');
        const addUser = async (login: string, email: string, firstName: string) => {
          await page.getByRole('button', { name: 'Add User' }).click();
          const dialog = page.locator('#dlg-user');
          await dialog.getByLabel('Login').fill(login);
          await dialog.getByLabel('Email').fill(email);
          await dialog.getByLabel('First name').fill(firstName);
          await dialog.getByRole('button', { name: 'Save' }).click();
          await row(email).waitFor();
        };
        await addUser('dana', 'dana@example.com', 'Dana');
        await page.getByRole('button', { name: 'Assign Token to dana' }).click();
        const assign = page.locator('#dlg-assign-token');
        await assign.getByRole('tab', { name: 'Existing' }).click();
        await assign.locator('#existing-token option', { hasText: 'Dana mail' }).waitFor({ state: 'attached' });
        await assign.getByLabel('Token', { exact: true }).selectOption({ label: 'Dana mail (dana@example.com)' });
        await assign.getByRole('button', { name: 'Assign' }).click();
        await row('Dana mail').waitFor();
        await expect(row('dana@example.com').innerText()).resolves.toContain('Dana mail');

        // ... and Assign Token -> New: a token made in the same step, 8 digits, no PIN.
        await addUser('erik', 'erik@example.com', 'Erik');
        await page.getByRole('button', { name: 'Assign Token to erik' }).click();
        await assign.getByRole('tab', { name: 'New' }).click();
        const fresh = assign.locator('#panel-new');
        await fresh.getByLabel('Token Name').fill('Erik mail');
        await fresh.getByLabel('Email Address').fill('erik@example.com');
        await fresh.getByLabel('8 digits').check();
        await fresh.getByRole('button', { name: 'Save' }).click();
        await row('Erik mail').waitFor();
        await expect(row('erik@example.com').innerText()).resolves.toContain('Erik mail');

        // 5. Resources -> the demo's resource, account -> Assign -> Token with User -> both -> Assign.
        await page.getByRole('link', { name: 'Resources', exact: true }).click();
        await page.waitForURL('**/admin/resources');
        await page.getByRole('button', { name: 'Assign to account' }).click();
        const assignRes = page.locator('#dlg-assign');
        await assignRes.getByRole('button', { name: /^Token with User/ }).click();
        await assignRes.getByLabel('Dana mail — dana').check();
        await assignRes.getByLabel('Erik mail — erik').check();
        await assignRes.getByRole('button', { name: 'Assign' }).click();
        await row('Dana mail — dana').waitFor();
        await expect(row('account').innerText()).resolves.toContain('Erik mail — erik');
        await expect(page.locator('#notice').innerText()).resolves.toContain('assigned to account');

        // alice signs out.
        await page.goto('/');
        await page.getByRole('button', { name: 'Sign out alice' }).click();
        await page.waitForURL((url) => url.pathname === '/');

        // dana: the demo password (the sign-in page names it), then her code and her PIN after it.
        await page.goto('/account/settings');
        expect(pathOf(page)).toBe('/sign-in?next=%2Faccount%2Fsettings');
        await expect(page.getByRole('note').innerText()).resolves.toContain('demo-password');
        await signIn(page, 'dana', 'demo-password');
        await page.waitForURL('**/account/settings');
        await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Enter your code for Account settings');
        await expect(page.locator('main').innerText()).resolves.toContain('Type the 6-digit code, then your PIN');
        await page.getByLabel('PIN and code').fill(`${await codeFromInbox(context, 'dana@example.com', 6)}5791`);
        await page.getByRole('button', { name: 'Verify' }).click();
        await page.waitForURL('**/account/settings');
        await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Account settings');
        const settings = await page.locator('main').innerText();
        expect(settings).toContain('Dana mail');
        expect(settings).toContain('6-digit code, PIN typed after it');
        // A member: no Admin link.
        expect(await page.getByRole('link', { name: 'Admin', exact: true }).count()).toBe(0);
        await page.getByRole('button', { name: 'Sign out dana' }).click();
        await page.waitForURL((url) => url.pathname === '/');

        // erik: the demo password, then his 8-digit code with no PIN.
        await page.getByRole('link', { name: 'Sign in' }).click();
        await signIn(page, 'erik', 'demo-password');
        await page.waitForURL('**/account');
        await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Enter your code for Account settings');
        await page.getByLabel('Code', { exact: true }).fill(await codeFromInbox(context, 'erik@example.com', 8));
        await page.getByRole('button', { name: 'Verify' }).click();
        await page.waitForURL('**/account');
        await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Hello, Erik');
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    },
    SLOW,
  );
});

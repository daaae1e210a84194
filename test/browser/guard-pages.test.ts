/**
 * The guard's own pages in a real browser, on both adapters (the conformance harness's apps, a
 * real Redis and SMTP server): every state a user can meet at 1280 px, walked as a person would,
 * with axe-core (WCAG 2.1 A and AA) run on each, and once more in a profile that keeps the CSP.
 */
import type { RequestListener } from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { systemClock, type Protectimus } from '../../packages/core/src/protectimus';
import { RedisStore } from '../../packages/core/src/stores/redis';
import { adapters, deadRedis, listen, PASSWORD, seedUser, startWorld, type Adapter, type World } from '../conformance/harness';
import { axeContext, axeViolations } from './support/axe';
import { launchChromium, SLOW } from './support/chromium';
import { pathOf, wrongCode } from './support/visitor';

let world: World;
let pm: Protectimus;
let browser: Browser;
const servers: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  world = await startWorld('redis');
  pm = world.make({ clock: systemClock }, true);
  browser = await launchChromium();
}, SLOW);

afterAll(async () => {
  await browser?.close();
  for (const server of servers) await server.close();
  await world?.close();
});

async function serve(app: RequestListener): Promise<string> {
  const server = await listen(app);
  servers.push(server);
  return server.url;
}

/** A site of `adapter` guarding `/billing` with `resource` (and `/payroll` with `payroll`), at its URL. */
function site(adapter: Adapter, protectimus: Protectimus, resource: string, payroll?: string): Promise<string> {
  const onError = () => undefined;
  return serve(adapter.makeApp({ guard: { protectimus, resource, onError }, ...(payroll ? { payroll: { protectimus, resource: payroll, onError } } : {}) }));
}

/** Signs `login` in through the site's first factor, in the profile's own cookie jar. */
async function signIn(context: BrowserContext, baseURL: string, login: string): Promise<void> {
  const res = await context.request.post(`${baseURL}/login`, { data: { login, password: PASSWORD } });
  expect(res.status()).toBe(200);
}

async function mailedCode(email: string): Promise<string> {
  return world.smtp.codeFrom(await world.smtp.waitForMail(email));
}

/** Every request a page makes for /favicon.ico: the shell's empty icon means there are none. */
function faviconRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (req) => {
    if (new URL(req.url()).pathname === '/favicon.ico') seen.push(req.url());
  });
  return seen;
}

const alertText = (page: Page) => page.getByRole('alert').innerText();
const field = (page: Page) => page.locator('#otp');

describe.each(adapters)('$name: the guard pages, walked in Chromium at 1280 px, with axe-core on each', (adapter) => {
  test(
    'the code page, a wrong code (303 back, the error tied to the field, a reload posts nothing), the cooldown, a newer code, a grouped code',
    async () => {
      const pat = await seedUser(pm, { login: `pat-${adapter.name}`, otpLength: 8, pin: '2468', pinPosition: 'before' });
      const baseURL = await site(adapter, pm, pat.resource.name);
      const context = await axeContext(browser, baseURL);
      const page = await context.newPage();
      const favicons = faviconRequests(page);
      try {
        await signIn(context, baseURL, pat.login);
        await page.goto('/billing/invoices');
        expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Enter your code');
        const resend = page.getByRole('button', { name: 'Send a new code' });
        expect(await resend.isDisabled()).toBe(true);
        expect(await page.locator('#resend-hint').innerText()).toMatch(/^You can ask for a new code in \d+ seconds\. Reload this page then\.$/);
        expect(await page.getByRole('link', { name: 'Back to the site' }).getAttribute('href')).toBe('/');
        expect(await axeViolations(page)).toEqual([]);
        const first = await mailedCode(pat.email);

        // A wrong code: back on the page's own URL, the error once, tied to the field.
        await page.getByLabel('PIN and code').fill(`2468${wrongCode(first)}`);
        await page.getByRole('button', { name: 'Verify' }).click();
        await page.waitForURL('**/billing/invoices');
        expect(pathOf(page)).toBe('/billing/invoices');
        expect(await alertText(page)).toBe('That code is not right. 2 attempts left.');
        expect(await field(page).getAttribute('aria-invalid')).toBe('true');
        expect(await field(page).getAttribute('aria-describedby')).toBe('otp-error otp-hint');
        expect(await axeViolations(page)).toEqual([]);
        // A reload is a GET: no form posted again, no attempt counted, the error gone.
        const reload = await page.reload();
        expect(reload?.request().method()).toBe('GET');
        expect(await page.getByRole('alert').count()).toBe(0);
        expect(await field(page).getAttribute('aria-invalid')).toBeNull();

        // The resend during the cooldown, as an older tab still holding an enabled button would send it.
        await page.evaluate("document.querySelector('form.resend').submit()");
        await page.waitForURL('**/billing/invoices');
        expect(await alertText(page)).toMatch(/^A code was mailed to you moments ago: check your mail\. You can ask for a new code in \d+ seconds\.$/);
        expect(await resend.isDisabled()).toBe(true);
        expect(await axeViolations(page)).toEqual([]);

        // Once the cooldown is over, a reload enables the button; a new code, and only the latest counts.
        const wait = Number(/in (\d+) seconds?/.exec(await page.locator('#resend-hint').innerText())?.[1] ?? '30');
        await page.waitForTimeout((wait + 1) * 1000);
        await page.reload();
        expect(await resend.isDisabled()).toBe(false);
        expect(await page.locator('#resend-hint').innerText()).toBe('No mail? You can ask for a new code now.');
        await resend.click();
        await page.waitForURL('**/billing/invoices');
        expect(await page.getByRole('status').innerText()).toBe('A new code is on its way.');
        expect(await page.locator('main').innerText()).toContain('Only the code in the latest mail works.');
        const second = await mailedCode(pat.email);
        if (second !== first) {
          await page.getByLabel('PIN and code').fill(`2468${first}`);
          await page.getByRole('button', { name: 'Verify' }).click();
          await page.waitForURL('**/billing/invoices');
          expect(await alertText(page)).toBe('That code is not right. A newer code was sent: only the code in the latest mail works. 2 attempts left.');
          expect(await axeViolations(page)).toEqual([]);
        }

        // Pasted in groups, as the mail's reader shows it: accepted.
        await page.getByLabel('PIN and code').fill(`2468 ${second.slice(0, 4)} ${second.slice(4)}`);
        await page.getByRole('button', { name: 'Verify' }).click();
        await page.waitForURL('**/billing/invoices');
        expect(JSON.parse(await page.locator('body').innerText())).toMatchObject({ ok: true, path: '/billing/invoices' });
        expect(favicons).toEqual([]);
      } finally {
        await context.close();
      }
    },
    SLOW,
  );

  test(
    'a used-up code, a lock, no token on the area (403) and the store down (503): each says what happened and offers the way back',
    async () => {
      const used = await seedUser(pm, { login: `used-${adapter.name}` });
      const locked = await seedUser(pm, { login: `locked-${adapter.name}`, resource: { failedAttemptsBeforeLock: 3 } });
      const nobody = await pm.resources.create({ name: `no-token-${adapter.name}` });
      const client = deadRedis();
      const down = world.make({ clock: systemClock, store: new RedisStore({ client, prefix: world.prefix }) });
      const sites = {
        used: await site(adapter, pm, used.resource.name, nobody.name),
        locked: await site(adapter, pm, locked.resource.name),
        down: await site(adapter, down, used.resource.name),
      };
      const wrongThrice = async (page: Page, code: string) => {
        for (let i = 0; i < 3; i++) {
          await page.getByLabel('Code', { exact: true }).fill(wrongCode(code));
          await page.getByRole('button', { name: 'Verify' }).click();
          await page.waitForURL('**/billing/invoices');
        }
      };
      const expectWayBack = async (page: Page) => {
        expect(await page.getByRole('link', { name: 'Back to the site' }).getAttribute('href')).toBe('/');
        expect(await axeViolations(page)).toEqual([]);
      };

      const usedContext = await axeContext(browser, sites.used);
      try {
        const page = await usedContext.newPage();
        await signIn(usedContext, sites.used, used.login);
        await page.goto('/billing/invoices');
        await wrongThrice(page, await mailedCode(used.email));
        expect(await alertText(page)).toBe('That code is not right, and it is now used up. Ask for a new one.');
        const main = await page.locator('main').innerText();
        expect(main).not.toContain('It expires');
        expect(await page.getByLabel('Code', { exact: true }).count()).toBe(0);
        expect(await page.getByRole('button', { name: 'Send a new code' }).count()).toBe(1);
        await expectWayBack(page);

        const refused = await page.goto('/payroll/invoices');
        expect(refused?.status()).toBe(403);
        expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('No token for this area');
        await expectWayBack(page);
      } finally {
        await usedContext.close();
      }

      const lockedContext = await axeContext(browser, sites.locked);
      try {
        const page = await lockedContext.newPage();
        await signIn(lockedContext, sites.locked, locked.login);
        await page.goto('/billing/invoices');
        await wrongThrice(page, await mailedCode(locked.email));
        expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Sign-in blocked');
        expect(await alertText(page)).toBe('Too many wrong codes: sign-in is blocked. Try again in 5 minutes.');
        await expectWayBack(page);
      } finally {
        await lockedContext.close();
      }

      const downContext = await axeContext(browser, sites.down);
      try {
        const page = await downContext.newPage();
        await signIn(downContext, sites.down, used.login);
        const res = await page.goto('/billing/invoices');
        expect(res?.status()).toBe(503);
        expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Service unavailable');
        await expectWayBack(page);
      } finally {
        await downContext.close();
      }
    },
    SLOW,
  );

  test(
    'outside the time window (403): the page says when the area opens, in the resource\'s time, and offers the way back',
    async () => {
      // Open only three days from now, 10:00-11:00 UTC: closed whenever this test runs.
      const days = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
      const then = new Date(Date.now() + 3 * 86_400_000);
      const schedule = { timeZone: 'UTC', days: { [days[then.getUTCDay()] ?? 'sun']: [['10:00', '11:00']] } };
      const lee = await seedUser(pm, { login: `lee-${adapter.name}`, resource: { schedule } });
      const baseURL = await site(adapter, pm, lee.resource.name);
      const context = await axeContext(browser, baseURL);
      try {
        const page = await context.newPage();
        await signIn(context, baseURL, lee.login);
        const res = await page.goto('/billing/invoices');
        expect(res?.status()).toBe(403);
        expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Closed at this time');
        const weekday = then.toLocaleDateString('en', { weekday: 'long', timeZone: 'UTC' });
        expect(await alertText(page)).toMatch(new RegExp(`^This area is closed at this time\\. It opens ${weekday}, \\w+ ${then.getUTCDate()} at 10:00 AM UTC \\(in [23] days\\)\\.$`));
        expect(await page.locator('#otp').count()).toBe(0);
        expect(await page.getByRole('link', { name: 'Back to the site' }).getAttribute('href')).toBe('/');
        expect(await axeViolations(page)).toEqual([]);
      } finally {
        await context.close();
      }
    },
    SLOW,
  );

  test(
    'under their own CSP the pages raise no violation and ask for no /favicon.ico',
    async () => {
      const kim = await seedUser(pm, { login: `kim-${adapter.name}` });
      const baseURL = await site(adapter, pm, kim.resource.name);
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (msg) => {
        if (/Content Security Policy|Refused to/i.test(msg.text())) problems.push(msg.text());
      });
      page.on('pageerror', (err) => problems.push(err.message));
      const favicons = faviconRequests(page);
      try {
        await signIn(context, baseURL, kim.login);
        await page.goto('/billing/invoices');
        const code = await mailedCode(kim.email);
        await page.getByLabel('Code', { exact: true }).fill(wrongCode(code));
        await page.getByRole('button', { name: 'Verify' }).click();
        await page.waitForURL('**/billing/invoices');
        expect(await alertText(page)).toBe('That code is not right. 2 attempts left.');
        await page.getByLabel('Code', { exact: true }).fill(`${code.slice(0, 3)}-${code.slice(3)}`);
        await page.getByRole('button', { name: 'Verify' }).click();
        await page.waitForURL('**/billing/invoices');
        expect(JSON.parse(await page.locator('body').innerText())).toMatchObject({ ok: true });
        expect(problems).toEqual([]);
        expect(favicons).toEqual([]);
      } finally {
        await context.close();
      }
    },
    SLOW,
  );
});

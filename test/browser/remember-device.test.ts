/**
 * "Remember this device" and step-up in a real browser, on both adapters (the conformance
 * harness's apps, real Redis and SMTP): the box on the code form at 1280 and 375 px with axe-core,
 * the cookie as the browser keeps it, a new browser profile holding the cookie skipping the code,
 * a step-up mount asking it for a fresh code, and the "Forget this device" button.
 */
import type { RequestListener } from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { deviceCookieName } from '../../packages/core/src/guard/device-cookie';
import { systemClock, type Protectimus } from '../../packages/core/src/protectimus';
import { adapters, listen, PASSWORD, seedUser, startWorld, type Adapter, type World } from '../conformance/harness';
import { axeContext, axeViolations } from './support/axe';
import { launchChromium, SLOW } from './support/chromium';

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

/** `/billing` remembers devices for 30 days; `/payroll`, on the same resource, wants a code typed within 5 minutes. */
function site(adapter: Adapter, resource: string): Promise<string> {
  const guard = { protectimus: pm, resource, rememberDevice: { days: 30 }, onError: () => undefined };
  return serve(adapter.makeApp({ guard, payroll: { ...guard, maxAge: 300 } }));
}

async function signIn(context: BrowserContext, baseURL: string, login: string): Promise<void> {
  const res = await context.request.post(`${baseURL}/login`, { data: { login, password: PASSWORD } });
  expect(res.status()).toBe(200);
}

/** Whether the page is wider than the window (a sideways scroll on a phone). */
const overflows = (page: Page) => page.evaluate('document.documentElement.scrollWidth > window.innerWidth') as Promise<boolean>;
const pageJson = async (page: Page) => JSON.parse(await page.locator('body').innerText()) as Record<string, unknown>;

describe.each(adapters)('$name: remember this device in Chromium', (adapter) => {
  test.each([
    { width: 1280, height: 900 },
    { width: 375, height: 740 },
  ])(
    'at $width px: the box on the code form, the cookie, a new profile skipping the code, step-up and forget',
    async (viewport) => {
      const user = await seedUser(pm, { login: `dev-${adapter.name}-${viewport.width}` });
      const baseURL = await site(adapter, user.resource.name);
      const name = deviceCookieName(user.resource.name);

      // First profile: the code, with the box ticked.
      const first = await axeContext(browser, baseURL, viewport);
      let cookie;
      try {
        const page = await first.newPage();
        await signIn(first, baseURL, user.login);
        await page.goto('/billing/invoices');
        const box = page.getByLabel('Remember this device for 30 days');
        expect(await box.isChecked()).toBe(false);
        expect(await page.locator('#remember-hint').innerText()).toBe('Do not tick this on a shared or public computer.');
        expect(await axeViolations(page)).toEqual([]);
        expect(await overflows(page)).toBe(false);
        await box.check();
        await page.getByLabel('Code', { exact: true }).fill(world.smtp.codeFrom(await world.smtp.waitForMail(user.email)));
        await page.getByRole('button', { name: 'Verify' }).click();
        await page.waitForURL('**/billing/invoices');
        expect(await pageJson(page)).toMatchObject({ ok: true, path: '/billing/invoices' });
        cookie = (await first.cookies()).find((c) => c.name === name);
        expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/', secure: false });
        expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
        // About 30 days from now.
        expect(Math.abs((cookie?.expires ?? 0) - (Date.now() / 1000 + 30 * 86_400))).toBeLessThan(120);
      } finally {
        await first.close();
      }

      // A new profile with only the device cookie: signed in, the page opens without a code.
      const second = await axeContext(browser, baseURL, viewport);
      try {
        await second.addCookies([cookie!]);
        const page = await second.newPage();
        await signIn(second, baseURL, user.login);
        await page.goto('/billing/invoices');
        expect(await pageJson(page)).toMatchObject({ ok: true, path: '/billing/invoices' });
        await expect(world.smtp.waitForMail(user.email, 300)).rejects.toThrow(/no mail/);

        // The step-up mount is not satisfied by the device: it asks for a fresh code, says why,
        // and offers to forget this device.
        const stale = await page.goto('/payroll/invoices');
        expect(stale?.status()).toBe(401);
        expect(await page.getByRole('status').innerText()).toBe("Confirm it's you: enter a fresh code.");
        const forget = page.getByRole('button', { name: 'Forget this device' });
        expect(await forget.count()).toBe(1);
        expect(await axeViolations(page)).toEqual([]);
        expect(await overflows(page)).toBe(false);
        await forget.click();
        await page.waitForURL('**/payroll/invoices');
        expect((await second.cookies()).find((c) => c.name === name)).toBeUndefined();
        expect(await page.getByRole('button', { name: 'Forget this device' }).count()).toBe(0);
        expect(await axeViolations(page)).toEqual([]);
        // The fresh code lets the step-up mount in.
        await page.getByLabel('Code', { exact: true }).fill(world.smtp.codeFrom(await world.smtp.waitForMail(user.email)));
        await page.getByRole('button', { name: 'Verify' }).click();
        await page.waitForURL('**/payroll/invoices');
        expect(await pageJson(page)).toMatchObject({ ok: true, path: '/payroll/invoices' });
      } finally {
        await second.close();
      }

      // Forgotten: another profile holding the old cookie is asked for a code again.
      const third = await axeContext(browser, baseURL, viewport);
      try {
        await third.addCookies([cookie!]);
        const page = await third.newPage();
        await signIn(third, baseURL, user.login);
        const asked = await page.goto('/billing/invoices');
        expect(asked?.status()).toBe(401);
        expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Enter your code');
        expect((await third.cookies()).find((c) => c.name === name)).toBeUndefined();
      } finally {
        await third.close();
      }
    },
    SLOW,
  );
});

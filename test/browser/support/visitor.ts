import type { Browser, BrowserContext, Page } from 'playwright-core';

export interface Visitor {
  context: BrowserContext;
  page: Page;
  /** CSP violations and script errors seen so far: a test ends by expecting none. */
  problems: string[];
}

/**
 * A fresh browser profile on `baseURL` that records CSP violations and script errors. (The code
 * page and a failed sign-in come with 401, which Chromium logs too: those are the protocol, not
 * problems.)
 */
export async function newVisitor(browser: Browser, baseURL: string, viewport = { width: 1024, height: 768 }): Promise<Visitor> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 2, baseURL });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) problems.push(msg.text());
  });
  page.on('pageerror', (err) => problems.push(err.message));
  return { context, page, problems };
}

/** Reads the newest code mailed to `to` in the site's dev inbox, as a person would: in another tab. */
export async function codeFromInbox(context: BrowserContext, to: string, digits: number): Promise<string> {
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

/** The page's path and query: what a test compares after a redirect. */
export function pathOf(page: Page): string {
  const url = new URL(page.url());
  return url.pathname + url.search;
}

/** The same length, one digit changed: certainly wrong. */
export function wrongCode(code: string): string {
  const last = Number(code.slice(-1));
  return code.slice(0, -1) + String((last + 1) % 10);
}

/** Fills in and sends the example sites' sign-in form, which the page must be showing. */
export async function signIn(page: Page, login: string, password: string): Promise<void> {
  await page.getByLabel('Login').fill(login);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

import axe from 'axe-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/** axe-core's own source, injected into the page under test (never run in this process). */
const AXE_SOURCE: string = axe.source;

/** The rules of WCAG 2.1 levels A and AA, by axe-core's tags. */
const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * A browser profile for axe runs only: the guard's pages and the panel forbid every script but
 * their own, so axe's is let in by bypassing the CSP here. The CSP itself is checked by the
 * journeys, in profiles that keep it.
 */
export function axeContext(browser: Browser, baseURL: string, viewport = { width: 1280, height: 900 }): Promise<BrowserContext> {
  return browser.newContext({ viewport, baseURL, bypassCSP: true });
}

/**
 * The WCAG 2.1 A and AA violations axe-core finds in the page as it is now, one line each (rule,
 * help, the elements): a test expects `[]`.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  const loaded = await page.evaluate('typeof window.axe !== "undefined"');
  if (loaded !== true) await page.addScriptTag({ content: AXE_SOURCE });
  const run = `axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(WCAG_21_AA)} }, resultTypes: ['violations'] })
    .then((r) => r.violations.map((v) => v.id + ': ' + v.help + ' [' + v.nodes.map((n) => n.target.join(' ')).join(', ') + ']'))`;
  return (await page.evaluate(run)) as string[];
}

import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium: the browser tests use the system's, and never download one. */
export const CHROMIUM = '/usr/bin/chromium';

/** How long a browser test or its setup may take. */
export const SLOW = 60_000;

/**
 * Starts headless Chromium from `CHROMIUM`. A missing browser is a failure, never a skip: a green
 * run must mean the pages were seen.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}; install it (apt-get install chromium). These tests never download a browser.`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

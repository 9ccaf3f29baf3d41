import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLink, storedSecret, useConnectRig } from '../e2e/support/connect-rig.js';

/**
 * A connect link in a real browser (Chromium): the cookie `/start` sets (`__Host-`, `Secure`,
 * `HttpOnly`, `SameSite=Lax`) is kept and sent back after the provider's redirect, the pages' CSP
 * lets their own style apply and nothing else (no CSP report in the console), and the user is
 * connected. The provider is the kit's fake (Acme) on loopback, which Chromium treats as secure.
 */
const CHROMIUM = process.env.LIFE_STATS_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) {
  console.warn(`\n*** SKIPPED: Chromium not found at ${CHROMIUM}: the connect browser test did not run. ***\n`);
}

const rig = useConnectRig();

describe.skipIf(!HAVE_CHROMIUM)('a connect link in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('connects the user, keeping the state cookie across the provider and applying only the page’s own style', async () => {
    const link = await makeLink(rig, 'acme', 'erin');
    const context = await browser.newContext();
    const page = await context.newPage();
    const console: string[] = [];
    page.on('console', (message) => console.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => console.push(`pageerror: ${error.message}`));
    const answer = await page.goto(link);
    expect(answer?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe('/callback');
    expect(await page.locator('h1').textContent()).toBe('Connected Acme <Labs> & "Co" for erin');
    // The page's style applied under the CSP (by its hash): the main column is 32rem wide at most.
    // (Page code is typed without the DOM library: it reaches the window through globalThis.)
    type PageWindow = { getComputedStyle(el: unknown): { maxWidth: string }; document: { cookie: string } };
    const maxWidth = await page
      .locator('main')
      .evaluate((el) => (globalThis as unknown as PageWindow).getComputedStyle(el).maxWidth);
    expect(maxWidth).toBe('512px');
    expect(console).toEqual([]);
    // The state cookie the browser kept: HttpOnly, so no script of any page could read it.
    const cookies = await context.cookies(rig.server.url);
    expect(cookies.map((c) => [c.name.slice(0, 26), c.httpOnly, c.secure, c.sameSite])).toEqual([
      ['__Host-life-stats-connect-', true, true, 'Lax'],
    ]);
    expect(await page.evaluate(() => (globalThis as unknown as PageWindow).document.cookie)).toBe('');
    expect(rig.acme.liveRefreshTokens()).toContain(storedSecret(rig, 'acme', 'erin'));
    await context.close();
  });
});

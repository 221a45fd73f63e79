import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromiumAt } from '../../../test/support/browser';

/** test-artifacts/ at the repository root (gitignored): screenshots worth looking at. */
export const ARTIFACTS = path.join(__dirname, '..', '..', '..', 'test-artifacts', 'ui');

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 860 };

/** Debian's Chromium, headless (scripts/ensure-chromium.sh installs it; DW_CHROMIUM points elsewhere). */
export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.DW_CHROMIUM || '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) {
    throw new Error(`Chromium is missing at ${executablePath}: run scripts/ensure-chromium.sh or set DW_CHROMIUM`);
  }
  return launchChromiumAt(executablePath);
}

/** Collects the page's uncaught errors and console errors (a refused request logs one; those are expected where tested). */
export async function watch(page: Page): Promise<{ page: Page; errors: string[] }> {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/status of 401/.test(msg.text())) errors.push(msg.text());
  });
  return { page, errors };
}

/** A fresh context (own cookies) at a phone's size (390 × 844) unless told otherwise. */
export async function newPhone(browser: Browser, viewport = PHONE): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport });
  return { context, ...(await watch(await context.newPage())) };
}

/** Signs the context in through the page's form, as a person does. */
export async function signInWithForm(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForSelector('.top .brand');
}

/** Widest content versus the viewport: a page that needs horizontal scrolling has overflow > 0. */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => {
    const el = document.scrollingElement ?? document.documentElement;
    return el.scrollWidth - el.clientWidth;
  });
}

export async function screenshot(page: Page, name: string, fullPage = false): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}

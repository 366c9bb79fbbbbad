/**
 * Debian's Chromium (or CHROME_PATH) driven by playwright-core, with a fresh profile each launch.
 * Never downloads a browser: without one, it fails with a message that says how to install one.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const chromePath = process.env.CHROME_PATH || '/usr/bin/chromium';

/** TOOLCHAIN.md §5 and §8. */
export const CHROME_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export const NO_BROWSER_MESSAGE =
  `No Chromium at ${chromePath}. Install Debian's Chromium (apt-get install -y chromium) or set CHROME_PATH ` +
  'to a Chromium or Chrome binary. The end-to-end tests never download a browser.';

export function assertBrowser(): void {
  if (!existsSync(chromePath)) throw new Error(NO_BROWSER_MESSAGE);
}

export interface Browser {
  context: BrowserContext;
  /** A new tab; page errors and CSP violations are collected in `problems`. */
  newPage(): Promise<Page>;
  /** Uncaught page errors and console errors seen so far (CSP violations included). */
  problems: string[];
  close(): Promise<void>;
}

export async function launchBrowser(options: { colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number } } = {}): Promise<Browser> {
  assertBrowser();
  const profile = mkdtempSync(join(tmpdir(), 'o365-health-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromePath,
    headless: true,
    args: CHROME_ARGS,
    viewport: options.viewport ?? { width: 1280, height: 800 },
    colorScheme: options.colorScheme ?? 'light',
    reducedMotion: 'reduce',
    timezoneId: 'Europe/London',
    locale: 'en-GB',
  });
  const problems: string[] = [];
  const watch = (page: Page) => {
    page.on('pageerror', (err) => problems.push(`${page.url()}: ${err.message}`));
    page.on('console', (msg) => {
      // A failed load names its resource only in the message's location: keep it, so a test can
      // tell an expected one (a favicon) from a widget's 4xx/5xx.
      if (msg.type() === 'error') problems.push(`${page.url()}: ${msg.text()}${msg.location().url ? ` [${msg.location().url}]` : ''}`);
    });
  };
  context.on('page', watch);
  for (const page of context.pages()) watch(page);
  return {
    context,
    problems,
    newPage: () => context.newPage(),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Saves a screenshot of every open tab into a temp folder and returns the paths: called after
 * a failed test, so the failure can be seen (the folder is printed, never cleaned up).
 */
export async function saveFailureScreenshots(browser: Browser, testName: string): Promise<string[]> {
  const dir = join(tmpdir(), 'o365-health-e2e-failures');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dir, { recursive: true });
  const slug = testName.replace(/[^\w]+/g, '-').slice(0, 60);
  const paths: string[] = [];
  for (const [i, page] of browser.context.pages().entries()) {
    if (page.isClosed() || page.url() === 'about:blank') continue;
    const path = join(dir, `${slug}-${i}.png`);
    await page.screenshot({ path, fullPage: true }).catch(() => {});
    paths.push(path);
  }
  return paths;
}

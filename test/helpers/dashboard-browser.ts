import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { skipUnlessInstalled } from './services.js';

/** Debian's Chromium (`apt-get install chromium`); CHROMIUM_PATH overrides. */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Where each step's screenshot goes (git-ignored). */
export const SCREENSHOTS = join(process.cwd(), 'test-results', 'dashboard');

/**
 * The flags of a headless Chromium on a machine with no network but loopback: without the
 * background-networking ones it keeps trying hosts it cannot reach.
 */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** A browser shared by one test file, launched before its tests and closed after them. */
export interface DashboardBrowser {
  /** False when Chromium can run, else the skip reason (see `skipUnlessInstalled`). */
  readonly skip: string | false;
  /** The launched browser; only inside a test that is not skipped. */
  browser(): Browser;
  /**
   * A page in a context of its own (`height` px tall, 1,280 wide) that records every page error
   * and console error, for the test to require none.
   */
  openPage(height?: number): Promise<{ page: Page; problems: string[] }>;
}

/** Registers the file's `before` and `after` hooks that launch and close Chromium. */
export function useDashboardBrowser(): DashboardBrowser {
  const skip = skipUnlessInstalled(CHROMIUM);
  let browser: Browser | undefined;
  before(async () => {
    if (skip) return;
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });
  after(() => browser?.close());
  const running = () => {
    if (!browser) throw new Error('Chromium is not running: the test should have been skipped');
    return browser;
  };
  return {
    skip,
    browser: running,
    async openPage(height = 1000) {
      const context = await running().newContext({ viewport: { width: 1280, height } });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console: ${message.text()}`);
      });
      return { page, problems };
    },
  };
}

/** A locator's text, its whitespace folded, for matching what a person reads. */
export async function textOf(locator: Locator): Promise<string> {
  return (await locator.allTextContents()).join(' ').replace(/\s+/g, ' ');
}

/** Saves the whole page as `test-results/dashboard/<name>.png`. */
export function screenshot(page: Page, name: string): Promise<Buffer> {
  return page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * Debian's Chromium driven by playwright-core: a fresh profile per browser, and every request that
 * would leave this machine aborted and recorded (the pages must work with no internet).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { chromiumPath } from './services.js';

/** The flags the issue names: headless, no sandbox (root), nothing fetched in the background. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

export const SCREENSHOT_DIR = 'test-results/browser';

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  /** URLs the pages tried to load from anywhere but 127.0.0.1 / localhost (all aborted). */
  external: string[];
  /** Messages the pages logged with console.error, and uncaught page errors. */
  errors: string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function openBrowser(): Promise<TestBrowser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('chromium is not installed (apt-get install -y chromium)');
  const userDataDir = await mkdtemp(join(tmpdir(), 'paypulse-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1440, height: 1000 },
    acceptDownloads: true,
  });
  const external: string[] = [];
  const errors: string[] = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    const local = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.protocol === 'data:' || url.protocol === 'blob:';
    if (local) return route.continue();
    external.push(url.toString());
    return route.abort();
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const watch = (p: Page) => {
    p.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    p.on('pageerror', (e) => void errors.push(e.message));
  };
  watch(page);
  context.on('page', watch);
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  return {
    context,
    page,
    external,
    errors,
    async screenshot(name) {
      const path = join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

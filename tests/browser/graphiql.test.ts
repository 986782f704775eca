/**
 * GraphiQL in a real Chromium with no internet: the page comes from the package (every request
 * that would leave the machine is aborted and recorded), the Headers tab holds the demo merchant's
 * token, and a subscription typed into the editor receives events — over SSE, which carries the
 * Headers tab like any query (src/server/graphiql.ts).
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEMO_MERCHANT_ID } from '../../src/app.js';
import { README_MUTATION, README_SUBSCRIPTION } from '../../src/server/graphiql.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { openBrowser, type TestBrowser } from '../support/browser.js';
import { eventInput } from '../support/events.js';
import { IngestOne } from '../support/operations.js';
import { describeWith } from '../support/services.js';
import { waitUntil } from '../support/subscriptions.js';

const WAIT_MS = 60_000;

/** Waits for GraphiQL to render and to have loaded the schema (the doc explorer button is enabled). */
async function openGraphiQL(page: Page, url: string) {
  await page.goto(url);
  await page.waitForSelector('.graphiql-container .graphiql-query-editor .monaco-editor', { timeout: WAIT_MS });
}

/**
 * Replaces the operation editor's text as a user would: select all, delete, paste. (Typed key by
 * key, Monaco's bracket auto-closing would add a second `}` to every `{`.)
 */
async function typeOperation(page: Page, text: string) {
  await page.locator('.graphiql-query-editor .monaco-editor').first().click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.evaluate((pasted) => {
    const data = new DataTransfer();
    data.setData('text/plain', pasted);
    document.activeElement?.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, text);
}

/** The result pane's text (Monaco renders spaces as no-break spaces). */
const responseText = async (page: Page) => (await page.locator('.graphiql-response').innerText()).replace(/\u00a0/g, ' ');

await describeWith(['chromium'], 'GraphiQL in Chromium, offline', () => {
  let t: TestApp;
  let browser: TestBrowser;

  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded', env: { DEMO_MERCHANT: '1' } });
    browser = await openBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('renders from the package with the README documents and the demo token, loading nothing from outside', async () => {
    const { page } = browser;
    await openGraphiQL(page, t.url);
    await expect.poll(() => page.title(), { timeout: WAIT_MS }).toBe('paypulse');
    const tabs = await page.locator('.graphiql-tab').allInnerTexts();
    expect(tabs.map((s) => s.trim())).toEqual(['Live', '<untitled>']);
    await page.getByText('Headers', { exact: true }).click();
    const headers = await page.locator('.graphiql-editor-tool .monaco-editor').last().innerText();
    expect(headers.replace(/\s+/g, '')).toContain('"Authorization":"Bearer');
    await browser.screenshot('graphiql');
    expect(browser.external).toEqual([]);
    expect(browser.errors).toEqual([]);
  }, 120_000);

  it('keeps its default documents equal to the README example', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(readme).toContain(README_SUBSCRIPTION);
    expect(readme).toContain(README_MUTATION);
  });

  it('a subscription typed into it receives an ingested event, and the README mutation in a second tab', async () => {
    const { page, context } = browser;
    await openGraphiQL(page, t.url);
    await typeOperation(page, README_SUBSCRIPTION.replace('subscription Live', 'subscription Typed'));
    await page.locator('.graphiql-execute-button').click();

    // The subscription is live once an event ingested after the click shows up: keep posting
    // fresh ones until one does (each is a distinct event; none is lost once it is running).
    const token = await t.merchantToken(DEMO_MERCHANT_ID);
    const posted: string[] = [];
    await waitUntil(
      async () => {
        const event = eventInput({ eventId: `typed-${posted.length}` });
        posted.push(event.eventId);
        await t.gql(IngestOne, { event }, { token });
        return /typed-\d+/.test(await responseText(page));
      },
      WAIT_MS,
      () => `no typed-* event reached GraphiQL (posted ${posted.length})`,
    );
    const shown = /"eventId":\s*"(typed-\d+)"/.exec(await responseText(page))?.[1];
    expect(posted).toContain(shown);
    expect(await responseText(page)).toContain('"amount": "1500.00"');

    // The README flow: the mutation from GraphiQL's second tab, in a second browser tab (in the
    // same one, running it would stop the subscription: GraphiQL runs one operation at a time).
    const second = await context.newPage();
    await openGraphiQL(second, t.url);
    // GraphiQL restores its saved tabs after the first render: click until the mutation's tab is shown.
    await waitUntil(
      async () => {
        await second.locator('.graphiql-tab', { hasText: '<untitled>' }).click();
        return (await second.locator('.graphiql-query-editor').innerText()).includes('ingestPaymentEvent');
      },
      WAIT_MS,
      () => "GraphiQL's second tab did not show the mutation",
    );
    // Right after a tab switch on a loaded machine, GraphiQL can still hold the restored tab's
    // operation name and refuse in the page ("Cannot infer operation Typed") without sending
    // anything: click again until the mutation's request really leaves, as a user would.
    await waitUntil(
      async () => {
        const sent = second
          .waitForRequest((r) => r.method() === 'POST' && (r.postData() ?? '').includes('ingestPaymentEvent'), { timeout: 10_000 })
          .then(() => true, () => false);
        await second.locator('.graphiql-execute-button').click();
        return sent;
      },
      WAIT_MS,
      () => "GraphiQL's second tab sent no mutation",
    );
    await expect.poll(() => responseText(second), { timeout: WAIT_MS }).toContain('"status": "INGESTED"');
    await expect.poll(() => responseText(page), { timeout: WAIT_MS }).toContain('"eventId": "evt-1"');
    await page.bringToFront();
    await browser.screenshot('graphiql-subscription');
    await second.close();
    expect(browser.external).toEqual([]);
  }, 180_000);
});

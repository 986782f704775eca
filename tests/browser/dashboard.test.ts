/**
 * The live dashboard page in a real Chromium, against the real server (PostgreSQL + Redis), with
 * every request that would leave the machine aborted: sign-in, the live feed and tiles, a filter,
 * a server restart survived without a gap or a duplicate, the CSV export, and tenant isolation.
 * The steps share one page and run in order, as one merchant's session would.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { openBrowser, type TestBrowser } from '../support/browser.js';
import { csvObjects } from '../support/csv.js';
import { eventInput } from '../support/events.js';
import { CreateApiKey, IngestOne } from '../support/operations.js';
import { createTestDatabase, describeWith } from '../support/services.js';
import { waitUntil } from '../support/subscriptions.js';
import { freePort, history, ingest, storedEvents } from '../dashboard/helpers.js';

const WAIT_MS = 60_000;
const STEP_MS = 180_000;

/** Event ids in the feed, top to bottom. */
const feedIds = (page: Page) => page.$$eval('tbody.feed tr[data-event-id]', (rows) => rows.map((r) => (r as HTMLElement).dataset.eventId!));
const feedCursors = (page: Page) => page.$$eval('tbody.feed tr[data-event-id]', (rows) => rows.map((r) => BigInt((r as HTMLElement).dataset.cursor!).toString()));
const kpi = (page: Page, name: string) => page.locator(`[data-kpi="${name}"] [data-value]`).innerText();
const status = (page: Page) => page.locator('.status').getAttribute('data-status');

async function signIn(page: Page, url: string, secret: string, merchantId = '') {
  await page.goto(url);
  await page.fill('textarea[name="secret"]', secret);
  await page.fill('input[name="merchant"]', merchantId);
  await page.click('[data-action="sign-in"]');
}

async function exportCsv(page: Page, fromDay: string): Promise<string> {
  await page.fill('input[name="from"]', fromDay);
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: WAIT_MS }), page.click('[data-action="export"]')]);
  return readFile((await download.path())!, 'utf8');
}

const isoDay = (at: number) => new Date(at).toISOString().slice(0, 10);

await describeWith(['postgres', 'redis', 'chromium'], 'the live dashboard in Chromium', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let port: number;
  let t: TestApp;
  let browser: TestBrowser;
  let page: Page;
  const suffix = Math.random().toString(36).slice(2, 8);
  const merchant = `m_dash_${suffix}`;
  const other = `m_other_${suffix}`;
  let token: string;
  let otherToken: string;
  let dashboardUrl: string;

  const start = async () =>
    (t = await startTestApp({ mode: 'services', databaseUrl: database.url, env: { PORT: String(port), RATE_LIMIT_PER_MINUTE: '0' } }));

  beforeAll(async () => {
    database = await createTestDatabase();
    port = await freePort();
    await start();
    dashboardUrl = `http://127.0.0.1:${port}/dashboard`;
    await t.createMerchant(merchant);
    await t.createMerchant(other);
    token = await t.merchantToken(merchant);
    otherToken = await t.merchantToken(other);
    // An hour of history, and events whose text a spreadsheet would run or split.
    await ingest(t, token, [
      ...history(suffix, 60, 55),
      eventInput({ eventId: `${suffix}-tricky`, customerId: '=HYPERLINK("http://x","y")', productName: 'Tea, "large"', amountMinor: '999999999999999', currency: 'KES', provider: 'paystack' }),
    ]);
    browser = await openBrowser();
    page = browser.page;
  }, STEP_MS);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    await database?.drop();
  });

  it('signs in with a pasted token and shows the stored events newest first, the tiles and the charts', async () => {
    await signIn(page, dashboardUrl, `Bearer ${token}`);
    await page.waitForSelector('.status[data-status="connected"]', { timeout: WAIT_MS });
    const stored = await storedEvents(t, token);
    // The feed reads back the newest 100.
    await expect.poll(() => feedIds(page), { timeout: WAIT_MS }).toEqual(stored.slice(-100).reverse().map((e) => e.eventId));
    await expect.poll(() => kpi(page, 'transactions'), { timeout: WAIT_MS }).not.toBe('0');
    await page.waitForSelector('[data-panel="providers"] [data-provider="paystack"]', { timeout: WAIT_MS });
    // The exact amount as the server sent it (the largest an event may carry), digits grouped, never through a float.
    expect(await page.locator(`tr[data-event-id="${suffix}-tricky"] [data-amount]`).innerText()).toBe('9,999,999,999,999.99 KES');
    expect(browser.external).toEqual([]);
  }, STEP_MS);

  it('shows a live event at the top of the feed and in the tiles', async () => {
    const before = Number((await kpi(page, 'transactions')).replace(/,/g, ''));
    const live = eventInput({ eventId: `${suffix}-live-1`, provider: 'mpesa', amountMinor: '250050', currency: 'KES' });
    await t.gql(IngestOne, { event: live }, { token });
    await expect.poll(async () => (await feedIds(page))[0], { timeout: WAIT_MS }).toBe(live.eventId);
    expect(await page.locator(`tr[data-event-id="${live.eventId}"] [data-amount]`).innerText()).toBe('2,500.50 KES');
    await expect.poll(async () => Number((await kpi(page, 'transactions')).replace(/,/g, '')), { timeout: WAIT_MS }).toBe(before + 1);
    await waitUntil(async () => (await page.locator('[data-chart="volume"] canvas').count()) > 0, WAIT_MS, () => 'the volume chart was not drawn');
    await browser.screenshot('dashboard');
  }, STEP_MS);

  it('narrows the feed with a provider filter, applied by the server to the page and the live stream', async () => {
    await page.fill('input[name="provider"]', 'paystack');
    await page.click('[data-action="apply-filters"]');
    const paystack = (await storedEvents(t, token, { providers: ['paystack'] })).slice(-100).reverse();
    await expect.poll(() => feedIds(page), { timeout: WAIT_MS }).toEqual(paystack.map((e) => e.eventId));
    await t.gql(IngestOne, { event: eventInput({ eventId: `${suffix}-live-mpesa`, provider: 'mpesa' }) }, { token });
    await t.gql(IngestOne, { event: eventInput({ eventId: `${suffix}-live-paystack`, provider: 'paystack' }) }, { token });
    await expect.poll(async () => (await feedIds(page))[0], { timeout: WAIT_MS }).toBe(`${suffix}-live-paystack`);
    expect(await feedIds(page)).not.toContain(`${suffix}-live-mpesa`);
    expect(new Set(await page.$$eval('tbody.feed tr[data-event-id]', (rows) => rows.map((r) => (r as HTMLElement).dataset.provider)))).toEqual(new Set(['paystack']));
    await browser.screenshot('dashboard-filtered');
    await page.click('[data-action="clear-filters"]');
    await expect.poll(async () => (await feedIds(page))[0], { timeout: WAIT_MS }).toBe(`${suffix}-live-paystack`);
  }, STEP_MS);

  it('goes to reconnecting when the server restarts and resumes the feed with no gap and no duplicate', async () => {
    await t.stop();
    await expect.poll(() => status(page), { timeout: WAIT_MS }).toMatch(/^(reconnecting|offline)$/);
    await browser.screenshot('dashboard-reconnecting');
    // While it is away another instance stores events: they can only reach the page by the resume.
    const elsewhere = await startTestApp({ mode: 'services', databaseUrl: database.url });
    const missed = [1, 2, 3].map((i) => eventInput({ eventId: `${suffix}-while-away-${i}` }));
    for (const event of missed) await elsewhere.gql(IngestOne, { event }, { token });
    await elsewhere.stop();
    await start();
    await expect.poll(() => status(page), { timeout: WAIT_MS }).toBe('connected');
    const after = [1, 2].map((i) => eventInput({ eventId: `${suffix}-after-restart-${i}` }));
    for (const event of after) await t.gql(IngestOne, { event }, { token });
    await expect.poll(async () => (await feedIds(page))[0], { timeout: WAIT_MS }).toBe(after[1]!.eventId);

    const ids = await feedIds(page);
    expect(new Set(ids).size).toBe(ids.length);
    // Exactly the newest stored events, in cursor order: nothing missing between the page read
    // before the restart and the live events after it.
    const stored = await storedEvents(t, token);
    const newest = stored.slice(-ids.length).reverse();
    expect(ids).toEqual(newest.map((e) => e.eventId));
    expect(await feedCursors(page)).toEqual(newest.map((e) => e.cursor));
    for (const event of [...missed, ...after]) expect(ids).toContain(event.eventId);
    expect(browser.external).toEqual([]);
  }, STEP_MS);

  it('downloads a CSV export equal to the stored events, with exact amounts and neutralised formulas', async () => {
    const text = await exportCsv(page, isoDay(Date.now() - 86_400_000));
    const { header, rows } = csvObjects(text);
    expect(header.slice(0, 8)).toEqual(['cursor', 'event_id', 'type', 'occurred_at', 'received_at', 'provider', 'payment_method', 'amount']);
    const stored = await storedEvents(t, token);
    expect(rows.map((r) => r.event_id)).toEqual(stored.map((e) => e.eventId));
    stored.forEach((e, i) => {
      const row = rows[i]!;
      expect(row.cursor).toBe(e.cursor);
      expect(row.amount).toBe(e.amount.amount);
      expect(row.amount_minor).toBe(e.amount.amountMinor);
      expect(row.fee).toBe(e.fee.amount);
      expect(row.currency).toBe(e.currency);
      expect(row.provider).toBe(e.provider);
      expect(row.occurred_at).toBe(new Date(e.occurredAt).toISOString());
      expect(row.reference).toBe(e.reference ?? '');
    });
    const tricky = rows.find((r) => r.event_id === `${suffix}-tricky`)!;
    expect(tricky.customer_id).toBe(`'=HYPERLINK("http://x","y")`);
    expect(tricky.product_name).toBe('Tea, "large"');
    expect(tricky.amount).toBe('9999999999999.99');
  }, STEP_MS);

  it('signs in with an API key as well, over HTTP and graphql-ws', async () => {
    const created = await t.gql(CreateApiKey, { name: 'dashboard' }, { token });
    await page.click('[data-action="sign-out"]');
    await signIn(page, dashboardUrl, created.data!.createApiKey.secret);
    await page.waitForSelector('.status[data-status="connected"]', { timeout: WAIT_MS });
    const live = eventInput({ eventId: `${suffix}-via-key` });
    await t.gql(IngestOne, { event: live }, { token });
    await expect.poll(async () => (await feedIds(page))[0], { timeout: WAIT_MS }).toBe(live.eventId);
    expect(await page.locator('.topbar').innerText()).toContain('API key');
  }, STEP_MS);

  it('lets an admin watch the merchant they name', async () => {
    await page.click('[data-action="sign-out"]');
    await signIn(page, dashboardUrl, await t.adminToken());
    await expect.poll(() => page.locator('.signin .error').innerText(), { timeout: WAIT_MS }).toContain('BAD_USER_INPUT');
    await signIn(page, dashboardUrl, await t.adminToken(), merchant);
    await page.waitForSelector('.status[data-status="connected"]', { timeout: WAIT_MS });
    expect(await page.locator('[data-merchant]').getAttribute('data-merchant')).toBe(merchant);
    const live = eventInput({ eventId: `${suffix}-seen-by-admin` });
    await t.gql(IngestOne, { event: live }, { token });
    await expect.poll(async () => (await feedIds(page))[0], { timeout: WAIT_MS }).toBe(live.eventId);
    const { rows } = csvObjects(await exportCsv(page, isoDay(Date.now() - 86_400_000)));
    expect(rows.map((r) => r.event_id)).toEqual((await storedEvents(t, token)).map((e) => e.eventId));
  }, STEP_MS);

  it("shows another merchant's token none of them, and refuses it the first merchant", async () => {
    await page.click('[data-action="sign-out"]');
    await signIn(page, dashboardUrl, otherToken, merchant);
    await expect.poll(() => page.locator('.signin .error').innerText(), { timeout: WAIT_MS }).toContain('FORBIDDEN');
    await signIn(page, dashboardUrl, otherToken);
    await page.waitForSelector('.status[data-status="connected"]', { timeout: WAIT_MS });
    await expect.poll(() => kpi(page, 'transactions'), { timeout: WAIT_MS }).toBe('0');
    await t.gql(IngestOne, { event: eventInput({ eventId: `${suffix}-not-for-other` }) }, { token });
    await expect.poll(() => page.locator('[data-feed-count]').getAttribute('data-feed-count'), { timeout: WAIT_MS }).toBe('0');
    const { header, rows } = csvObjects(await exportCsv(page, isoDay(Date.now() - 86_400_000)));
    expect(header[0]).toBe('cursor');
    expect(rows).toEqual([]);
    expect(await feedIds(page)).toEqual([]);
    await browser.screenshot('dashboard-other-merchant');
  }, STEP_MS);
});

/**
 * GET /exports/payment-events.csv over real HTTP, in both modes: RFC 4180 records with exact
 * amounts, formula-safe text, the date range and every filter of `paymentEvents`, every row (not a
 * page), and the same credentials, roles, tenant scope and refusals as GraphQL.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { csvObjects, parseCsv } from '../support/csv.js';
import { eventInput } from '../support/events.js';
import { CreateApiKey, RevokeApiKey } from '../support/operations.js';
import { describeWith } from '../support/services.js';
import { NEEDS, newMerchant, type TestMerchant } from '../support/tenants.js';
import { ingest, storedEvents } from './helpers.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const DAY = 86_400_000;
const at = (iso: string) => new Date(iso).toISOString();

for (const mode of ['embedded', 'services'] as const) {
  await describeWith(NEEDS[mode], `CSV export (${mode})`, () => {
    let t: TestApp;
    let m: TestMerchant;
    let base: string;
    const get = (query: Record<string, string>, headers: Record<string, string> = {}) =>
      fetch(`${base}/exports/payment-events.csv?${new URLSearchParams(query)}`, { headers });
    const range = { from: '2026-11-01T00:00:00Z', to: '2026-11-03T00:00:00Z' };

    beforeAll(async () => {
      t = await startTestApp({ mode, env: { RATE_LIMIT_PER_MINUTE: '0' } });
      base = t.url.replace(/\/graphql$/, '');
      m = await newMerchant(t);
      await ingest(t, m.token, [
        eventInput({ eventId: 'in-1', occurredAt: at('2026-11-01T00:00:00Z'), amountMinor: '150000', feeMinor: '1500', currency: 'KES', provider: 'mpesa' }),
        eventInput({ eventId: 'in-2', occurredAt: at('2026-11-02T12:30:00Z'), amountMinor: '500', feeMinor: '0', currency: 'XOF', provider: 'paystack', paymentMethod: 'CARD', type: 'PAYMENT_FAILED' }),
        eventInput({ eventId: 'in-3', occurredAt: at('2026-11-02T23:59:59.999Z'), amountMinor: '1000000000000000', feeMinor: '1', currency: 'BHD', customerId: 'cust-9' }),
        eventInput({ eventId: '=cmd|calc', occurredAt: at('2026-11-02T01:00:00Z'), customerId: '+1-555', productName: 'Tea, "large"\r\nwith milk', reference: '@SUM(A1)', provider: 'mpesa' }),
        eventInput({ eventId: 'before', occurredAt: at('2026-10-31T23:59:59.999Z') }),
        eventInput({ eventId: 'at-end', occurredAt: at('2026-11-03T00:00:00Z') }),
      ]);
    });
    afterAll(() => t?.stop());

    it('streams every event of the range as RFC 4180 CSV with exact decimal amounts', async () => {
      const res = await get(range, { authorization: `Bearer ${m.token}` });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="paypulse-${m.id}-2026-11-01-2026-11-03.csv"`);
      const text = await res.text();
      expect(text.endsWith('\r\n')).toBe(true);
      const { rows } = csvObjects(text);
      // from inclusive, to exclusive, oldest first (by cursor).
      expect(rows.map((r) => r.event_id)).toEqual(['in-1', 'in-2', 'in-3', `'=cmd|calc`]);
      const byId = Object.fromEntries(rows.map((r) => [r.event_id, r]));
      expect(byId['in-1']).toMatchObject({ amount: '1500.00', fee: '15.00', currency: 'KES', amount_minor: '150000', type: 'payment.completed', occurred_at: '2026-11-01T00:00:00.000Z' });
      expect(byId['in-2']).toMatchObject({ amount: '500', fee: '0', currency: 'XOF', payment_method: 'card', type: 'payment.failed' });
      // Beyond a double's precision, and three decimals for BHD: exact.
      expect(byId['in-3']).toMatchObject({ amount: '1000000000000.000', amount_minor: '1000000000000000', fee: '0.001', customer_id: 'cust-9' });
      const stored = await storedEvents(t, m.token);
      for (const row of rows) expect(row.cursor).toBe(stored.find((e) => e.eventId === row.event_id!.replace(/^'/, ''))!.cursor);
    });

    it('neutralises text that a spreadsheet would run as a formula, and quotes commas, quotes and line breaks', async () => {
      const text = await (await get(range, { authorization: `Bearer ${m.token}` })).text();
      const row = csvObjects(text).rows.find((r) => r.event_id === `'=cmd|calc`)!;
      expect(row.customer_id).toBe(`'+1-555`);
      expect(row.reference).toBe(`'@SUM(A1)`);
      expect(row.product_name).toBe('Tea, "large"\r\nwith milk');
      expect(text).toContain('"Tea, ""large""\r\nwith milk"');
      // Every record has every column: the embedded CRLF did not split one.
      for (const record of parseCsv(text)) expect(record).toHaveLength(19);
    });

    it('applies every filter of paymentEvents, as the server does for the feed', async () => {
      const auth = { authorization: `Bearer ${m.token}` };
      const ids = async (query: Record<string, string>) => csvObjects(await (await get({ ...range, ...query }, auth)).text()).rows.map((r) => r.event_id);
      expect(await ids({ types: 'PAYMENT_FAILED' })).toEqual(['in-2']);
      expect(await ids({ providers: 'paystack' })).toEqual(['in-2']);
      expect(await ids({ currencies: 'xof,BHD' })).toEqual(['in-2', 'in-3']);
      expect(await ids({ paymentMethods: 'CARD' })).toEqual(['in-2']);
      expect(await ids({ minAmountMinor: '150000' })).toEqual(['in-1', 'in-3', `'=cmd|calc`]);
      expect(await ids({ customerId: 'cust-9' })).toEqual(['in-3']);
      expect(await ids({ types: 'PAYMENT_COMPLETED', providers: 'mpesa', currencies: 'KES' })).toEqual(['in-1', `'=cmd|calc`]);
    });

    it('exports all rows, not a page: 2,500 events across several database pages', async () => {
      const bulk = await newMerchant(t);
      const start = Date.parse('2026-11-10T00:00:00Z');
      await ingest(t, bulk.token, Array.from({ length: 2500 }, (_, i) => eventInput({ eventId: `bulk-${i}`, occurredAt: new Date(start + i * 1000).toISOString() })));
      const text = await (await get({ from: '2026-11-10T00:00:00Z', to: '2026-11-11T00:00:00Z' }, { authorization: `Bearer ${bulk.token}` })).text();
      const { rows } = csvObjects(text);
      expect(rows).toHaveLength(2500);
      expect(new Set(rows.map((r) => r.event_id)).size).toBe(2500);
      expect(rows.map((r) => BigInt(r.cursor!))).toEqual([...rows.map((r) => BigInt(r.cursor!))].sort((a, b) => (a < b ? -1 : 1)));
    });

    it('takes an API key, and refuses a revoked one', async () => {
      const created = await t.gql(CreateApiKey, { name: 'export' }, { token: m.token });
      const { secret, apiKey } = created.data!.createApiKey;
      const ok = await get(range, { 'x-api-key': secret });
      expect(ok.status).toBe(200);
      expect(csvObjects(await ok.text()).rows).toHaveLength(4);
      await t.gql(RevokeApiKey, { id: apiKey.id }, { token: m.token });
      const refused = await get(range, { 'x-api-key': secret });
      expect(refused.status).toBe(401);
      expect((await refused.json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    });

    it("keeps each merchant to its own events, and admins to the merchant they name", async () => {
      const other = await newMerchant(t);
      const own = await get(range, { authorization: `Bearer ${other.token}` });
      expect(csvObjects(await own.text()).rows).toEqual([]);
      const cross = await get({ ...range, merchantId: m.id }, { authorization: `Bearer ${other.token}` });
      expect(cross.status).toBe(403);
      expect((await cross.json()).errors[0].extensions.code).toBe('FORBIDDEN');
      const admin = await t.adminToken();
      const unnamed = await get(range, { authorization: `Bearer ${admin}` });
      expect(unnamed.status).toBe(400);
      expect((await unnamed.json()).errors[0].extensions.code).toBe('BAD_USER_INPUT');
      const named = await get({ ...range, merchantId: m.id }, { authorization: `Bearer ${admin}` });
      expect(csvObjects(await named.text()).rows).toHaveLength(4);
      const missing = await get({ ...range, merchantId: 'm_nobody' }, { authorization: `Bearer ${admin}` });
      expect(missing.status).toBe(404);
      expect((await missing.json()).errors[0].extensions.code).toBe('MERCHANT_NOT_FOUND');
      const customer = await t.token({ sub: 'cust-1', role: 'customer', merchantId: m.id });
      expect((await get(range, { authorization: `Bearer ${customer}` })).status).toBe(403);
    });

    it('refuses missing, bad and expired credentials, and credentials in the URL count for nothing', async () => {
      const codes = async (headers: Record<string, string>, query: Record<string, string> = range) => {
        const res = await get(query, headers);
        return [res.status, (await res.json()).errors[0].extensions.code];
      };
      expect(await codes({})).toEqual([401, 'UNAUTHENTICATED']);
      expect(await codes({}, { ...range, token: m.token, access_token: m.token })).toEqual([401, 'UNAUTHENTICATED']);
      expect(await codes({ authorization: 'Bearer not-a-jwt' })).toEqual([401, 'UNAUTHENTICATED']);
      expect(await codes({ authorization: m.token })).toEqual([401, 'UNAUTHENTICATED']);
      const expired = await t.token({ sub: 'u', role: 'merchant', merchantId: m.id, expiresInSeconds: -60 });
      expect(await codes({ authorization: `Bearer ${expired}` })).toEqual([401, 'UNAUTHENTICATED']);
    });

    it('refuses bad parameters with a coded error and streams nothing', async () => {
      const auth = { authorization: `Bearer ${m.token}` };
      const refusal = async (query: Record<string, string>) => {
        const res = await get(query, auth);
        expect(res.headers.get('content-type')).toContain('application/json');
        return [res.status, (await res.json()).errors[0].extensions.code];
      };
      expect(await refusal({})).toEqual([400, 'BAD_USER_INPUT']);
      expect(await refusal({ from: '2026-11-01', to: '2026-11-02T00:00:00Z' })).toEqual([400, 'BAD_USER_INPUT']);
      expect(await refusal({ from: '2026-11-02T00:00:00Z', to: '2026-11-01T00:00:00Z' })).toEqual([400, 'BAD_USER_INPUT']);
      expect(await refusal({ from: '2025-01-01T00:00:00Z', to: new Date(Date.parse('2025-01-01T00:00:00Z') + 367 * DAY).toISOString() })).toEqual([400, 'RANGE_TOO_LARGE']);
      expect(await refusal({ ...range, types: 'payment.completed' })).toEqual([400, 'BAD_USER_INPUT']);
      expect(await refusal({ ...range, paymentMethods: 'CASH' })).toEqual([400, 'BAD_USER_INPUT']);
      expect(await refusal({ ...range, currencies: 'KESS' })).toEqual([400, 'INVALID_CURRENCY']);
      expect(await refusal({ ...range, minAmountMinor: '1.5' })).toEqual([400, 'BAD_USER_INPUT']);
      expect(await refusal({ ...range, minAmountMinor: '-1' })).toEqual([400, 'BAD_USER_INPUT']);
      const post = await fetch(`${base}/exports/payment-events.csv?${new URLSearchParams(range)}`, { method: 'POST', headers: auth });
      expect(post.status).toBe(405);
    });
  });
}

await describeWith([], 'CSV export rate limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded', env: { RATE_LIMIT_PER_MINUTE: '1', RATE_LIMIT_BURST: '2' } });
  });
  afterAll(() => t?.stop());

  it('counts an export as one operation of the caller’s budget: RATE_LIMITED with Retry-After beyond it', async () => {
    const m = await newMerchant(t);
    const url = `${t.url.replace(/\/graphql$/, '')}/exports/payment-events.csv?from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z`;
    const statuses = [];
    let last: Response | undefined;
    for (let i = 0; i < 3; i++) {
      last = await fetch(url, { headers: { authorization: `Bearer ${m.token}` } });
      statuses.push(last.status);
      if (last.status === 200) await last.text();
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await last!.json()).errors[0].extensions.code).toBe('RATE_LIMITED');
  });
});

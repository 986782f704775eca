/**
 * The dashboard over real HTTP and graphql-ws, in both modes, on a hand-computed fixture: a
 * Nairobi merchant with payments today and yesterday, a lifecycle counted once, a failure, a
 * partial refund, products, methods, new and returning customers.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { describeWith } from '../support/services.js';
import { collect, waitUntil } from '../support/subscriptions.js';
import { NEEDS } from '../support/tenants.js';
import { errorCodes } from '../payments/helpers.js';
import { Buckets, Customers, DashboardLive, Methods, Overview, Products } from './operations.js';

const DAY = 24 * 3_600_000;

for (const mode of ['embedded', 'services'] as const) {
  await describeWith(NEEDS[mode], `dashboard queries (${mode})`, () => {
    let t: TestApp;
    let merchantId: string;
    let token: string;
    const now = Date.now();
    const at = (offsetMs: number) => new Date(now + offsetMs).toISOString();

    beforeAll(async () => {
      t = await startTestApp({ mode });
      merchantId = `m_dash_${randomUUID().slice(0, 6)}`;
      await t.createMerchant(merchantId, 'Africa/Nairobi');
      token = await t.merchantToken(merchantId);
      const e = (eventId: string, type: string, extra: Record<string, unknown>) => ({
        eventId, merchantId, type, provider: 'mpesa', currency: 'KES', amountMinor: '0', ...extra,
      });
      const result = await t.pipeline.ingest(
        [
          // Yesterday: c1's first payment (so c1 is not new today), by card.
          e('y1', 'payment.completed', { reference: 'R4', amountMinor: '50000', feeMinor: '500', customerId: 'c1', paymentMethod: 'card', occurredAt: at(-DAY) }),
          // Today: R1 goes initiated → processing → completed: one transaction, 1000.00, fee 15.00, product p1.
          e('t1', 'payment.initiated', { reference: 'R1', amountMinor: '100000', customerId: 'c1', paymentMethod: 'mobile_money', occurredAt: at(-3_000) }),
          e('t2', 'payment.processing', { reference: 'R1', amountMinor: '100000', occurredAt: at(-2_000) }),
          e('t3', 'payment.completed', { reference: 'R1', amountMinor: '100000', feeMinor: '1500', productId: 'p1', productName: 'Jollof', occurredAt: at(-1_000) }),
          // R2 fails.
          e('t4', 'payment.failed', { reference: 'R2', amountMinor: '20000', customerId: 'c3', paymentMethod: 'mobile_money', occurredAt: at(-1_000) }),
          // R3 succeeds, then 200.00 of it is refunded; c2 is new today.
          e('t5', 'payment.completed', { reference: 'R3', amountMinor: '60000', feeMinor: '900', customerId: 'c2', paymentMethod: 'card', productId: 'p2', productName: 'Suya', occurredAt: at(-1_000) }),
          e('t6', 'refund.processed', { reference: 'R3', amountMinor: '20000', occurredAt: at(-500) }),
          // A transfer is not a payment.
          e('t7', 'transfer.success', { reference: 'T1', amountMinor: '999999', occurredAt: at(-500) }),
        ],
        { source: 'api' },
      );
      expect(result.ingested).toBe(8);
    });
    afterAll(() => t?.stop());

    it('dashboardOverview: today against yesterday, and this month', async () => {
      const res = await t.gql(Overview, {}, { token });
      expect(res.errors).toBeUndefined();
      const o = res.data!.dashboardOverview;
      expect(o).toMatchObject({ merchantId, timezone: 'Africa/Nairobi' });
      const [kes] = o.currencies;
      expect(o.currencies).toHaveLength(1);
      expect(kes!.today).toMatchObject({
        currency: 'KES', transactions: 3, succeeded: 2, failed: 1, refunded: 1, newCustomers: 2, successRate: 66.66,
        gross: { amountMinor: '160000' }, fees: { amountMinor: '2400' }, refundedAmount: { amountMinor: '20000' }, net: { amountMinor: '137600', amount: '1376.00' },
      });
      expect(kes!.yesterday).toMatchObject({ transactions: 1, succeeded: 1, newCustomers: 1, gross: { amountMinor: '50000' }, net: { amountMinor: '49500' } });
      expect(kes!.growth).toEqual({ transactions: 200, gross: 220, net: 177.97 });
      // This month holds today, and yesterday unless today is the 1st.
      const sameMonth = o.today.slice(8) !== '01';
      expect(kes!.thisMonth.transactions).toBe(sameMonth ? 4 : 3);
    });

    it('analytics: daily and hourly buckets, with range limits', async () => {
      const daily = await t.gql(Buckets, { from: at(-DAY), to: at(0), granularity: 'DAILY' }, { token });
      expect(daily.errors).toBeUndefined();
      expect(daily.data!.analytics.map((b) => [b.totals.transactions, b.totals.gross.amountMinor])).toEqual([[1, '50000'], [3, '160000']]);
      const hourly = await t.gql(Buckets, { from: at(-DAY - 3_600_000), to: at(0), granularity: 'HOURLY' }, { token });
      expect(hourly.data!.analytics.reduce((n, b) => n + b.totals.transactions, 0)).toBe(4);
      expect(hourly.data!.analytics.every((b) => /^\d{4}-\d\d-\d\dT\d\d:00:00\.000Z$/.test(b.bucket))).toBe(true);

      const tooLong = await t.gql(Buckets, { from: at(-32 * DAY), to: at(0), granularity: 'HOURLY' }, { token });
      expect(errorCodes(tooLong)).toEqual(['RANGE_TOO_LARGE']);
      const tooManyDays = await t.gql(Buckets, { from: at(-400 * DAY), to: at(0) }, { token });
      expect(errorCodes(tooManyDays)).toEqual(['RANGE_TOO_LARGE']);
      const backwards = await t.gql(Buckets, { from: at(0), to: at(-DAY) }, { token });
      expect(errorCodes(backwards)).toEqual(['BAD_USER_INPUT']);
    });

    it('paymentMethods, topProducts and customers', async () => {
      const methods = await t.gql(Methods, { days: 2 }, { token });
      expect(methods.data!.paymentMethods).toEqual([
        { paymentMethod: 'card', currency: 'KES', transactions: 2, succeeded: 2, successRate: 100, share: 50, gross: { amountMinor: '110000' } },
        { paymentMethod: 'mobile_money', currency: 'KES', transactions: 2, succeeded: 1, successRate: 50, share: 50, gross: { amountMinor: '100000' } },
      ]);
      const products = await t.gql(Products, { days: 1 }, { token });
      expect(products.data!.topProducts).toEqual([
        { productId: 'p1', productName: 'Jollof', sold: 1, revenue: { amountMinor: '100000', currency: 'KES' } },
        { productId: 'p2', productName: 'Suya', sold: 1, revenue: { amountMinor: '40000', currency: 'KES' } },
      ]);
      const customers = await t.gql(Customers, { limit: 2 }, { token });
      expect(customers.data!.customers).toEqual({
        customers: 3, returning: 1, newToday: 2, currency: 'KES',
        topSpenders: [
          { customerId: 'c1', transactions: 2, succeeded: 2, spent: { amountMinor: '150000' } },
          { customerId: 'c2', transactions: 1, succeeded: 1, spent: { amountMinor: '40000' } },
        ],
      });
      expect(errorCodes(await t.gql(Products, { limit: 1000 }, { token }))).toEqual(['BAD_USER_INPUT']);
      expect(errorCodes(await t.gql(Methods, { days: 0 }, { token }))).toEqual(['BAD_USER_INPUT']);
      expect(errorCodes(await t.gql(Products, { currency: 'KSH' }, { token }))).toEqual(['INVALID_CURRENCY']);
    });

    it('is scoped: another merchant, a vendor, a customer or no token get nothing', async () => {
      const other = `m_other_${randomUUID().slice(0, 6)}`;
      await t.createMerchant(other);
      const asOther = await t.gql(Overview, { merchantId }, { token: await t.merchantToken(other) });
      expect(errorCodes(asOther)).toEqual(['FORBIDDEN']);
      expect(asOther.data ?? null).toBeNull();
      const ownOnly = await t.gql(Overview, {}, { token: await t.merchantToken(other) });
      expect(ownOnly.data!.dashboardOverview.currencies).toEqual([]);
      for (const role of ['vendor', 'customer'] as const) {
        const res = await t.gql(Overview, {}, { token: await t.token({ sub: `${role}-1`, role, merchantId }) });
        expect(errorCodes(res)).toEqual(['FORBIDDEN']);
      }
      expect(errorCodes(await t.gql(Overview, {}))).toEqual(['UNAUTHENTICATED']);
      const admin = await t.gql(Overview, { merchantId }, { token: await t.adminToken() });
      expect(admin.data!.dashboardOverview.currencies[0]!.today.transactions).toBe(3);
      expect(errorCodes(await t.gql(Overview, {}, { token: await t.adminToken() }))).toEqual(['BAD_USER_INPUT']);
    });
  });
}

describe('dashboardUpdated', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded' });
  });
  afterAll(() => t?.stop());

  it('sends the current totals at once, then coalesced updates ending with the latest totals', async () => {
    const merchantId = `m_live_${randomUUID().slice(0, 6)}`;
    await t.createMerchant(merchantId, 'UTC');
    const client = t.wsClient({ authorization: `Bearer ${await t.merchantToken(merchantId)}` });
    const sub = collect(client, DashboardLive);
    await sub.waitFor(1, 30_000);
    expect(sub.data()[0]!.dashboardUpdated).toMatchObject({ merchantId, today: [] });

    // 60 events in 12 quick calls: far fewer than 12 updates, the last one with all 60.
    for (let b = 0; b < 12; b++) {
      const events = Array.from({ length: 5 }, (_, i) => ({ eventId: `l${b}-${i}`, merchantId, type: 'payment.completed', provider: 'mpesa', amountMinor: '100', currency: 'KES' }));
      await t.pipeline.ingest(events, { source: 'api' });
    }
    await waitUntil(() => sub.data().at(-1)!.dashboardUpdated.today[0]?.transactions === 60, 30_000, () => `last update: ${JSON.stringify(sub.data().at(-1))}`);
    await new Promise((r) => setTimeout(r, 600));
    const updates = sub.data().slice(1);
    expect(updates.at(-1)!.dashboardUpdated.today).toEqual([{ currency: 'KES', transactions: 60, gross: { amountMinor: '6000' } }]);
    expect(updates.length).toBeGreaterThanOrEqual(1);
    expect(updates.length).toBeLessThan(12);
    const counts = updates.map((u) => u.dashboardUpdated.today[0]?.transactions ?? 0);
    expect([...counts].sort((a, b) => a - b)).toEqual(counts);
    await client.dispose();
  });
});

/**
 * The money defects an independent recount found (issue #13), each reproduced through GraphQL on
 * a fresh merchant in both modes, named after the defect. Wallet defects 3, 4 and 6 are in
 * tests/wallets/ledger.test.ts; the invariant behind all of them is
 * tests/invariants/metamorphic.property.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { IngestMany } from '../support/operations.js';
import { describeWith } from '../support/services.js';
import { NEEDS, type TestMerchant } from '../support/tenants.js';
import { WalletQuery } from '../wallets/operations.js';
import { Buckets, Customers, Methods, Overview, Products } from './operations.js';

vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

const today = () => new Date().toISOString().slice(0, 10);

for (const mode of ['embedded', 'services'] as const) {
  await describeWith(NEEDS[mode], `money defects (${mode})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ mode });
    });
    afterAll(() => t?.stop());

    async function utcMerchant(): Promise<TestMerchant> {
      const id = `m_${randomUUID().slice(0, 8)}`;
      await t.createMerchant(id, 'UTC');
      return { id, token: await t.merchantToken(id) };
    }
    async function ingest(m: TestMerchant, events: Record<string, unknown>[]) {
      const res = await t.gql(IngestMany, { events: events.map((e) => eventInput(e)) }, { token: m.token });
      expect(res.errors).toBeUndefined();
      return res.data!.ingestPaymentEvents;
    }

    it('counts the fee of the completion that counts, not the largest fee, in any arrival order (defect 1)', async () => {
      const day = today();
      const small = { reference: 'R1', type: 'PAYMENT_COMPLETED', amountMinor: '500', feeMinor: '7', currency: 'KES', occurredAt: `${day}T10:00:00Z` };
      const large = { reference: 'R1', type: 'PAYMENT_COMPLETED', amountMinor: '1000', feeMinor: '3', currency: 'KES', occurredAt: `${day}T10:05:00Z` };
      for (const order of [[small, large], [large, small]]) {
        const m = await utcMerchant();
        for (const e of order) await ingest(m, [e]);
        const buckets = await t.gql(Buckets, { from: `${day}T00:00:00Z`, to: `${day}T23:59:59Z`, granularity: 'DAILY' }, { token: m.token });
        expect(buckets.data!.analytics.map((b) => [b.totals.transactions, b.totals.gross.amountMinor, b.totals.fees.amountMinor, b.totals.net.amountMinor])).toEqual([[1, '1000', '3', '997']]);
        const overview = await t.gql(Overview, {}, { token: m.token });
        expect(overview.data!.dashboardOverview.currencies[0]!.today).toMatchObject({ gross: { amountMinor: '1000' }, fees: { amountMinor: '3' }, net: { amountMinor: '997', amount: '9.97' } });
      }
    });

    it('leaves out the bucket a late, earlier event moved a payment out of (defect 2)', async () => {
      const m = await utcMerchant();
      await ingest(m, [{ reference: 'R1', type: 'PAYMENT_COMPLETED', amountMinor: '100', occurredAt: '2026-11-21T10:00:00Z' }]);
      await ingest(m, [{ reference: 'R1', type: 'PAYMENT_INITIATED', amountMinor: '100', occurredAt: '2026-11-20T23:59:00Z' }]);
      const range = { from: '2026-11-19T00:00:00Z', to: '2026-11-22T23:00:00Z' };
      const daily = await t.gql(Buckets, { ...range, granularity: 'DAILY' }, { token: m.token });
      expect(daily.data!.analytics.map((b) => [b.bucket, b.totals.transactions, b.totals.succeeded])).toEqual([['2026-11-20', 1, 1]]);
      const hourly = await t.gql(Buckets, { ...range, granularity: 'HOURLY' }, { token: m.token });
      expect(hourly.data!.analytics.map((b) => [b.bucket, b.totals.transactions])).toEqual([['2026-11-20T23:00:00.000Z', 1]]);
      // Not just hidden: the stored buckets are gone too.
      expect(await t.db.prisma.aggDaily.count({ where: { merchantId: m.id } })).toBe(1);
      expect(await t.db.prisma.aggHourly.count({ where: { merchantId: m.id } })).toBe(1);
    });

    it('refuses an amount above 10^15 for that item only, stores its neighbours, and every query keeps answering (defect 5)', async () => {
      const m = await utcMerchant();
      const first = await ingest(m, [{ reference: 'R1', type: 'PAYMENT_COMPLETED', amountMinor: '5000000000000000000', occurredAt: '2026-11-20T10:00:00Z' }]);
      expect([first.ingested, first.rejected, first.errors.map((e) => [e.index, e.field, e.code])]).toEqual([0, 1, [[0, 'amountMinor', 'AMOUNT_OUT_OF_RANGE']]]);
      const batch = await ingest(m, [
        { reference: 'R2', type: 'PAYMENT_COMPLETED', amountMinor: '5000000000000000000', occurredAt: '2026-11-20T11:00:00Z' },
        { reference: 'R3', type: 'PAYMENT_COMPLETED', amountMinor: '100', occurredAt: '2026-11-20T12:00:00Z' },
        { reference: 'R4', type: 'PAYMENT_COMPLETED', amountMinor: '1', feeMinor: '1000000000000001', occurredAt: '2026-11-20T12:00:00Z' },
      ]);
      expect([batch.ingested, batch.rejected, batch.errors.map((e) => [e.index, e.code])]).toEqual([1, 2, [[0, 'AMOUNT_OUT_OF_RANGE'], [2, 'AMOUNT_OUT_OF_RANGE']]]);
      const daily = await t.gql(Buckets, { from: '2026-11-20T00:00:00Z', to: '2026-11-20T23:59:59Z', granularity: 'DAILY' }, { token: m.token });
      expect(daily.data!.analytics.map((b) => b.totals.gross.amountMinor)).toEqual(['100']);
      expect((await t.gql(Methods, { days: 30 }, { token: m.token })).errors).toBeUndefined();
      expect((await t.gql(Products, { days: 30 }, { token: m.token })).errors).toBeUndefined();
      expect((await t.gql(Customers, {}, { token: m.token })).errors).toBeUndefined();
    });

    // 10,000 events take a while on a busy machine; PostgreSQL and PGlite run the same NUMERIC code.
    if (mode === 'services') it('sums beyond 64 bits exactly: 10,000 events of 10^15 in one day, one product, one customer and one wallet (defect 5)', async () => {
      const m = await utcMerchant();
      const day = today();
      const N = 10_000;
      for (let from = 0; from < N; from += 1000) {
        const events = Array.from({ length: 1000 }, (_, i) => ({
          reference: `BIG-${from + i}`,
          type: 'PAYMENT_COMPLETED',
          amountMinor: '1000000000000000',
          feeMinor: '1000000000000000',
          currency: 'KES',
          customerId: 'whale',
          productId: 'gold',
          productName: 'Gold',
          paymentMethod: 'CARD',
          walletId: 'w_big',
          occurredAt: `${day}T00:00:0${(from / 1000) % 10}Z`,
        }));
        const res = await ingest(m, events);
        expect([res.ingested, res.rejected]).toEqual([1000, 0]);
      }
      const total = (10n ** 15n * BigInt(N)).toString(); // 10^19 > 2^63 − 1
      const daily = await t.gql(Buckets, { from: `${day}T00:00:00Z`, to: `${day}T23:59:59Z`, granularity: 'DAILY' }, { token: m.token });
      expect(daily.errors).toBeUndefined();
      expect(daily.data!.analytics[0]!.totals).toMatchObject({ transactions: N, gross: { amountMinor: total }, fees: { amountMinor: total }, net: { amountMinor: '0' } });
      const methods = await t.gql(Methods, { days: 30 }, { token: m.token });
      expect(methods.data!.paymentMethods.map((x) => [x.paymentMethod, x.transactions, x.gross.amountMinor])).toEqual([['card', N, total]]);
      const products = await t.gql(Products, { days: 30 }, { token: m.token });
      expect(products.data!.topProducts.map((p) => [p.productId, p.productName, p.sold, p.revenue.amountMinor])).toEqual([['gold', 'Gold', N, total]]);
      const customers = await t.gql(Customers, {}, { token: m.token });
      expect(customers.data!.customers.topSpenders.map((c) => [c.customerId, c.spent.amountMinor])).toEqual([['whale', total]]);
      const overview = await t.gql(Overview, {}, { token: m.token });
      expect(overview.data!.dashboardOverview.currencies[0]!.thisMonth.gross.amountMinor).toBe(total);
      const wallet = await t.gql(WalletQuery, { id: 'w_big' }, { token: m.token });
      expect(wallet.data!.wallet.available).toEqual({ amountMinor: total, currency: 'KES', amount: '100000000000000000.00' });
      // And the next event still goes in.
      expect((await ingest(m, [{ reference: 'AFTER', type: 'PAYMENT_COMPLETED', amountMinor: '5', walletId: 'w_big', customerId: 'whale' }])).ingested).toBe(1);
    });

    it('refuses NUL characters in the arguments of wallet, order, paymentStatus, merchant, apiKeys and createOrder with BAD_USER_INPUT (defect 7)', async () => {
      const m = await utcMerchant();
      const admin = await t.adminToken();
      const bad = 'x\u0000y';
      const cases: [string, string, Record<string, unknown>][] = [
        ['wallet', 'query($v: ID!) { wallet(id: $v) { id } }', { v: bad }],
        ['order', 'query($v: ID!) { order(id: $v) { id } }', { v: bad }],
        ['paymentStatus', 'query($v: String!) { paymentStatus(reference: $v) { status } }', { v: bad }],
        ['merchant', 'query($v: ID) { merchant(id: $v) { id } }', { v: bad }],
        ['apiKeys', 'query($v: ID) { apiKeys(merchantId: $v) { id } }', { v: bad }],
        [
          'createOrder',
          'mutation($v: CreateOrderInput!) { createOrder(input: $v) { id } }',
          { v: { currency: 'KES', customerId: 'c1', items: [{ name: bad, quantity: 1, unitPriceMinor: '100' }] } },
        ],
        ['wallet (literal)', '{ wallet(id: "a\\u0000b") { id } }', {}],
        ['walletLedger (lone surrogate)', 'query($v: ID!) { walletLedger(walletId: $v) { edges { cursor } } }', { v: 'a\ud800b' }],
      ];
      for (const [name, query, variables] of cases) {
        for (const token of [m.token, admin]) {
          const res = await t.post({ query, variables }, { token });
          expect(res.json?.errors?.map((e: { extensions?: { code?: string } }) => e.extensions?.code), name).toEqual(['BAD_USER_INPUT']);
        }
      }
      expect(await t.db.prisma.order.count({ where: { merchantId: m.id } })).toBe(0);
    });
  });
}

/**
 * Orders through the real app in both modes: creation, every legal move and every illegal one
 * (ILLEGAL_TRANSITION, nothing changed) over GraphQL, and ingested payments marking orders PAID
 * exactly once.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { ORDER_STATUSES, TRANSITIONS } from '../../src/orders/state.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { describeWith } from '../support/services.js';
import { NEEDS, newMerchant, type TestMerchant } from '../support/tenants.js';
import { createOrder, errorCodes, moveThrough, orderOf, orderPayment, PATH_TO } from './helpers.js';
import { CreateOrder, OrdersQuery, UpdateOrderStatus } from './operations.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

for (const mode of ['embedded', 'services'] as const) {
  await describeWith(NEEDS[mode], `order lifecycle (${mode})`, () => {
    let t: TestApp;
    let m: TestMerchant;

    beforeAll(async () => {
      t = await startTestApp({ mode });
      m = await newMerchant(t);
    });
    afterAll(() => t?.stop());

    it('creates an order in CREATED at version 1 with the exact integer total and a creation history row', async () => {
      const estimate = '2026-11-23T18:30:00.000Z';
      const res = await t.gql(
        CreateOrder,
        { input: { customerId: 'cust-a', currency: 'KES', estimatedReadyAt: estimate, items: [{ name: 'Pilau', quantity: 3, unitPriceMinor: '33333' }, { name: 'Water', quantity: 1, unitPriceMinor: '1' }] } },
        { token: m.token },
      );
      expect(res.errors).toBeUndefined();
      expect(res.data!.createOrder).toMatchObject({
        merchantId: m.id, customerId: 'cust-a', vendorId: null, status: 'CREATED', version: '1', estimatedReadyAt: estimate,
        amount: { amountMinor: '100000', currency: 'KES', amount: '1000.00' },
        items: [{ name: 'Pilau', quantity: 3, unitPrice: { amountMinor: '33333' }, total: { amountMinor: '99999' } }, { name: 'Water', quantity: 1, total: { amountMinor: '1' } }],
      });
      const order = await orderOf(t, res.data!.createOrder.id);
      expect(order.history).toEqual([{ from: null, to: 'CREATED', actor: `user-${m.id}`, reason: null, version: '1' }]);
    });

    it('refuses bad input with BAD_USER_INPUT and stores nothing', async () => {
      const before = await t.db.prisma.order.count({ where: { merchantId: m.id } });
      const item = { name: 'Tea', quantity: 1, unitPriceMinor: '100' };
      for (const input of [
        { customerId: 'c', currency: 'XXX1', items: [item] },
        { customerId: 'c', currency: 'ABC', items: [item] },
        { customerId: 'c', currency: 'KES', items: [] },
        { customerId: 'c', currency: 'KES', items: [{ ...item, quantity: 0 }] },
        { customerId: 'c', currency: 'KES', items: [{ ...item, unitPriceMinor: '-1' }] },
        { customerId: 'c', currency: 'KES', items: [{ ...item, name: '  ' }] },
        { customerId: 'c', currency: 'KES', items: [{ ...item, quantity: 2, unitPriceMinor: '9223372036854775807' }] },
      ]) {
        const res = await t.gql(CreateOrder, { input }, { token: m.token });
        expect(errorCodes(res), JSON.stringify(input)).toEqual(['BAD_USER_INPUT']);
      }
      expect(await t.db.prisma.order.count({ where: { merchantId: m.id } })).toBe(before);
    });

    it('allows every legal move, recording actor, reason, estimate and version in the history', async () => {
      for (const from of ORDER_STATUSES) {
        for (const to of TRANSITIONS[from]) {
          const id = await createOrder(t, m.token, 'cust-b');
          await moveThrough(t, m.token, id, PATH_TO[from]);
          const res = await t.gql(UpdateOrderStatus, { orderId: id, status: to, reason: `test ${from}→${to}`, estimatedReadyAt: '2026-11-23T19:00:00.000Z' }, { token: m.token });
          expect(res.errors, `${from} → ${to}`).toBeUndefined();
          const version = String(PATH_TO[from].length + 2);
          expect(res.data!.updateOrderStatus).toMatchObject({ status: to, version, estimatedReadyAt: '2026-11-23T19:00:00.000Z' });
          const order = await orderOf(t, id);
          expect(order.history.at(-1)).toEqual({ from, to, actor: `user-${m.id}`, reason: `test ${from}→${to}`, version });
          expect(order.history.map((h) => h.version)).toEqual(Array.from({ length: Number(version) }, (_, i) => String(i + 1)));
        }
      }
    });

    it('refuses every illegal move with ILLEGAL_TRANSITION and changes nothing', async () => {
      for (const from of ORDER_STATUSES) {
        const id = await createOrder(t, m.token, 'cust-c');
        await moveThrough(t, m.token, id, PATH_TO[from]);
        const before = await orderOf(t, id);
        for (const to of ORDER_STATUSES.filter((s) => !TRANSITIONS[from].includes(s))) {
          const res = await t.gql(UpdateOrderStatus, { orderId: id, status: to, estimatedReadyAt: '2030-01-01T00:00:00.000Z' }, { token: m.token });
          expect(errorCodes(res), `${from} → ${to}`).toEqual(['ILLEGAL_TRANSITION']);
          expect(res.errors![0]!.extensions).toMatchObject({ from, to });
          expect(res.data ?? null).toBeNull();
        }
        expect(await orderOf(t, id), from).toEqual(before);
      }
    });

    it('serialises concurrent moves of one order: two racing PAID → PREPARING: one wins, the other is checked against its result', async () => {
      const id = await createOrder(t, m.token, 'cust-d');
      await moveThrough(t, m.token, id, ['PAID']);
      const [a, b] = await Promise.all([
        t.gql(UpdateOrderStatus, { orderId: id, status: 'PREPARING' }, { token: m.token }),
        t.gql(UpdateOrderStatus, { orderId: id, status: 'PREPARING' }, { token: m.token }),
      ]);
      // The second one finds PREPARING → PREPARING, which is not a move.
      expect([errorCodes(a), errorCodes(b)].sort()).toEqual([[], ['ILLEGAL_TRANSITION']]);
      const order = await orderOf(t, id);
      expect([order.status, order.version, order.history.length]).toEqual(['PREPARING', '3', 3]);
    });

    it('a payment.completed naming the order moves CREATED to PAID as event:<id>; a redelivery changes nothing', async () => {
      const id = await createOrder(t, m.token, 'cust-e');
      const payment = orderPayment(m.id, id, 39_950n);
      const first = await t.pipeline.ingest([payment], { source: 'api' });
      expect(first.ingested).toBe(1);
      let order = await orderOf(t, id);
      expect([order.status, order.version]).toEqual(['PAID', '2']);
      expect(order.history.at(-1)).toEqual({ from: 'CREATED', to: 'PAID', actor: `event:${payment.eventId}`, reason: 'payment.completed', version: '2' });

      const again = await t.pipeline.ingest([payment], { source: 'api' });
      expect(again.duplicates).toBe(1);
      // A second payment under a new event id does not move a PAID order either.
      await t.pipeline.ingest([orderPayment(m.id, id, 39_950n)], { source: 'api' });
      order = await orderOf(t, id);
      expect([order.status, order.version, order.history.length]).toEqual(['PAID', '2', 2]);
    });

    it('a payment leaves an order beyond PAID, another merchant’s order, an underpaid or other-currency order alone', async () => {
      const other = await newMerchant(t);
      const preparing = await createOrder(t, m.token, 'cust-f');
      await moveThrough(t, m.token, preparing, ['PAID', 'PREPARING']);
      const cancelled = await createOrder(t, m.token, 'cust-f');
      await moveThrough(t, m.token, cancelled, ['CANCELLED']);
      const foreign = await createOrder(t, other.token, 'cust-f');
      const underpaid = await createOrder(t, m.token, 'cust-f');
      const dollars = await createOrder(t, m.token, 'cust-f');
      const result = await t.pipeline.ingest(
        [orderPayment(m.id, preparing, 39_950n), orderPayment(m.id, cancelled, 39_950n), orderPayment(m.id, foreign, 39_950n), orderPayment(m.id, underpaid, 39_949n), orderPayment(m.id, dollars, 39_950n, { currency: 'USD' }), orderPayment(m.id, 'ord_missing', 1n)],
        { source: 'api' },
      );
      expect(result.ingested).toBe(6);
      expect((await orderOf(t, preparing)).status).toBe('PREPARING');
      expect((await orderOf(t, cancelled)).status).toBe('CANCELLED');
      for (const id of [foreign, underpaid, dollars]) expect(await orderOf(t, id)).toMatchObject({ status: 'CREATED', version: '1' });
    });

    it('orders: lists the merchant’s orders newest first, filtered by status, paged by cursor', async () => {
      const fresh = await newMerchant(t);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push(await createOrder(t, fresh.token, 'cust-g'));
      await moveThrough(t, fresh.token, ids[1]!, ['CANCELLED']);
      const page1 = await t.gql(OrdersQuery, { first: 2 }, { token: fresh.token });
      expect(page1.data!.orders.edges.map((e) => e.node.id)).toEqual([ids[2], ids[1]]);
      expect(page1.data!.orders.pageInfo.hasNextPage).toBe(true);
      const page2 = await t.gql(OrdersQuery, { first: 2, after: page1.data!.orders.pageInfo.endCursor }, { token: fresh.token });
      expect(page2.data!.orders.edges.map((e) => e.node.id)).toEqual([ids[0]]);
      expect(page2.data!.orders.pageInfo.hasNextPage).toBe(false);
      const cancelled = await t.gql(OrdersQuery, { status: 'CANCELLED' }, { token: fresh.token });
      expect(cancelled.data!.orders.edges.map((e) => e.node)).toEqual([{ id: ids[1], status: 'CANCELLED' }]);
    });
  });
}

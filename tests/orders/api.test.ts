/**
 * Who may do what with orders, and the live `orderStatus` / `orderUpdates` subscriptions over a
 * real graphql-ws client, in both modes. The callers: the owner customer, another customer, a
 * vendor of the merchant, a vendor of another merchant, the merchant, an admin, and no token.
 */
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { describeWith } from '../support/services.js';
import { collect, nextClose, waitUntil, type Collector } from '../support/subscriptions.js';
import { NEEDS, newMerchant, type TestMerchant } from '../support/tenants.js';
import { createOrder, errorCodes, moveThrough, orderOf, orderPayment, QUIET_MS, sleep, subscriptionErrorCodes, WAIT_MS } from './helpers.js';
import { CreateOrder, OrderQuery, OrdersQuery, OrderStatusSub, OrderUpdatesSub, UpdateOrderStatus } from './operations.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

type Who = 'owner' | 'otherCustomer' | 'vendor' | 'otherVendor' | 'merchant' | 'admin' | 'none';

for (const mode of ['embedded', 'services'] as const) {
  await describeWith(NEEDS[mode], `order API (${mode})`, () => {
    let t: TestApp;
    let m: TestMerchant;
    let other: TestMerchant;
    const owner = 'customer-owner-1';
    const tokens = {} as Record<Who, string | undefined>;
    const open: Collector<unknown>[] = [];
    const subscribe = <R, V>(token: string, doc: Parameters<typeof collect<R, V>>[1], variables: V) => {
      const sub = collect(t.wsClient({ authorization: `Bearer ${token}` }), doc, variables);
      open.push(sub as Collector<unknown>);
      return sub;
    };
    const opts = (who: Who) => (tokens[who] ? { token: tokens[who] } : {});
    /** Admins must name the merchant; everyone else acts for their own. */
    const scoped = (who: Who) => (who === 'admin' ? { merchantId: m.id } : {});

    beforeAll(async () => {
      t = await startTestApp({ mode });
      m = await newMerchant(t);
      other = await newMerchant(t);
      Object.assign(tokens, {
        owner: await t.token({ sub: owner, role: 'customer' }),
        // A customer token naming the merchant is still no staff of it.
        otherCustomer: await t.token({ sub: 'customer-other', role: 'customer', merchantId: m.id }),
        vendor: await t.token({ sub: 'vendor-1', role: 'vendor', merchantId: m.id }),
        otherVendor: await t.token({ sub: 'vendor-2', role: 'vendor', merchantId: other.id }),
        merchant: m.token,
        admin: await t.adminToken(),
        none: undefined,
      });
    });
    afterAll(() => t?.stop());
    afterEach(async () => {
      for (const sub of open.splice(0)) sub.stop();
      await waitUntil(() => t.pubsub.activeSubscriptions() === 0, WAIT_MS, () => 'subscriptions released');
    });

    it('order(id): the owner, vendors of the merchant, the merchant and admins; others FORBIDDEN with no data; no token UNAUTHENTICATED', async () => {
      const id = await createOrder(t, m.token, owner);
      const expected: Record<Who, string | null> = { owner: null, otherCustomer: 'FORBIDDEN', vendor: null, otherVendor: 'FORBIDDEN', merchant: null, admin: null, none: 'UNAUTHENTICATED' };
      for (const [who, code] of Object.entries(expected) as [Who, string | null][]) {
        const res = await t.gql(OrderQuery, { id }, opts(who));
        if (code === null) {
          expect(res.errors, who).toBeUndefined();
          expect(res.data!.order, who).toMatchObject({ id, customerId: owner, status: 'CREATED' });
        } else {
          expect(errorCodes(res), who).toEqual([code]);
          expect(res.data ?? null, who).toBeNull();
        }
      }
      // An unknown order looks the same as someone else's; admins learn it is missing.
      expect(errorCodes(await t.gql(OrderQuery, { id: 'ord_nope' }, opts('vendor')))).toEqual(['FORBIDDEN']);
      expect(errorCodes(await t.gql(OrderQuery, { id: 'ord_nope' }, opts('admin')))).toEqual(['NOT_FOUND']);
    });

    it("orders: staff of the merchant and admins; customers FORBIDDEN; another merchant's vendor never sees them", async () => {
      const id = await createOrder(t, m.token, owner);
      for (const who of ['vendor', 'merchant', 'admin'] as const) {
        const res = await t.gql(OrdersQuery, { first: 500, ...scoped(who) }, opts(who));
        expect(res.errors, who).toBeUndefined();
        expect(res.data!.orders.edges.map((e) => e.node.id), who).toContain(id);
      }
      for (const [who, code] of [['owner', 'FORBIDDEN'], ['otherCustomer', 'FORBIDDEN'], ['none', 'UNAUTHENTICATED']] as const) {
        expect(errorCodes(await t.gql(OrdersQuery, {}, opts(who))), who).toEqual([code]);
      }
      const own = await t.gql(OrdersQuery, {}, opts('otherVendor'));
      expect(own.data!.orders.edges.map((e) => e.node.id)).not.toContain(id);
      const res = await t.gql(OrdersQuery, { merchantId: m.id }, opts('otherVendor'));
      expect(errorCodes(res)).toEqual(['FORBIDDEN']);
      expect(errorCodes(await t.gql(OrdersQuery, {}, opts('admin')))).toEqual(['BAD_USER_INPUT']);
    });

    it('createOrder: vendors and the merchant for their merchant, admins naming it; everyone else refused, nothing stored', async () => {
      const input = { customerId: owner, currency: 'KES', items: [{ name: 'Chai', quantity: 1, unitPriceMinor: '5000' }] };
      for (const who of ['vendor', 'merchant', 'admin'] as const) {
        const res = await t.gql(CreateOrder, { input: { ...input, ...scoped(who) } }, opts(who));
        expect(res.errors, who).toBeUndefined();
        expect(res.data!.createOrder, who).toMatchObject({ merchantId: m.id, status: 'CREATED', amount: { amountMinor: '5000' } });
      }
      const before = await t.db.prisma.order.count();
      const refused: [Who, Record<string, string>, string][] = [
        ['owner', {}, 'FORBIDDEN'],
        ['otherCustomer', {}, 'FORBIDDEN'],
        ['otherVendor', { merchantId: m.id }, 'FORBIDDEN'],
        ['none', {}, 'UNAUTHENTICATED'],
        ['admin', {}, 'BAD_USER_INPUT'],
        ['admin', { merchantId: 'm_missing' }, 'MERCHANT_NOT_FOUND'],
      ];
      for (const [who, extra, code] of refused) {
        const res = await t.gql(CreateOrder, { input: { ...input, ...extra } }, opts(who));
        expect(errorCodes(res), who).toEqual([code]);
      }
      expect(await t.db.prisma.order.count()).toBe(before);
    });

    it('updateOrderStatus: vendors of the merchant, the merchant and admins; others refused and nothing changes', async () => {
      const id = await createOrder(t, m.token, owner);
      for (const [who, code] of [['owner', 'FORBIDDEN'], ['otherCustomer', 'FORBIDDEN'], ['otherVendor', 'FORBIDDEN'], ['none', 'UNAUTHENTICATED']] as const) {
        const res = await t.gql(UpdateOrderStatus, { orderId: id, status: 'CANCELLED' }, opts(who));
        expect(errorCodes(res), who).toEqual([code]);
        expect(res.data ?? null, who).toBeNull();
      }
      expect(await orderOf(t, id)).toMatchObject({ status: 'CREATED', version: '1' });
      await moveThrough(t, tokens.vendor!, id, ['PAID']);
      await moveThrough(t, tokens.merchant!, id, ['PREPARING']);
      await moveThrough(t, tokens.admin!, id, ['READY']);
      const order = await orderOf(t, id);
      expect(order.history.map((h) => [h.to, h.actor])).toEqual([['CREATED', `user-${m.id}`], ['PAID', 'vendor-1'], ['PREPARING', `user-${m.id}`], ['READY', 'admin-1']]);
      expect(errorCodes(await t.gql(UpdateOrderStatus, { orderId: 'ord_nope', status: 'PAID' }, opts('admin')))).toEqual(['NOT_FOUND']);
    });

    it('orderStatus: the owner, staff of the merchant and admins get the current state, then every change in version order', async () => {
      const id = await createOrder(t, m.token, owner);
      const subs = (['owner', 'vendor', 'merchant', 'admin'] as const).map((who) => [who, subscribe(tokens[who]!, OrderStatusSub, { orderId: id })] as const);
      for (const [, sub] of subs) await sub.waitFor(1, WAIT_MS);
      await waitUntil(() => t.pubsub.activeSubscriptions() >= 4, WAIT_MS, () => 'subscribed');
      await t.pipeline.ingest([orderPayment(m.id, id, 39_950n)], { source: 'api' });
      await t.gql(UpdateOrderStatus, { orderId: id, status: 'PREPARING', estimatedReadyAt: '2026-11-23T20:00:00.000Z' }, opts('vendor'));
      await moveThrough(t, m.token, id, ['READY', 'COMPLETED']);
      for (const [who, sub] of subs) {
        await sub.waitFor(5, WAIT_MS);
        await sleep(QUIET_MS);
        expect(sub.results.filter((r) => r.errors), who).toEqual([]);
        expect(sub.data().map((d) => [d.orderStatus.version, d.orderStatus.status]), who).toEqual([
          ['1', 'CREATED'], ['2', 'PAID'], ['3', 'PREPARING'], ['4', 'READY'], ['5', 'COMPLETED'],
        ]);
        expect(sub.data()[2]!.orderStatus.estimatedReadyAt, who).toBe('2026-11-23T20:00:00.000Z');
      }
      // Unsubscribed: the channel is released and nothing more arrives.
      const [, first] = subs[0]!;
      first.stop();
      await waitUntil(() => t.pubsub.activeSubscriptions() === 3, WAIT_MS, () => 'one released');
      await moveThrough(t, m.token, id, ['REFUNDED']);
      await subs[1]![1].waitFor(6, WAIT_MS);
      expect(first.results).toHaveLength(5);
    });

    it('orderStatus: refuses another customer and another merchant’s vendor with FORBIDDEN and never delivers; no token closes 4403', async () => {
      const id = await createOrder(t, m.token, owner);
      for (const who of ['otherCustomer', 'otherVendor'] as const) {
        const sub = subscribe(tokens[who]!, OrderStatusSub, { orderId: id });
        expect(await subscriptionErrorCodes(sub), who).toEqual(['FORBIDDEN']);
        await moveThrough(t, m.token, id, [who === 'otherCustomer' ? 'PAID' : 'PREPARING']);
        await sleep(QUIET_MS);
        expect(sub.data(), who).toEqual([]);
      }
      expect(t.pubsub.activeSubscriptions()).toBe(0);
      const anonymous = t.wsClient({});
      const closed = nextClose(anonymous);
      collect(anonymous, OrderStatusSub, { orderId: id });
      expect(await closed).toBe(4403);
    });

    it("orderUpdates: staff see their merchant's new and changed orders; customers refused; another merchant's vendor sees none of them", async () => {
      const subs = (['vendor', 'merchant', 'admin'] as const).map((who) => [who, subscribe(tokens[who]!, OrderUpdatesSub, scoped(who))] as const);
      const otherVendor = subscribe(tokens.otherVendor!, OrderUpdatesSub, {});
      await waitUntil(() => t.pubsub.activeSubscriptions() >= 4, WAIT_MS, () => 'subscribed');
      const id = await createOrder(t, m.token, owner);
      await moveThrough(t, tokens.vendor!, id, ['CANCELLED']);
      for (const [who, sub] of subs) {
        await sub.waitFor(2, WAIT_MS);
        expect(sub.data().map((d) => [d.orderUpdates.id, d.orderUpdates.status, d.orderUpdates.version, d.orderUpdates.merchantId]), who).toEqual([
          [id, 'CREATED', '1', m.id],
          [id, 'CANCELLED', '2', m.id],
        ]);
      }
      await sleep(QUIET_MS);
      expect(otherVendor.results).toEqual([]);

      for (const [who, vars] of [['owner', {}], ['otherCustomer', {}], ['otherVendor', { merchantId: m.id }], ['admin', {}]] as const) {
        const sub = subscribe(tokens[who]!, OrderUpdatesSub, vars);
        expect(await subscriptionErrorCodes(sub), who).toEqual([who === 'admin' ? 'BAD_USER_INPUT' : 'FORBIDDEN']);
      }
    });
  });
}
